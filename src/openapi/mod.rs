//! OpenAPI 3.1 export of the contract. Every fact in the document comes from the catalogue,
//! the errata or the JSON Schemas, so it cannot drift from what the harness asserts; this
//! module only decides where in OpenAPI's layout each fact goes.

mod components;
mod examples;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::contract::{Catalogue, Contract, ContractError, Endpoint};
use components::Components;
use examples::Case;

pub use components::{SOURCE_KEYWORD, component_name};

/// The OpenAPI version the document declares.
pub const OPENAPI_VERSION: &str = "3.1.0";

const JSON: &str = "application/json";

/// Methods OpenAPI 3.1 has a Path Item field for.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("schema file {file} is missing from the contract")]
    MissingSchema { file: String },
    #[error(
        "schema file {file}: $ref {reference} does not name another schema file of the contract"
    )]
    UnresolvedRef { file: String, reference: String },
    #[error("schema file {file} has no `properties` object, so its headers cannot be listed")]
    NotAHeaderSchema { file: String },
    #[error("schema files {first} and {second} would both be component {name}")]
    NameClash {
        name: String,
        first: String,
        second: String,
    },
    #[error("endpoint {endpoint}: method {method} is not one OpenAPI can describe")]
    Method { endpoint: String, method: String },
    #[error("endpoint {endpoint}: two responses share the example name {key}")]
    DuplicateExample { endpoint: String, key: String },
    #[error("cannot write the OpenAPI document to {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The OpenAPI document of the contract compiled into this binary's [`Contract`].
pub fn export(contract: &Contract) -> Result<Value, OpenApiError> {
    export_with(contract, &|file| contract.schema_document(file))
}

/// Like [`export`], reading schema files through `schema_document` (a file path under
/// `schemas/` to its JSON), so a caller can export from other files or test a missing one.
/// Success examples are still checked with the contract's compiled schemas.
pub fn export_with(
    contract: &Contract,
    schema_document: &dyn Fn(&str) -> Option<Value>,
) -> Result<Value, OpenApiError> {
    let catalogue = &contract.catalogue;
    let mut roots = vec![
        catalogue.envelope.schema.as_str(),
        catalogue.envelope.encrypted_schema.as_str(),
        catalogue.headers.request.as_str(),
        catalogue.headers.response.as_str(),
    ];
    for endpoint in &catalogue.endpoints {
        roots.push(&endpoint.request_schema);
        roots.push(&endpoint.response_schema);
    }
    let components = Components::collect(&roots, schema_document)?;

    let request_headers = headers(&components, &catalogue.headers.request, schema_document)?;
    let response_headers = headers(&components, &catalogue.headers.response, schema_document)?;

    let mut parameters = Map::new();
    for header in &request_headers {
        let mut parameter = Map::new();
        parameter.insert("name".into(), Value::String(header.name.clone()));
        parameter.insert("in".into(), Value::String("header".into()));
        parameter.insert("required".into(), Value::Bool(header.required));
        if let Some(description) = &header.description {
            parameter.insert("description".into(), Value::String(description.clone()));
        }
        parameter.insert("schema".into(), header.schema.clone());
        parameters.insert(header.name.clone(), Value::Object(parameter));
    }
    let mut header_objects = Map::new();
    for header in &response_headers {
        let mut object = Map::new();
        if let Some(description) = &header.description {
            object.insert("description".into(), Value::String(description.clone()));
        }
        object.insert("required".into(), Value::Bool(header.required));
        object.insert("schema".into(), header.schema.clone());
        header_objects.insert(header.name.clone(), Value::Object(object));
    }

    // Placeholder success bodies are built against the finished components.
    let schema_root = json!({"components": {"schemas": components.schemas()}});
    let context = Context {
        contract,
        catalogue,
        components: &components,
        schema_root: &schema_root,
        request_headers: &request_headers,
        response_headers: &response_headers,
    };

    let mut paths = Map::new();
    for endpoint in &catalogue.endpoints {
        let method = endpoint.method.to_ascii_lowercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(OpenApiError::Method {
                endpoint: endpoint.id.clone(),
                method: endpoint.method.clone(),
            });
        }
        let item = paths
            .entry(endpoint.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(method, context.operation(endpoint)?);
        }
    }

    Ok(json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": catalogue.title,
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Generated by kona-conformance from its contract (catalogue {}); edit the \
                 contract, not this file. {}",
                catalogue.catalogue_version, catalogue.envelope.doc
            ),
            "x-contract-hash": contract.hash(),
            "x-kona-catalogue-version": catalogue.catalogue_version,
        },
        "servers": [
            {
                "url": catalogue.vendor_sandbox_base_url,
                "description": "The vendor's sandbox",
            },
            {
                "url": format!("http://127.0.0.1:{{port}}{}", catalogue.base_path),
                "description": "kona-conformance's embedded sandbox, on the port it was given \
                                (`kona-conformance sandbox --listen 127.0.0.1:8080`)",
                "variables": {"port": {"default": "8080"}},
            },
        ],
        "paths": paths,
        "components": {
            "schemas": components.schemas(),
            "parameters": parameters,
            "headers": header_objects,
        },
        "x-kona-errata": contract.errata.errata,
    }))
}

