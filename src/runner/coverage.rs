//! Documentation coverage: which scenarios verify each requirement of the catalogue, which
//! requirements no scenario verifies, and which tags name requirements that do not exist.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::catalogue::Side;
use crate::contract::{Contract, Strength};
use crate::runner::plan::{SAFETY_TAGS, effective_tags, scenario_id, scenario_target};
use crate::steps::world::requirement_tags;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequirementCoverage {
    pub id: String,
    pub endpoint: String,
    pub strength: Strength,
    /// A client rule is certified from the requests a client sends (`verify`, `proxy`,
    /// `certify-client`), never by a scenario: it is counted, not demanded.
    #[serde(skip_serializing_if = "Side::is_server")]
    pub side: Side,
    pub summary: String,
    pub scenarios: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub requirements: Vec<RequirementCoverage>,
    /// (scenario id, tag) for `@req:` tags naming no requirement.
    pub unknown_references: Vec<(String, String)>,
    /// Scenarios without exactly one safety class.
    pub unclassified: Vec<String>,
    /// Scenarios that verify no requirement at all.
    pub untagged: Vec<String>,
    /// (scenario id, requirement) for `@req:` tags of an endpoint the scenario sends no
    /// request to: they cover nothing.
    pub elsewhere: Vec<(String, String)>,
    /// (scenario id, why) for scenarios whose steps and tags disagree on the endpoint.
    pub broken: Vec<(String, String)>,
}

impl Coverage {
    pub fn uncovered(&self) -> impl Iterator<Item = &RequirementCoverage> {
        self.server().filter(|r| r.scenarios.is_empty())
    }

    /// The server's rules: what scenarios cover.
    pub fn server(&self) -> impl Iterator<Item = &RequirementCoverage> {
        self.requirements.iter().filter(|r| r.side == Side::Server)
    }

    /// The client's rules: certified from a client's requests, not by scenarios.
    pub fn client(&self) -> impl Iterator<Item = &RequirementCoverage> {
        self.requirements.iter().filter(|r| r.side == Side::Client)
    }

    /// Whether the gate passes: every requirement verified by some scenario, every tag real,
    /// every scenario classified and verifying something.
    pub fn is_complete(&self) -> bool {
        self.uncovered().next().is_none()
            && self.unknown_references.is_empty()
            && self.unclassified.is_empty()
            && self.untagged.is_empty()
            && self.elsewhere.is_empty()
            && self.broken.is_empty()
    }
}

/// Every scenario of `features`, with its feature and rule (if any).
fn each_scenario(
    features: &[gherkin::Feature],
) -> impl Iterator<
    Item = (
        &gherkin::Feature,
        Option<&gherkin::Rule>,
        &gherkin::Scenario,
    ),
> {
    features.iter().flat_map(|feature| {
        let top = feature.scenarios.iter().map(move |s| (feature, None, s));
        let in_rules = feature
            .rules
            .iter()
            .flat_map(move |r| r.scenarios.iter().map(move |s| (feature, Some(r), s)));
        top.chain(in_rules)
    })
}

/// Map the (expanded) features onto the catalogue. A requirement of one endpoint counts a
/// scenario only if that scenario sends to that endpoint; a shared (`*`) one counts any.
pub fn coverage(contract: &Contract, features: &[gherkin::Feature]) -> Coverage {
    let mut by_requirement: BTreeMap<&str, Vec<String>> = contract
        .catalogue
        .requirements
        .iter()
        .map(|r| (r.id.as_str(), Vec::new()))
        .collect();
    let mut out = Coverage::default();
    for (feature, rule, scenario) in each_scenario(features) {
        let id = scenario_id(feature, scenario.position.line);
        let tags = effective_tags(feature, rule, scenario);
        let safety = tags
            .iter()
            .filter(|t| SAFETY_TAGS.contains(&t.as_str()))
            .count();
        if safety != 1 {
            out.unclassified.push(id.clone());
        }
        let reqs = requirement_tags(&tags);
        if reqs.is_empty() {
            out.untagged.push(id.clone());
        }
        let sends_to = match scenario_target(contract, &tags, scenario) {
            Ok(target) => target.endpoint,
            Err(reason) => {
                out.broken.push((id.clone(), reason));
                continue;
            }
        };
        for r in reqs {
            let endpoint = contract
                .catalogue
                .requirement(&r)
                .map(|q| q.endpoint.as_str());
            match (by_requirement.get_mut(r.as_str()), endpoint) {
                (Some(list), Some(e)) if e == "*" || sends_to.as_deref() == Some(e) => {
                    list.push(id.clone())
                }
                (Some(_), _) => out.elsewhere.push((id.clone(), r)),
                (None, _) => out
                    .unknown_references
                    .push((id.clone(), format!("@req:{r}"))),
            }
        }
    }
    out.requirements = contract
        .catalogue
        .requirements
        .iter()
        .map(|r| RequirementCoverage {
            id: r.id.clone(),
            endpoint: r.endpoint.clone(),
            strength: r.strength,
            side: r.side,
            summary: r.summary.clone(),
            scenarios: by_requirement.remove(r.id.as_str()).unwrap_or_default(),
        })
        .collect();
    out
}

