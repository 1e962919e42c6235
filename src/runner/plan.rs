//! Before a single request is sent: parse the features, expand outlines, apply the tag
//! filter and the profile, and decide which scenarios this target cannot verify (and why).
//! Those scenarios still run through cucumber, with their steps replaced by one that matches
//! no definition, so every report lists them as skipped with the reason in plain words.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use cucumber::feature::Ext as _;
use cucumber::tag::Ext as _;
use regex::Regex;

use crate::contract::Contract;
use crate::fixtures::Fixtures;
use crate::judge::NotVerified;

use super::config::Profile;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read feature file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("feature file {path} is not valid Gherkin: {reason}")]
    Parse { path: String, reason: String },
    #[error("--tags {expr:?} is not a tag expression: {reason}")]
    Tags { expr: String, reason: String },
    #[error("no feature files found in {0}")]
    Empty(String),
    #[error("scenario {id}: {reason}")]
    Scenario { id: String, reason: String },
    #[error("the features do not fit the contract ({} problem(s)):\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Mismatch(Vec<String>),
    #[error("--tags {expr:?} selects no scenario: nothing would be certified")]
    NoneSelected { expr: String },
    #[error(
        "none of the {count} selected scenarios can be verified on this target, so nothing would be certified; for example {example}: {reason}"
    )]
    NothingVerifiable {
        count: usize,
        example: String,
        reason: String,
    },
    #[error(transparent)]
    Contract(#[from] crate::contract::ContractError),
}

/// The safety classes a scenario may carry; every scenario carries one.
pub const SAFETY_TAGS: [&str; 3] = ["read-only", "negative", "sandbox-only"];

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub tags: Option<String>,
    pub profile: Profile,
    pub has_keys: bool,
    pub generated_per_endpoint: usize,
}

/// A scenario in the plan, identified as `features/x.feature:LINE`.
#[derive(Debug, Clone)]
pub struct PlannedScenario {
    pub id: String,
    pub name: String,
    pub tags: Vec<String>,
    /// `Some(reason)`: reported as not verified.
    pub not_verified: Option<NotVerified>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub features: Vec<gherkin::Feature>,
    pub scenarios: BTreeMap<String, PlannedScenario>,
}

/// The step text that stands in for a scenario that will not be verified.
pub const NOT_VERIFIED_STEP: &str = "this scenario is not verified on this target";

pub fn scenario_id(feature: &gherkin::Feature, line: usize) -> String {
    let path = feature
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| feature.name.clone());
    format!("{path}:{line}")
}

/// Tags of a scenario including those inherited from its feature and rule, without `@`.
pub fn effective_tags(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    let mut tags = feature.tags.clone();
    if let Some(r) = rule {
        tags.extend(r.tags.iter().cloned());
    }
    tags.extend(scenario.tags.iter().cloned());
    tags.dedup();
    tags
}

/// Parse features from text: the embedded ones, or a directory given with `--features`.
pub fn load_features(dir: Option<&Path>) -> Result<Vec<gherkin::Feature>, PlanError> {
    let sources: Vec<(PathBuf, String)> = match dir {
        None => crate::contract::embedded_features()
            .iter()
            .map(|(p, t)| (PathBuf::from("features").join(p), (*t).to_owned()))
            .collect(),
        Some(dir) => {
            let mut out = Vec::new();
            let entries = std::fs::read_dir(dir).map_err(|e| PlanError::Read {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "feature") {
                    let text = std::fs::read_to_string(&path).map_err(|e| PlanError::Read {
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?;
                    out.push((path, text));
                }
            }
            out.sort();
            out
        }
    };
    if sources.is_empty() {
        return Err(PlanError::Empty(
            dir.map_or("the build".into(), |d| d.display().to_string()),
        ));
    }
    sources
        .into_iter()
        .map(|(path, text)| {
            let mut feature = gherkin::Feature::parse(&text, gherkin::GherkinEnv::default())
                .map_err(|e| PlanError::Parse {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
            feature.path = Some(path.clone());
            feature.expand_examples().map_err(|e| PlanError::Parse {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        })
        .collect()
}

static FIXTURE_STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^the (.+) "([^"]+)" from the fixtures$"#).expect("valid regex"));
static VALID_REQUEST_STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^a valid request to "([^"]+)"$"#).expect("valid regex"));
static WELL_FORMED_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:a well-formed (.+) inquiry|a made-up (.+))$"#).expect("valid regex")
});
static REAL_FIELDS_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^a well-formed (.+) inquiry whose (.+) (?:is|are) real$"#).expect("valid regex")
});
static FOUND_THROUGH_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^the (.+) found by asking about the (.+) "([^"]+)"$"#).expect("valid regex")
});
static WELL_FORMED_REQUEST_STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^a well-formed request to "([^"]+)"$"#).expect("valid regex"));
const GENERATED_STEP: &str = "the generated cases for this endpoint are sent";