/// The document as the CLI writes it: pretty JSON and a final newline.
pub fn to_pretty_string(document: &Value) -> String {
    // A `Value` has only string keys, so serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// One header from a headers schema: its property, and whether the schema requires it.
struct Header {
    name: String,
    required: bool,
    description: Option<String>,
    /// The property's schema, without the description the header object carries instead.
    schema: Value,
}

fn headers(
    components: &Components,
    file: &str,
    schema_document: &dyn Fn(&str) -> Option<Value>,
) -> Result<Vec<Header>, OpenApiError> {
    let document = schema_document(file).ok_or_else(|| OpenApiError::MissingSchema {
        file: file.to_owned(),
    })?;
    let properties = document
        .get("properties")
        .and_then(Value::as_object)
        .ok_or_else(|| OpenApiError::NotAHeaderSchema {
            file: file.to_owned(),
        })?;
    let required: Vec<&str> = document
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Vec::new();
    for (name, property) in properties {
        let mut schema = components.rewrite(file, property.clone())?;
        let description = schema
            .as_object_mut()
            .and_then(|s| s.shift_remove("description"))
            .and_then(|d| d.as_str().map(str::to_owned));
        out.push(Header {
            name: name.clone(),
            required: required.contains(&name.as_str()),
            description,
            schema,
        });
    }
    Ok(out)
}

struct Context<'a> {
    contract: &'a Contract,
    catalogue: &'a Catalogue,
    components: &'a Components,
    schema_root: &'a Value,
    request_headers: &'a [Header],
    response_headers: &'a [Header],
}

