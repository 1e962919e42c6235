//! The rules that keep a contract one coherent source of truth, checked when it loads. Every
//! broken rule is collected, not just the first, and each is located in the file the user
//! wrote (an extension's own `catalogue.json` and schema files, not the merged catalogue),
//! with a JSON pointer and the nearest valid name where there is one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::catalogue::{Endpoint, FoundThrough};
use super::{CATALOGUE_FILE, Contract, ERRATA_FILE, INVALID_ANSWER, NULL_REQUIREMENT, REQUIREMENT};

/// One broken rule of a contract: where, and which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractProblem {
    /// The file as the user names it (`my-contract/catalogue.json`), or `schemas/…` for
    /// the contract built in.
    pub file: String,
    /// JSON pointer into that file (`/endpoints/0/request/collection`).
    pub pointer: String,
    pub rule: String,
}

impl std::fmt::Display for ContractProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.file, self.pointer, self.rule)
    }
}

/// Where a loaded contract's parts came from, so a problem names the user's own file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// The folder given with `--contract`; `None` for the contract built in.
    pub dir: Option<String>,
    /// Paths (under the folder) of the files the user wrote.
    pub own_files: BTreeSet<String>,
    /// Set when the folder's catalogue extends the built-in one: how many requirements,
    /// endpoints and conventions the built-in catalogue contributed first, and its
    /// collections.
    pub base: Option<BaseCounts>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct BaseCounts {
    pub requirements: usize,
    pub endpoints: usize,
    pub conventions: usize,
    pub collections: BTreeSet<String>,
}

impl Origin {
    fn own(&self, path: &str) -> String {
        match &self.dir {
            Some(dir) => format!("{dir}/{path}"),
            None => format!("schemas/{path}"),
        }
    }

    fn built_in(path: &str) -> String {
        format!("schemas/{path} (built in)")
    }

    /// The file that holds schema `path`.
    fn schema_file(&self, path: &str) -> String {
        if self.dir.is_none() || self.own_files.contains(path) {
            self.own(path)
        } else {
            Self::built_in(path)
        }
    }

    /// Item `index` of the merged catalogue's `list`, located in the file it came from.
    fn item(&self, list: &str, index: usize) -> (String, String) {
        let base = self.base.as_ref().map(|b| match list {
            "requirements" => b.requirements,
            "endpoints" => b.endpoints,
            "conventions" => b.conventions,
            _ => 0,
        });
        match base {
            Some(n) if index < n => (Self::built_in(CATALOGUE_FILE), format!("/{list}/{index}")),
            Some(n) => (self.own(CATALOGUE_FILE), format!("/{list}/{}", index - n)),
            None => (self.own(CATALOGUE_FILE), format!("/{list}/{index}")),
        }
    }

    /// The file holding the catalogue members an extension cannot add (envelope, headers,
    /// readings): the built-in catalogue when the folder extends it.
    fn base_member(&self) -> String {
        if self.base.is_some() {
            Self::built_in(CATALOGUE_FILE)
        } else {
            self.own(CATALOGUE_FILE)
        }
    }

    fn collection(&self, name: &str) -> String {
        match &self.base {
            Some(b) if b.collections.contains(name) => Self::built_in(CATALOGUE_FILE),
            _ => self.own(CATALOGUE_FILE),
        }
    }
}

/// The name among `candidates` closest to `name`, when close enough to be a typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit && *c != name)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `rule`, with ` (did you mean X?)` when a candidate is close to `name`.
fn with_hint<'a>(
    rule: String,
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    match nearest(name, candidates) {
        Some(n) => format!("{rule} (did you mean {n}?)"),
        None => rule,
    }
}

/// Collects problems while the checks walk the contract.
struct Problems<'c> {
    origin: &'c Origin,
    found: Vec<ContractProblem>,
}

impl Problems<'_> {
    fn push(&mut self, (file, pointer): (String, String), rule: String) {
        self.found.push(ContractProblem {
            file,
            pointer,
            rule,
        });
    }
}

impl Contract {
    /// Whether `key` resolves to an answer on `endpoint` (a documented row or a convention).
    pub(super) fn answers(&self, endpoint: &str, key: &str) -> bool {
        self.catalogue.expected(endpoint, key, None).is_some()
    }