/// The endpoint whose request recipe takes a `noun`, or why `step` is wrong.
fn recipe_taking<'c>(
    contract: &'c Contract,
    step: &gherkin::Step,
    noun: &str,
) -> Result<&'c crate::contract::Endpoint, String> {
    contract.catalogue.endpoint_by_noun(noun).ok_or_else(|| {
        format!(
            "step {:?}: no endpoint's request recipe takes a {noun:?}",
            step.value
        )
    })
}

/// What a scenario sends to and from which record, read from its tags and steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScenarioTarget {
    /// The endpoint every request of the scenario goes to.
    pub endpoint: Option<String>,
    /// The role of the endpoint's collection its request is made from.
    pub role: Option<String>,
    /// Whether that role's record must be in the fixtures: false when the scenario asks only
    /// for a well-formed request, which is synthesized when the record is missing.
    pub needs_record: bool,
    /// Request fields that must be a real record's (the record, or the fixtures' known values).
    pub real_fields: Vec<String>,
    /// The record is found by asking this endpoint about its record of this role.
    pub found_through: Option<(String, String)>,
}

/// The endpoint and record a scenario uses, or why the scenario is wrong: a step whose
/// endpoint disagrees with the feature's `@endpoint:` tag, an endpoint the catalogue lacks
/// or that has no request recipe, a role its collection does not declare.
pub fn scenario_target(
    contract: &Contract,
    tags: &[String],
    scenario: &gherkin::Scenario,
) -> Result<ScenarioTarget, String> {
    let catalogue = &contract.catalogue;
    let mut chosen = crate::steps::world::endpoint_tag(tags).map(str::to_owned);
    let mut role = None;
    let mut agree = |id: &str, how: &str| match &chosen {
        Some(c) if c != id => Err(format!(
            "{how} sends to {id:?}, but the scenario's endpoint is {c:?} (its @endpoint: tag or an earlier step)"
        )),
        _ => {
            chosen = Some(id.to_owned());
            Ok(())
        }
    };
    let mut needs_recipe = false;
    let mut needs_record = false;
    let mut real_fields = Vec::new();
    let mut found_through = None;
    for step in &scenario.steps {
        if let Some(c) = REAL_FIELDS_STEP.captures(&step.value) {
            let endpoint = recipe_taking(contract, step, &c[1])?;
            agree(&endpoint.id, &format!("step {:?}", step.value))?;
            real_fields = crate::steps::request::quoted_names(&c[2]);
            if real_fields.is_empty() {
                return Err(format!(
                    "step {:?}: name the fields that must be real in double quotes",
                    step.value
                ));
            }
            if let Err(crate::steps::request::Unavailable::Broken(reason)) =
                crate::steps::request::real_fields_source(
                    contract,
                    &crate::fixtures::Fixtures::default(),
                    endpoint,
                    &real_fields,
                )
            {
                return Err(format!("step {:?}: {reason}", step.value));
            }
            needs_recipe = true;
        } else if let Some(c) = FOUND_THROUGH_STEP.captures(&step.value) {
            let endpoint = recipe_taking(contract, step, &c[1])?;
            agree(&endpoint.id, &format!("step {:?}", step.value))?;
            let (asked, _) = crate::steps::request::found_through(contract, endpoint, &c[2])
                .map_err(|reason| format!("step {:?}: {reason}", step.value))?;
            let declared = asked
                .request
                .as_ref()
                .and_then(|r| catalogue.collections.get(&r.collection))
                .is_some_and(|col| col.roles.contains_key(&c[3]));
            if !declared {
                return Err(format!(
                    "step {:?}: {:?} is not a role of the {} endpoint's collection",
                    step.value, &c[3], asked.id
                ));
            }
            found_through = Some((asked.id.clone(), c[3].to_owned()));
            needs_recipe = true;
        } else if let Some(c) = WELL_FORMED_STEP.captures(&step.value) {
            let noun = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            let endpoint = recipe_taking(contract, step, noun)?;
            agree(&endpoint.id, &format!("step {:?}", step.value))?;
            needs_recipe = true;
        } else if let Some(c) = WELL_FORMED_REQUEST_STEP.captures(&step.value) {
            agree(&c[1], &format!("step {:?}", step.value))?;
            needs_recipe = true;
        } else if let Some(c) = FIXTURE_STEP.captures(&step.value) {
            let endpoint = recipe_taking(contract, step, &c[1])?;
            agree(&endpoint.id, &format!("step {:?}", step.value))?;
            role = Some(c[2].to_owned());
            needs_recipe = true;
            needs_record = true;
        } else if let Some(c) = VALID_REQUEST_STEP.captures(&step.value) {
            agree(&c[1], &format!("step {:?}", step.value))?;
            needs_recipe = true;
            needs_record = true;
        } else if step.value == GENERATED_STEP {
            needs_recipe = true;
            needs_record = true;
        }
    }
    let Some(id) = &chosen else {
        return Ok(ScenarioTarget::default());
    };
    let Some(endpoint) = catalogue.endpoint(id) else {
        return Err(format!("endpoint {id:?} is not in the catalogue"));
    };
    if needs_recipe {
        let Some(recipe) = &endpoint.request else {
            return Err(format!(
                "endpoint {id} has no request recipe in the catalogue, so no request can be made for it"
            ));
        };
        let role = role.get_or_insert_with(|| recipe.default_role.clone());
        let declared = catalogue
            .collections
            .get(&recipe.collection)
            .is_some_and(|c| c.roles.contains_key(role.as_str()));
        if !declared {
            return Err(format!(
                "role {role:?} is not a role of the catalogue's {} collection",
                recipe.collection
            ));
        }
    }
    Ok(ScenarioTarget {
        endpoint: chosen,
        role,
        needs_record,
        real_fields,
        found_through,
    })
}