impl Context<'_> {
    fn operation(&self, endpoint: &Endpoint) -> Result<Value, OpenApiError> {
        let parameters: Vec<Value> = self
            .request_headers
            .iter()
            .map(|h| json!({"$ref": format!("#/components/parameters/{}", h.name)}))
            .collect();

        let encrypted = self
            .components
            .reference(&self.catalogue.envelope.encrypted_schema)?;
        let field = &self.catalogue.envelope.encrypted_field;
        let mut request_schema = self.components.reference(&endpoint.request_schema)?;
        let mut request_description = "The request parameters as a JSON object.".to_owned();
        if endpoint.encryption.request {
            request_schema = json!({"oneOf": [request_schema, encrypted.clone()]});
            request_description.push_str(&format!(
                " They may be sent encrypted instead: an object whose `{field}` holds a JWE \
                 of that plaintext object."
            ));
        }

        let requirements: Vec<&str> = self
            .catalogue
            .requirements
            .iter()
            .filter(|r| r.endpoint == "*" || r.endpoint == endpoint.id)
            .map(|r| r.id.as_str())
            .collect();

        Ok(json!({
            "operationId": endpoint.id,
            "summary": endpoint.name,
            "parameters": parameters,
            "requestBody": {
                "required": true,
                "description": request_description,
                "content": {JSON: {"schema": request_schema}},
            },
            "responses": self.responses(endpoint, &encrypted)?,
            "x-kona-encryption": endpoint.encryption,
            "x-kona-requirements": requirements,
        }))
    }

    /// Responses keyed by HTTP status, each with one example per code it may carry.
    fn responses(&self, endpoint: &Endpoint, encrypted: &Value) -> Result<Value, OpenApiError> {
        let cases = examples::cases(self.catalogue, endpoint);
        let mut by_status: BTreeMap<u16, Vec<&Case<'_>>> = BTreeMap::new();
        for case in &cases {
            by_status.entry(case.status).or_default().push(case);
        }

        let headers: Map<String, Value> = self
            .response_headers
            .iter()
            .map(|h| {
                (
                    h.name.clone(),
                    json!({"$ref": format!("#/components/headers/{}", h.name)}),
                )
            })
            .collect();
        let field = &self.catalogue.envelope.encrypted_field;

        let mut responses = Map::new();
        for (status, cases) in by_status {
            let success = (200..300).contains(&status);
            // Errors are always plain (errata E22), and are the envelope alone.
            let (schema, encryption_note) = if success {
                let schema = self.components.reference(&endpoint.response_schema)?;
                if endpoint.encryption.response {
                    (
                        json!({"oneOf": [schema, encrypted.clone()]}),
                        format!(
                            " The body may come encrypted: an object whose `{field}` holds a \
                             JWE of the plaintext body."
                        ),
                    )
                } else {
                    (schema, String::new())
                }
            } else {
                (
                    self.components.reference(&self.catalogue.envelope.schema)?,
                    String::new(),
                )
            };

            let mut named = Map::new();
            for case in &cases {
                let example = self.example(endpoint, case, success);
                if named.insert(case.key.to_owned(), example).is_some() {
                    return Err(OpenApiError::DuplicateExample {
                        endpoint: endpoint.id.clone(),
                        key: case.key.to_owned(),
                    });
                }
            }

            let reason = axum::http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Response");
            let description = format!("{reason}.{}{encryption_note}", code_summary(&cases));
            let mut response = json!({
                "description": description,
                "headers": headers,
                "content": {JSON: {"schema": schema, "examples": named}},
            });
            if success {
                // The requirement a success body breaking the response schema violates.
                response["x-kona-requirement"] =
                    Value::String(endpoint.response_requirement.clone());
                let links = self.links(endpoint);
                if !links.is_empty() {
                    response["links"] = Value::Object(links);
                }
            }
            responses.insert(status.to_string(), response);
        }
        Ok(Value::Object(responses))
    }

    /// The catalogue's `foundThrough` links as OpenAPI links: a success of `endpoint` names
    /// a record that another operation takes (card/info's userId is a deduction/info member).
    fn links(&self, endpoint: &Endpoint) -> Map<String, Value> {
        let mut links = Map::new();
        for (collection, declared) in &self.catalogue.collections {
            for link in declared
                .found_through
                .iter()
                .filter(|l| l.endpoint == endpoint.id)
            {
                let takers = self.catalogue.endpoints.iter().filter(|e| {
                    e.request.as_ref().is_some_and(|r| {
                        &r.collection == collection && r.body.contains(&link.field)
                    })
                });
                for taker in takers {
                    links.insert(
                        format!("{}-{}", taker.id, link.field),
                        json!({
                            "operationId": taker.id,
                            "requestBody": {
                                (link.field.clone()): format!("{{$response.body#/{}}}", link.answer_field)
                            },
                            "description": format!(
                                "{}. The value is the (decrypted) body's {}, sent as {} in the \
                                 request body; the harness asks this way when its fixtures hold \
                                 no {collection} record.",
                                link.meaning.trim_end_matches('.'),
                                link.answer_field,
                                link.field
                            ),
                        }),
                    );
                }
            }
        }
        links
    }

    fn example(&self, endpoint: &Endpoint, case: &Case<'_>, success: bool) -> Value {
        let message = self.fill_field(endpoint, case.message);
        let mut body = examples::envelope(self.catalogue, case.code, &message);
        let mut note = None;
        if success {
            // A success body is the envelope plus the endpoint's data fields beside it.
            let with_data = self
                .components
                .reference(&endpoint.response_schema)
                .ok()
                .and_then(|schema| examples::placeholder(&schema, self.schema_root))
                .and_then(|data| match data {
                    Value::Object(data) => Some(data),
                    _ => None,
                })
                .map(|data| {
                    let mut full = body.clone();
                    for (name, value) in data {
                        full.entry(name).or_insert(value);
                    }
                    full
                });
            let valid = |b: &Map<String, Value>| {
                self.contract
                    .validate(&endpoint.response_schema, &Value::Object(b.clone()))
                    .is_empty()
            };
            match with_data {
                Some(full) if full.len() > body.len() && valid(&full) => {
                    body = full;
                    note = Some(
                        "The data fields hold placeholders, the smallest values their rules \
                         allow: the pages publish no sample body",
                    );
                }
                _ if valid(&body) => {}
                _ => {
                    note = Some(
                        "Only the envelope is shown: the data fields beside it have no sample \
                         values in the pages",
                    );
                }
            }
        }
        examples::example(case, &message, Value::Object(body), note)
    }

    /// Fill `{field}` with a real name: a required request header for a header rule, the
    /// endpoint's first required body field otherwise.
    fn fill_field(&self, endpoint: &Endpoint, message: &str) -> String {
        if !message.contains("{field}") {
            return message.to_owned();
        }
        let field = if message.to_ascii_lowercase().contains("header") {
            self.request_headers
                .iter()
                .find(|h| h.required)
                .map(|h| h.name.as_str())
        } else {
            endpoint.required_fields.first().map(String::as_str)
        };
        match field {
            Some(field) => message.replace("{field}", field),
            None => message.to_owned(),
        }
    }
}

/// " Documented codes: …. Codes of this project's conventions: …." for a status's cases.
fn code_summary(cases: &[&Case<'_>]) -> String {
    let list = |strength| {
        let mut codes: Vec<&str> = cases
            .iter()
            .filter(|c| c.strength == strength)
            .map(|c| c.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes.join(", ")
    };
    let documented = list(crate::contract::Strength::Documented);
    let conventions = list(crate::contract::Strength::Convention);
    let mut out = String::new();
    if !documented.is_empty() {
        out.push_str(&format!(" Documented codes: {documented}."));
    }
    if !conventions.is_empty() {
        out.push_str(&format!(
            " Codes this project chose where the pages are silent (conventions, asserted \
             exactly only against the embedded sandbox): {conventions}."
        ));
    }
    out
}