    /// Every answer key `endpoint` gives: its documented rows and the conventions for it.
    pub fn answer_keys(&self, endpoint: &str) -> Vec<&str> {
        let documented = self
            .catalogue
            .endpoint(endpoint)
            .into_iter()
            .flat_map(|e| e.responses.iter().map(|r| r.key.as_str()));
        let conventions = self
            .catalogue
            .conventions
            .iter()
            .filter(|c| c.endpoint == endpoint || c.endpoint == "*")
            .map(|c| c.key.as_str());
        documented.chain(conventions).collect()
    }

    fn requirement_ids(&self) -> impl Iterator<Item = &str> {
        self.catalogue.requirements.iter().map(|r| r.id.as_str())
    }

    /// Every broken rule of the contract; empty when it is coherent.
    pub(crate) fn problems(&self) -> Vec<ContractProblem> {
        let mut p = Problems {
            origin: &self.origin,
            found: Vec::new(),
        };
        self.check_requirements(&mut p);
        self.check_named_schemas(&mut p);
        for (i, e) in self.catalogue.endpoints.iter().enumerate() {
            self.check_endpoint(i, e, &mut p);
        }
        self.check_readings(&mut p);
        self.check_collections(&mut p);
        self.check_conventions(&mut p);
        self.check_errata(&mut p);
        self.check_schema_annotations(&mut p);
        p.found
    }

    fn check_requirements(&self, p: &mut Problems) {
        let cat = &self.catalogue;
        let mut seen = BTreeSet::new();
        let endpoint_ids: Vec<&str> = cat.endpoints.iter().map(|e| e.id.as_str()).collect();
        for (i, r) in cat.requirements.iter().enumerate() {
            let at = p.origin.item("requirements", i);
            if !seen.insert(r.id.as_str()) {
                p.push(
                    (at.0.clone(), format!("{}/id", at.1)),
                    format!("requirement id {} appears twice", r.id),
                );
            }
            if r.endpoint != "*" && cat.endpoint(&r.endpoint).is_none() {
                p.push(
                    (at.0, format!("{}/endpoint", at.1)),
                    with_hint(
                        format!("requirement {} names unknown endpoint {}", r.id, r.endpoint),
                        &r.endpoint,
                        endpoint_ids.iter().copied(),
                    ),
                );
            }
        }
    }

    fn check_named_schemas(&self, p: &mut Problems) {
        let cat = &self.catalogue;
        let named = [
            ("/envelope/schema", &cat.envelope.schema),
            ("/envelope/encryptedSchema", &cat.envelope.encrypted_schema),
            ("/headers/request", &cat.headers.request),
            ("/headers/response", &cat.headers.response),
        ];
        for (pointer, schema) in named {
            if !self.validators.contains_key(schema.as_str()) {
                p.push(
                    (p.origin.base_member(), pointer.to_owned()),
                    self.unknown_schema(schema),
                );
            }
        }
    }

    fn unknown_schema(&self, schema: &str) -> String {
        with_hint(
            format!("schema {schema} does not exist in the contract"),
            schema,
            self.validators.keys().map(String::as_str),
        )
    }