/// Why `scenario` cannot be verified on this target, if it cannot.
fn unverifiable(
    contract: &Contract,
    tags: &[String],
    scenario: &gherkin::Scenario,
    target: &ScenarioTarget,
    fixtures: &Fixtures,
    options: &PlanOptions,
) -> Option<NotVerified> {
    if options.profile == Profile::Production && !tags.iter().any(|t| t == "read-only") {
        return Some(
            "the production profile runs @read-only scenarios only (raise it with --profile sandbox)"
                .into(),
        );
    }
    if tags.iter().any(|t| t == "generated") && options.generated_per_endpoint == 0 {
        return Some("generated cases are off for this run (--generated 0)".into());
    }
    if let (Some(id), Some(role), true) = (&target.endpoint, &target.role, target.needs_record)
        && let Some(endpoint) = contract.endpoint(id)
        && let Err(crate::steps::request::Unavailable::NotVerified(reason)) =
            crate::steps::request::record_for(contract, fixtures, endpoint, role)
    {
        return Some(reason);
    }
    if let (Some(id), false) = (&target.endpoint, target.real_fields.is_empty())
        && let Some(endpoint) = contract.endpoint(id)
        && let Err(crate::steps::request::Unavailable::NotVerified(reason)) =
            crate::steps::request::real_fields_source(
                contract,
                fixtures,
                endpoint,
                &target.real_fields,
            )
    {
        return Some(reason);
    }
    if let Some((asked, role)) = &target.found_through
        && let Some(endpoint) = contract.endpoint(asked)
        && let Err(crate::steps::request::Unavailable::NotVerified(reason)) =
            crate::steps::request::record_for(contract, fixtures, endpoint, role)
    {
        return Some(reason);
    }
    for step in &scenario.steps {
        if step.value == "the request is encrypted" && !options.has_keys {
            return Some("no encryption keys are configured for this target".into());
        }
    }
    None
}