fn strength_label(s: Strength) -> &'static str {
    match s {
        Strength::Documented => "documented",
        Strength::Convention => "convention",
    }
}

/// The `coverage` command's table.
pub fn render(cov: &Coverage) -> String {
    let mut out = String::new();
    for r in cov.server() {
        out.push_str(&format!(
            "{:<28} {:<11} {:>3} scenario(s)  {}\n",
            r.id,
            strength_label(r.strength),
            r.scenarios.len(),
            r.summary
        ));
        for s in &r.scenarios {
            out.push_str(&format!("    {s}\n"));
        }
    }
    let client: Vec<_> = cov.client().collect();
    if !client.is_empty() {
        out.push_str(
            "\nclient requirements (certified from a client's requests by verify, proxy and certify-client, not by scenarios):\n",
        );
        for r in &client {
            out.push_str(&format!(
                "{:<28} {:<11} {}\n",
                r.id,
                strength_label(r.strength),
                r.summary
            ));
        }
    }
    let uncovered: Vec<_> = cov.uncovered().map(|r| r.id.as_str()).collect();
    let server = cov.server().count();
    out.push_str(&format!(
        "\n{} server requirements, {} verified by at least one scenario, {} not covered{}; {} client requirements\n",
        server,
        server - uncovered.len(),
        uncovered.len(),
        if uncovered.is_empty() {
            String::new()
        } else {
            format!(": {}", uncovered.join(", "))
        },
        client.len()
    ));
    for (s, tag) in &cov.unknown_references {
        out.push_str(&format!("unknown requirement {tag} in {s}\n"));
    }
    for s in &cov.unclassified {
        out.push_str(&format!(
            "no single safety class (@read-only, @negative, @sandbox-only) on {s}\n"
        ));
    }
    for s in &cov.untagged {
        out.push_str(&format!("no @req: tag on {s}\n"));
    }
    for (s, r) in &cov.elsewhere {
        out.push_str(&format!(
            "@req:{r} on {s} covers nothing: the scenario sends no request to that requirement's endpoint\n"
        ));
    }
    for (s, why) in &cov.broken {
        out.push_str(&format!("scenario {s}: {why}\n"));
    }
    out
}

/// Everything in `features` that names what `contract` does not have, all at once, each with
/// the scenario's file and line: unknown requirement ids in `@req:` tags (with the nearest
/// one), requirements of an endpoint the scenario never sends to (a rule must not be
/// credited to a scenario that never called its endpoint), scenarios whose steps and tags
/// disagree, and answer keys the scenario's endpoint does not give. `run` refuses such
/// features before any request, as `coverage` does.
pub fn feature_problems(contract: &Contract, features: &[gherkin::Feature]) -> Vec<String> {
    let cov = coverage(contract, features);
    let ids = || {
        contract
            .catalogue
            .requirements
            .iter()
            .map(|r| r.id.as_str())
    };
    let mut out = Vec::new();
    for (scenario, tag) in &cov.unknown_references {
        let id = tag.trim_start_matches("@req:");
        let hint = crate::contract::check::nearest(id, ids())
            .map(|n| format!(" (did you mean @req:{n}?)"))
            .unwrap_or_default();
        out.push(format!(
            "{scenario}: {tag} names no requirement of the contract{hint}"
        ));
    }
    for (scenario, requirement) in &cov.elsewhere {
        let endpoint = contract
            .catalogue
            .requirement(requirement)
            .map_or("another endpoint", |r| r.endpoint.as_str());
        out.push(format!(
            "{scenario}: @req:{requirement} is a rule of {endpoint}, and this scenario sends no request there"
        ));
    }
    for (scenario, why) in &cov.broken {
        out.push(format!("{scenario}: {why}"));
    }
    out.extend(unknown_answer_keys(contract, features));
    out
}

/// `Then the target answers "KEY"` steps whose key the scenario's endpoint does not give.
fn unknown_answer_keys(contract: &Contract, features: &[gherkin::Feature]) -> Vec<String> {
    static ANSWERS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"^the target answers "([^"]+)"(?: naming "[^"]*")?$"#)
            .expect("a valid pattern")
    });
    let mut out = Vec::new();
    for (feature, rule, scenario) in each_scenario(features) {
        let tags = effective_tags(feature, rule, scenario);
        let Ok(Some(endpoint)) = scenario_target(contract, &tags, scenario).map(|t| t.endpoint)
        else {
            continue;
        };
        for step in &scenario.steps {
            let Some(key) = ANSWERS.captures(&step.value).map(|c| c[1].to_owned()) else {
                continue;
            };
            // An outline's placeholder is filled per example row, checked after expansion.
            if key.contains('<') || contract.catalogue.expected(&endpoint, &key, None).is_some() {
                continue;
            }
            let known = contract.answer_keys(&endpoint);
            let hint = crate::contract::check::nearest(&key, known.iter().copied())
                .map(|n| format!(" (did you mean {n:?}?)"))
                .unwrap_or_default();
            out.push(format!(
                "{}:{}: step {:?}: {endpoint} gives no answer {key:?}{hint}",
                feature
                    .path
                    .as_ref()
                    .map_or(feature.name.clone(), |p| p.display().to_string()),
                step.position.line,
                step.value
            ));
        }
    }
    out
}