    fn check_endpoint(&self, index: usize, e: &Endpoint, p: &mut Problems) {
        let cat = &self.catalogue;
        let (file, base) = p.origin.item("endpoints", index);
        let at = |field: &str| (file.clone(), format!("{base}/{field}"));
        for (field, schema) in [
            ("requestSchema", &e.request_schema),
            ("responseSchema", &e.response_schema),
        ] {
            if !self.validators.contains_key(schema.as_str()) {
                p.push(at(field), self.unknown_schema(schema));
            }
        }
        let own_requirement = |id: &str| {
            cat.requirement(id)
                .is_some_and(|r| r.endpoint == e.id || r.endpoint == "*")
        };
        let own_ids = || {
            cat.requirements
                .iter()
                .filter(|r| r.endpoint == e.id || r.endpoint == "*")
                .map(|r| r.id.as_str())
        };
        if !own_requirement(&e.response_requirement) {
            p.push(
                at("responseRequirement"),
                with_hint(
                    format!(
                        "{} is not one of this endpoint's requirements",
                        e.response_requirement
                    ),
                    &e.response_requirement,
                    own_ids(),
                ),
            );
        }
        for (i, r) in e.responses.iter().enumerate() {
            match cat.requirement(&r.requirement) {
                Some(req) if req.endpoint == e.id => {}
                _ => p.push(
                    at(&format!("responses/{i}/requirement")),
                    with_hint(
                        format!(
                            "response {} cites requirement {}, which is not one of this endpoint's",
                            r.code, r.requirement
                        ),
                        &r.requirement,
                        own_ids(),
                    ),
                ),
            }
            if !super::is_code(&r.code) {
                p.push(
                    at(&format!("responses/{i}/code")),
                    format!("response code {} is not NNN_NNN", r.code),
                );
            }
        }
        self.check_required_fields(e, &at, p);
        self.check_endpoint_data(e, &at, p);
    }

    /// `requiredFields` and the request schema's `required` must say the same: the steps
    /// read one, the validator the other.
    fn check_required_fields(
        &self,
        e: &Endpoint,
        at: &dyn Fn(&str) -> (String, String),
        p: &mut Problems,
    ) {
        if !self.validators.contains_key(e.request_schema.as_str()) {
            return;
        }
        let listed: BTreeSet<&str> = e.required_fields.iter().map(String::as_str).collect();
        let required = self.schema_required(&e.request_schema);
        let required: BTreeSet<&str> = required.iter().map(String::as_str).collect();
        let properties = self.schema_properties(&e.request_schema);
        for (i, field) in e.required_fields.iter().enumerate() {
            if !required.contains(field.as_str()) {
                let rule = if properties.contains_key(field) {
                    format!(
                        "{field} is listed as required, but {} does not require it",
                        e.request_schema
                    )
                } else {
                    with_hint(
                        format!("{field} is not a property of {}", e.request_schema),
                        field,
                        properties.keys().map(String::as_str),
                    )
                };
                p.push(at(&format!("requiredFields/{i}")), rule);
            }
        }
        for field in required.difference(&listed) {
            p.push(
                at("requiredFields"),
                format!(
                    "{} requires {field}, which requiredFields leaves out",
                    e.request_schema
                ),
            );
        }
    }