/// [`plan_for`] with the embedded contract.
pub fn plan(
    features: Vec<gherkin::Feature>,
    fixtures: &Fixtures,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    plan_for(
        crate::contract::Contract::shared()?,
        features,
        fixtures,
        options,
    )
}

/// Build the plan: filter by `--tags`, mark what cannot be verified, and stand a
/// non-matching step in for the steps of those scenarios. A plan that would certify
/// nothing is an error.
pub fn plan_for(
    contract: &Contract,
    features: Vec<gherkin::Feature>,
    fixtures: &Fixtures,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let plan = decide_all(contract, features, fixtures, options)?;
    let scenarios = &plan.scenarios;
    // A run that certifies nothing must not look like a green one.
    if scenarios.is_empty()
        && let Some(expr) = &options.tags
    {
        return Err(PlanError::NoneSelected { expr: expr.clone() });
    }
    if !scenarios.is_empty() && scenarios.values().all(|s| s.not_verified.is_some()) {
        let first = scenarios.values().next();
        return Err(PlanError::NothingVerifiable {
            count: scenarios.len(),
            example: first.map(|s| s.id.clone()).unwrap_or_default(),
            reason: first
                .and_then(|s| s.not_verified.as_ref())
                .map(|n| n.reason.clone())
                .unwrap_or_default(),
        });
    }
    Ok(plan)
}

/// The scenarios of `features` that the tag expression `expr` selects (all without one):
/// what a run with `--tags` would plan, for commands that reason about it first.
pub fn select_by_tags(
    mut features: Vec<gherkin::Feature>,
    expr: Option<&str>,
) -> Result<Vec<gherkin::Feature>, PlanError> {
    let Some(expr) = expr else {
        return Ok(features);
    };
    let filter = expr
        .parse::<gherkin::tagexpr::TagOperation>()
        .map_err(|e| PlanError::Tags {
            expr: expr.to_owned(),
            reason: e.to_string(),
        })?;
    for feature in &mut features {
        let snapshot = feature.clone();
        feature
            .scenarios
            .retain(|s| filter.eval(effective_tags(&snapshot, None, s).iter()));
        for rule in &mut feature.rules {
            let rule_snapshot = rule.clone();
            rule.scenarios
                .retain(|s| filter.eval(effective_tags(&snapshot, Some(&rule_snapshot), s).iter()));
        }
    }
    Ok(features)
}

/// [`plan_for`] without its guards: every scenario decided, verifiable or not.
fn decide_all(
    contract: &Contract,
    mut features: Vec<gherkin::Feature>,
    fixtures: &Fixtures,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let filter = match &options.tags {
        Some(expr) => Some(
            expr.parse::<gherkin::tagexpr::TagOperation>()
                .map_err(|e| PlanError::Tags {
                    expr: expr.clone(),
                    reason: e.to_string(),
                })?,
        ),
        None => None,
    };
    let mut scenarios = BTreeMap::new();
    for feature in &mut features {
        let snapshot = feature.clone();
        let decide = |rule: Option<&gherkin::Rule>,
                      list: &mut Vec<gherkin::Scenario>,
                      scenarios: &mut BTreeMap<String, PlannedScenario>| {
            list.retain(|s| {
                let tags = effective_tags(&snapshot, rule, s);
                filter.as_ref().is_none_or(|f| f.eval(tags.iter()))
            });
            for s in list.iter_mut() {
                let tags = effective_tags(&snapshot, rule, s);
                let target =
                    scenario_target(contract, &tags, s).map_err(|reason| PlanError::Scenario {
                        id: scenario_id(&snapshot, s.position.line),
                        reason,
                    })?;
                let reason = unverifiable(contract, &tags, s, &target, fixtures, options);
                if let Some(reason) = &reason {
                    let mut stand_in = s.steps.first().cloned().unwrap_or_else(|| gherkin::Step {
                        keyword: "Given ".into(),
                        ty: gherkin::StepType::Given,
                        value: String::new(),
                        docstring: None,
                        table: None,
                        span: s.span,
                        position: s.position,
                    });
                    stand_in.value = format!("{NOT_VERIFIED_STEP}: {}", reason.reason);
                    stand_in.docstring = None;
                    stand_in.table = None;
                    s.steps = vec![stand_in];
                }
                let id = scenario_id(&snapshot, s.position.line);
                scenarios.insert(
                    id.clone(),
                    PlannedScenario {
                        id,
                        name: s.name.clone(),
                        tags,
                        not_verified: reason,
                    },
                );
            }
            Ok::<(), PlanError>(())
        };
        decide(None, &mut feature.scenarios, &mut scenarios)?;
        for (i, rule) in feature.rules.clone().iter().enumerate() {
            decide(Some(rule), &mut feature.rules[i].scenarios, &mut scenarios)?;
        }
    }
    Ok(Plan {
        features,
        scenarios,
    })
}

