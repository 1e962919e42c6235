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

use crate::fixtures::Fixtures;

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
    pub not_verified: Option<String>,
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

static FIXTURE_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^the (member|card|bank account) "([^"]+)" from the fixtures$"#)
        .expect("valid regex")
});
static VALID_REQUEST_STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^a valid request to "([^"]+)"$"#).expect("valid regex"));

/// Why `scenario` cannot be verified on this target, if it cannot.
fn unverifiable(
    tags: &[String],
    scenario: &gherkin::Scenario,
    fixtures: &Fixtures,
    options: &PlanOptions,
) -> Option<String> {
    if options.profile == Profile::Production && !tags.iter().any(|t| t == "read-only") {
        return Some(
            "the production profile runs @read-only scenarios only (raise it with --profile sandbox)"
                .into(),
        );
    }
    if tags.iter().any(|t| t == "generated") && options.generated_per_endpoint == 0 {
        return Some("generated cases are off for this run (--generated 0)".into());
    }
    for step in &scenario.steps {
        let role = if let Some(c) = FIXTURE_STEP.captures(&step.value) {
            Some((c[1].to_owned(), c[2].to_owned()))
        } else {
            VALID_REQUEST_STEP.captures(&step.value).map(|c| {
                let endpoint = &c[1];
                (
                    crate::steps::request::fixture_kind(endpoint).to_owned(),
                    crate::steps::request::default_role(endpoint).to_owned(),
                )
            })
        };
        if let Some((kind, role)) = role {
            let present = match kind.as_str() {
                "member" => fixtures.members.contains_key(&role),
                "card" => fixtures.cards.contains_key(&role),
                _ => fixtures.bank_accounts.contains_key(&role),
            };
            if !present {
                return Some(format!("the target's fixtures have no {kind} \"{role}\""));
            }
        }
        if step.value == "the request is encrypted" && !options.has_keys {
            return Some("no encryption keys are configured for this target".into());
        }
    }
    None
}

/// Build the plan: filter by `--tags`, mark what cannot be verified, and stand a
/// non-matching step in for the steps of those scenarios.
pub fn plan(
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
                let reason = unverifiable(&tags, s, fixtures, options);
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
                    stand_in.value = format!("{NOT_VERIFIED_STEP}: {reason}");
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
        };
        decide(None, &mut feature.scenarios, &mut scenarios);
        for (i, rule) in feature.rules.clone().iter().enumerate() {
            decide(Some(rule), &mut feature.rules[i].scenarios, &mut scenarios);
        }
    }
    Ok(Plan {
        features,
        scenarios,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(fixtures: &Fixtures, options: &PlanOptions) -> BTreeMap<String, PlannedScenario> {
        plan(load_features(None).unwrap(), fixtures, options)
            .unwrap()
            .scenarios
    }

    fn options() -> PlanOptions {
        PlanOptions {
            tags: None,
            profile: Profile::Sandbox,
            has_keys: true,
            generated_per_endpoint: 10,
        }
    }

    #[test]
    fn the_embedded_fixtures_leave_nothing_unverified() {
        let all = planned(&crate::sandbox::seeded_fixtures(), &options());
        assert!(all.len() > 100);
        assert!(all.values().all(|s| s.not_verified.is_none()));
    }

    #[test]
    fn a_missing_role_names_the_role() {
        let mut fixtures = crate::sandbox::seeded_fixtures();
        fixtures.cards.remove("suspended");
        let all = planned(&fixtures, &options());
        let reasons: Vec<_> = all
            .values()
            .filter_map(|s| s.not_verified.clone())
            .collect();
        assert_eq!(
            reasons,
            ["the target's fixtures have no card \"suspended\""]
        );
    }

    #[test]
    fn without_keys_only_encrypted_requests_are_unverified() {
        let all = planned(
            &crate::sandbox::seeded_fixtures(),
            &PlanOptions {
                has_keys: false,
                ..options()
            },
        );
        for s in all.values() {
            let encrypts = s.name.contains("encrypted")
                || s.name.contains("encData")
                || s.name.contains("crypto key id");
            assert_eq!(s.not_verified.is_some(), encrypts, "{} {}", s.id, s.name);
        }
    }

    #[test]
    fn production_runs_read_only_scenarios_and_tags_filter() {
        let all = planned(
            &crate::sandbox::seeded_fixtures(),
            &PlanOptions {
                profile: Profile::Production,
                ..options()
            },
        );
        for s in all.values() {
            let read_only = s.tags.iter().any(|t| t == "read-only");
            assert_eq!(s.not_verified.is_none(), read_only, "{}", s.id);
        }
        let filtered = planned(
            &crate::sandbox::seeded_fixtures(),
            &PlanOptions {
                tags: Some("@endpoint:deduction-info and not @generated".into()),
                ..options()
            },
        );
        assert!(!filtered.is_empty());
        assert!(
            filtered
                .keys()
                .all(|id| id.starts_with("features/deduction_info"))
        );
        let bad = plan(
            load_features(None).unwrap(),
            &Fixtures::default(),
            &PlanOptions {
                tags: Some("@a and and".into()),
                ..options()
            },
        );
        assert!(matches!(bad, Err(PlanError::Tags { .. })));
    }
}