    /// An endpoint's recipe, answer requirements and sandbox behaviour name only things
    /// that exist: collections, roles, schema properties, answers, requirements.
    fn check_endpoint_data(
        &self,
        e: &Endpoint,
        at: &dyn Fn(&str) -> (String, String),
        p: &mut Problems,
    ) {
        let cat = &self.catalogue;
        let collections = || cat.collections.keys().map(String::as_str);
        let keys = self.answer_keys(&e.id);
        let request_fields = self.schema_properties(&e.request_schema);
        if let Some(recipe) = &e.request {
            match cat.collections.get(&recipe.collection) {
                None => p.push(
                    at("request/collection"),
                    with_hint(
                        format!(
                            "request.collection {} is not a catalogue collection",
                            recipe.collection
                        ),
                        &recipe.collection,
                        collections(),
                    ),
                ),
                Some(collection) => {
                    let roles =
                        std::iter::once(("request/defaultRole".to_owned(), &recipe.default_role))
                            .chain(
                                recipe
                                    .generated_roles
                                    .iter()
                                    .enumerate()
                                    .map(|(i, r)| (format!("request/generatedRoles/{i}"), r)),
                            );
                    for (pointer, role) in roles {
                        if !collection.roles.contains_key(role) {
                            p.push(
                                at(&pointer),
                                with_hint(
                                    format!(
                                        "role {role} is not a role of collection {}",
                                        recipe.collection
                                    ),
                                    role,
                                    collection.roles.keys().map(String::as_str),
                                ),
                            );
                        }
                    }
                }
            }
            for (i, field) in recipe.body.iter().enumerate() {
                if !request_fields.contains_key(field) {
                    p.push(
                        at(&format!("request/body/{i}")),
                        with_hint(
                            format!(
                                "request.body field {field} is not a property of {}",
                                e.request_schema
                            ),
                            field,
                            request_fields.keys().map(String::as_str),
                        ),
                    );
                }
            }
            if cat
                .endpoints
                .iter()
                .any(|o| o.id != e.id && o.request.as_ref().is_some_and(|r| r.noun == recipe.noun))
            {
                p.push(
                    at("request/noun"),
                    format!(
                        "request.noun {:?} is used by another endpoint too",
                        recipe.noun
                    ),
                );
            }
        }
        for (key, requirement) in &e.answer_requirements {
            if !self.answers(&e.id, key) {
                p.push(
                    at(&format!("answerRequirements/{key}")),
                    with_hint(
                        format!("answerRequirements names answer {key}, which the catalogue does not give"),
                        key,
                        keys.iter().copied(),
                    ),
                );
            }
            match cat.requirement(requirement) {
                Some(r) if r.endpoint == e.id || r.endpoint == "*" => {}
                _ => p.push(
                    at(&format!("answerRequirements/{key}")),
                    with_hint(
                        format!("answerRequirements cites {requirement}, which is not one of this endpoint's requirements"),
                        requirement,
                        self.requirement_ids(),
                    ),
                ),
            }
        }
        for (field, rule) in &request_fields {
            if let Some(key) = rule.get(INVALID_ANSWER).and_then(Value::as_str)
                && !self.answers(&e.id, key)
            {
                p.push(
                    (
                        p.origin.schema_file(&e.request_schema),
                        format!("/properties/{field}/{INVALID_ANSWER}"),
                    ),
                    with_hint(
                        format!(
                            "{INVALID_ANSWER} names answer {key}, which {} does not give",
                            e.id
                        ),
                        key,
                        keys.iter().copied(),
                    ),
                );
            }
        }
        for (i, rule) in e.field_rules.iter().enumerate() {
            for field in rule.fields() {
                if !request_fields.contains_key(field) {
                    p.push(
                        at(&format!("fieldRules/{i}")),
                        with_hint(
                            format!("{field} is not a property of {}", e.request_schema),
                            field,
                            request_fields.keys().map(String::as_str),
                        ),
                    );
                }
            }
            if !self.answers(&e.id, rule.answer()) {
                p.push(
                    at(&format!("fieldRules/{i}/answer")),
                    with_hint(
                        format!("answer {} is not an answer {} gives", rule.answer(), e.id),
                        rule.answer(),
                        keys.iter().copied(),
                    ),
                );
            } else if cat.answer_requirement(e, rule.answer()).is_none()
                && cat.convention(&e.id, rule.answer()).is_none()
            {
                p.push(
                    at(&format!("fieldRules/{i}/answer")),
                    format!(
                        "answer {} holds no requirement: give it a documented row or an answerRequirements entry",
                        rule.answer()
                    ),
                );
            }
        }
        if let Some(behaviour) = &e.sandbox {
            let lookup = &behaviour.lookup;
            if !cat.collections.contains_key(&lookup.collection) {
                p.push(
                    at("sandbox/lookup/collection"),
                    with_hint(
                        format!(
                            "sandbox.lookup.collection {} is not a catalogue collection",
                            lookup.collection
                        ),
                        &lookup.collection,
                        collections(),
                    ),
                );
            }
            if !request_fields.contains_key(&lookup.match_field) {
                p.push(
                    at("sandbox/lookup/match"),
                    with_hint(
                        format!(
                            "sandbox.lookup.match {} is not a property of {}",
                            lookup.match_field, e.request_schema
                        ),
                        &lookup.match_field,
                        request_fields.keys().map(String::as_str),
                    ),
                );
            }
            if !self.answers(&e.id, &lookup.not_found) {
                p.push(
                    at("sandbox/lookup/notFound"),
                    with_hint(
                        format!(
                            "sandbox.lookup.notFound names answer {}, which the catalogue does not give",
                            lookup.not_found
                        ),
                        &lookup.not_found,
                        keys.iter().copied(),
                    ),
                );
            }
            let response_fields = self.schema_properties(&e.response_schema);
            for (i, field) in lookup.respond.iter().enumerate() {
                if !response_fields.contains_key(field) {
                    p.push(
                        at(&format!("sandbox/lookup/respond/{i}")),
                        with_hint(
                            format!(
                                "sandbox.lookup.respond field {field} is not a property of {}",
                                e.response_schema
                            ),
                            field,
                            response_fields.keys().map(String::as_str),
                        ),
                    );
                }
            }
        }
    }