/// What a fixtures file lets a run verify, and what each missing role would add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Requirements at least one verifiable scenario holds.
    pub verified: std::collections::BTreeSet<String>,
    /// Every requirement of the contract's catalogue.
    pub requirements: usize,
    pub scenarios_verified: usize,
    pub scenarios: usize,
    /// Missing roles that would make more scenarios verifiable, most valuable first.
    pub unlocks: Vec<Unlock>,
    /// Scenarios that stay not verified whatever role is added, counted by reason.
    pub other_reasons: BTreeMap<String, usize>,
}

/// One role the fixtures lack and what adding it would verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlock {
    /// `collection.role`.
    pub role: String,
    /// Requirements verified with the role and not without it.
    pub requirements: Vec<String>,
    /// Scenarios verified with the role and not without it.
    pub scenarios: usize,
}

/// Explain `fixtures` through the same planner `run` uses: plan once as given, then once
/// per declared role the fixtures lack, with that role added.
pub fn explain(
    contract: &Contract,
    features: &[gherkin::Feature],
    fixtures: &Fixtures,
    options: &PlanOptions,
) -> Result<Explanation, PlanError> {
    let verified_by = |fixtures: &Fixtures| -> Result<_, PlanError> {
        let plan = decide_all(contract, features.to_vec(), fixtures, options)?;
        let mut requirements = std::collections::BTreeSet::new();
        let mut scenarios = std::collections::BTreeSet::new();
        for s in plan.scenarios.values().filter(|s| s.not_verified.is_none()) {
            scenarios.insert(s.id.clone());
            requirements.extend(crate::steps::world::requirement_tags(&s.tags));
        }
        Ok((requirements, scenarios, plan))
    };
    let (verified, verified_scenarios, plan) = verified_by(fixtures)?;
    let mut unlocks = Vec::new();
    for (collection, declared) in &contract.catalogue.collections {
        for role in declared.roles.keys() {
            if fixtures.role(collection, role).is_some() {
                continue;
            }
            let mut more = fixtures.clone();
            // Presence is all the planner asks of a record.
            more.collections
                .entry(collection.clone())
                .or_default()
                .roles
                .insert(role.clone(), crate::fixtures::Record::new());
            let (requirements, scenarios, _) = verified_by(&more)?;
            let gained = scenarios.difference(&verified_scenarios).count();
            if gained > 0 {
                unlocks.push(Unlock {
                    role: format!("{collection}.{role}"),
                    requirements: requirements.difference(&verified).cloned().collect(),
                    scenarios: gained,
                });
            }
        }
    }
    unlocks.sort_by(|a, b| {
        (b.requirements.len(), b.scenarios, &a.role).cmp(&(
            a.requirements.len(),
            a.scenarios,
            &b.role,
        ))
    });
    let unlockable: std::collections::BTreeSet<&str> =
        unlocks.iter().map(|u| u.role.as_str()).collect();
    let mut other_reasons = BTreeMap::new();
    for s in plan.scenarios.values() {
        if let Some(not_verified) = &s.not_verified
            && not_verified
                .unlocks
                .as_deref()
                .is_none_or(|r| !unlockable.contains(r))
        {
            *other_reasons
                .entry(not_verified.reason.clone())
                .or_insert(0) += 1;
        }
    }
    Ok(Explanation {
        verified,
        // A run certifies the server's rules; the client's are for verify and certify-client.
        requirements: contract
            .catalogue
            .requirements
            .iter()
            .filter(|r| r.side.is_server())
            .count(),
        scenarios_verified: verified_scenarios.len(),
        scenarios: plan.scenarios.len(),
        unlocks,
        other_reasons,
    })
}