    fn check_readings(&self, p: &mut Problems) {
        let cat = &self.catalogue;
        for (i, reading) in cat.readings.iter().enumerate() {
            for (j, id) in reading.endpoints.iter().enumerate() {
                let at = (
                    p.origin.base_member(),
                    format!("/readings/{i}/endpoints/{j}"),
                );
                if cat.endpoint(id).is_none() {
                    p.push(
                        at,
                        format!(
                            "reading {}: endpoints names {id}, which is not an endpoint of the catalogue",
                            reading.id
                        ),
                    );
                    continue;
                }
                if let Some(key) = reading
                    .also_accepts
                    .iter()
                    .find(|k| !k.starts_with('{') && !self.answers(id, k))
                {
                    p.push(
                        at,
                        format!(
                            "reading {}: alsoAccepts names answer {key}, which {id} does not give",
                            reading.id
                        ),
                    );
                }
            }
        }
    }

    fn check_collections(&self, p: &mut Problems) {
        for (name, collection) in &self.catalogue.collections {
            for (i, link) in collection.found_through.iter().enumerate() {
                if let Some(rule) = self.found_through_problem(name, link) {
                    p.push(
                        (
                            p.origin.collection(name),
                            format!("/collections/{name}/foundThrough/{i}"),
                        ),
                        format!("collections.{name}.foundThrough {}: {rule}", link.endpoint),
                    );
                }
            }
        }
    }

    /// A `foundThrough` link asks an endpoint that takes a record, reads a field its answer
    /// has, and fills a request field of an endpoint that takes this collection's records.
    fn found_through_problem(&self, collection: &str, link: &FoundThrough) -> Option<String> {
        let Some(asked) = self.catalogue.endpoint(&link.endpoint) else {
            return Some("not an endpoint of the catalogue".into());
        };
        if asked.request.is_none() {
            return Some("the endpoint has no request recipe, so nothing can be asked".into());
        }
        if !self
            .schema_properties(&asked.response_schema)
            .contains_key(&link.answer_field)
        {
            return Some(format!(
                "answerField {} is not a property of {}",
                link.answer_field, asked.response_schema
            ));
        }
        let fills = self.catalogue.endpoints.iter().any(|e| {
            e.request
                .as_ref()
                .is_some_and(|r| r.collection == collection && r.body.contains(&link.field))
        });
        (!fills).then(|| {
            format!(
                "field {} is not a request field of any endpoint taking {collection}",
                link.field
            )
        })
    }

    fn check_conventions(&self, p: &mut Problems) {
        let cat = &self.catalogue;
        for (i, c) in cat.conventions.iter().enumerate() {
            let (file, base) = p.origin.item("conventions", i);
            if c.endpoint != "*" && cat.endpoint(&c.endpoint).is_none() {
                p.push(
                    (file.clone(), format!("{base}/endpoint")),
                    with_hint(
                        format!("convention {} names unknown endpoint {}", c.key, c.endpoint),
                        &c.endpoint,
                        cat.endpoints.iter().map(|e| e.id.as_str()),
                    ),
                );
            }
            if !super::is_code(&c.code) {
                p.push(
                    (file, format!("{base}/code")),
                    format!(
                        "convention {} has code {}, which is not NNN_NNN",
                        c.key, c.code
                    ),
                );
            }
        }
    }

    fn check_errata(&self, p: &mut Problems) {
        for (i, e) in self.errata.errata.iter().enumerate() {
            for (j, req) in e.requirements.iter().enumerate() {
                if self.catalogue.requirement(req).is_none() {
                    p.push(
                        (
                            p.origin.schema_file(ERRATA_FILE),
                            format!("/errata/{i}/requirements/{j}"),
                        ),
                        with_hint(
                            format!("erratum {} cites unknown requirement {req}", e.id),
                            req,
                            self.requirement_ids(),
                        ),
                    );
                }
            }
        }
    }

    /// Every `x-requirement` and `x-null-requirement` in every schema names a requirement
    /// of the catalogue: a typo there would let a broken field pass unattributed.
    fn check_schema_annotations(&self, p: &mut Problems) {
        fn walk(value: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        let here = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                        if (k == REQUIREMENT || k == NULL_REQUIREMENT)
                            && let Some(id) = v.as_str()
                        {
                            out.push((here.clone(), id.to_owned()));
                        }
                        walk(v, &here, out);
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        walk(v, &format!("{pointer}/{i}"), out);
                    }
                }
                _ => {}
            }
        }
        let documents: &BTreeMap<String, Value> = &self.documents;
        for (path, document) in documents {
            let mut found = Vec::new();
            walk(document, "", &mut found);
            for (pointer, id) in found {
                if self.catalogue.requirement(&id).is_none() {
                    p.push(
                        (p.origin.schema_file(path), pointer),
                        with_hint(
                            format!("names requirement {id}, which the catalogue does not have"),
                            &id,
                            self.requirement_ids(),
                        ),
                    );
                }
            }
        }
    }
}

impl BaseCounts {
    /// What the built-in catalogue `base` contributes before an extension's items.
    pub(crate) fn of(base: &Value) -> BaseCounts {
        let len = |list: &str| base.get(list).and_then(Value::as_array).map_or(0, Vec::len);
        BaseCounts {
            requirements: len("requirements"),
            endpoints: len("endpoints"),
            conventions: len("conventions"),
            collections: base
                .get("collections")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }
}

/// The members an extension catalogue may have, besides notes (`x-…`).
const EXTENSION_MEMBERS: [&str; 5] = [
    "extends",
    "requirements",
    "endpoints",
    "conventions",
    "collections",
];

/// Every item of an extension catalogue checked on its own, before it is merged, so a
/// missing or misspelt member is named in the user's file at the item's own index rather
/// than at a line of the merged catalogue.
pub(crate) fn extension_problems(extension: &Value, origin: &Origin) -> Vec<ContractProblem> {
    let file = origin.own(CATALOGUE_FILE);
    let mut out = Vec::new();
    let mut push = |pointer: String, rule: String| {
        out.push(ContractProblem {
            file: file.clone(),
            pointer,
            rule,
        })
    };
    let Value::Object(members) = extension else {
        push(
            String::new(),
            "an extension catalogue must be a JSON object".into(),
        );
        return out;
    };
    for (key, value) in members {
        if key.starts_with("x-") {
            continue;
        }
        let item_problem = |v: &Value| -> Option<String> {
            let result = match key.as_str() {
                "requirements" => serde_json::from_value::<super::Requirement>(v.clone()).err(),
                "endpoints" => serde_json::from_value::<Endpoint>(v.clone()).err(),
                "conventions" => serde_json::from_value::<super::Convention>(v.clone()).err(),
                "collections" => serde_json::from_value::<super::Collection>(v.clone()).err(),
                _ => None,
            };
            result.map(|e| e.to_string())
        };
        match (key.as_str(), value) {
            ("requirements" | "endpoints" | "conventions", Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(rule) = item_problem(item) {
                        push(format!("/{key}/{i}"), rule);
                    }
                }
            }
            ("collections", Value::Object(map)) => {
                for (name, item) in map {
                    if let Some(rule) = item_problem(item) {
                        push(format!("/collections/{name}"), rule);
                    }
                }
            }
            ("requirements" | "endpoints" | "conventions", _) => {
                push(format!("/{key}"), "must be an array".into());
            }
            ("collections", _) => {
                push(
                    "/collections".into(),
                    "must be an object of collections by name".into(),
                );
            }
            ("extends", _) => {}
            (other, _) => push(
                format!("/{other}"),
                with_hint(
                    format!(
                        "an extension adds requirements, endpoints, conventions and collections; {other} is none of them (the built-in catalogue's other members cannot be changed, and notes go in members named x-…)"
                    ),
                    other,
                    EXTENSION_MEMBERS,
                ),
            ),
        }
    }
    out
}
