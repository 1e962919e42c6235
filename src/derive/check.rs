//! `derive --check`: every difference between the pages and the contract, classified by what
//! it does to an integrator, with the errata that decide some of them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::facts::{self, Fact, Facts, split_param_fact};
use super::model::{Bounds, Page};
use crate::contract::{Contract, Errata};

/// What a difference does to an integrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Kind {
    /// Breaks a client or a certification: a new required field, a tighter rule, a removed
    /// or re-paired code, another type, method, path or encryption.
    Err,
    /// Changes what is checked without breaking a client: a changed message, a looser rule,
    /// a changed format or listed value.
    Warn,
    /// Something new that nothing relies on yet: an optional member, a code, a test case.
    Info,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Err => "ERR",
            Kind::Warn => "WARN",
            Kind::Info => "INFO",
        }
    }
}

/// One fact on which a page and the contract disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    pub kind: Kind,
    /// Why it is of that kind.
    pub rule: String,
    pub source: String,
    /// The contract's endpoint, `None` for a page the contract does not cover.
    pub endpoint: Option<String>,
    pub fact: String,
    pub page: Option<String>,
    pub contract: Option<String>,
    /// Line of the page.
    pub line: Option<usize>,
    /// The erratum whose override decides it; `None` is drift.
    pub erratum: Option<String>,
    pub requirements: Vec<String>,
    pub scenarios: Vec<String>,
}

/// An override whose page fact no longer reads as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnusedOverride {
    pub erratum: String,
    pub source: String,
    pub endpoint: String,
    pub fact: String,
    pub recorded_page: Option<String>,
    pub page_now: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageSummary {
    pub source: String,
    pub endpoint: Option<String>,
    /// Facts the page states.
    pub facts: usize,
    /// Page facts the contract states alike.
    pub agree: usize,
    pub decided_by_errata: usize,
    pub drift: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub contract_hash: String,
    pub pages: Vec<PageSummary>,
    pub drift: Vec<Difference>,
    pub applied: Vec<Difference>,
    pub unused_overrides: Vec<UnusedOverride>,
}

impl CheckReport {
    /// Exit 0 only when every difference is an applied erratum and every override of the
    /// checked pages still applies.
    pub fn is_clean(&self) -> bool {
        self.drift.is_empty() && self.unused_overrides.is_empty()
    }
}

/// The shared requirement that an answer's code is one the endpoint documents.
const CODE_KNOWN: &str = "RESP-CODE-KNOWN";

/// Requirement id to the scenarios that verify it.
pub type ScenarioIndex = BTreeMap<String, Vec<String>>;

/// Compare each page with the contract.
pub fn check(contract: &Contract, pages: &[Page], scenarios: &ScenarioIndex) -> CheckReport {
    let mut report = CheckReport {
        contract_hash: contract.hash().to_owned(),
        pages: Vec::new(),
        drift: Vec::new(),
        applied: Vec::new(),
        unused_overrides: Vec::new(),
    };
    for page in pages {
        let page_facts = facts::page_facts(page);
        let Some(endpoint) = facts::endpoint_for(contract, page) else {
            report.drift.push(Difference {
                kind: Kind::Err,
                rule: "no endpoint of the contract has this path: `derive --draft` writes one"
                    .into(),
                source: page.source.clone(),
                endpoint: None,
                fact: "path".into(),
                page: Some(page.path.clone()),
                contract: None,
                line: Some(page.method_line),
                erratum: None,
                requirements: Vec::new(),
                scenarios: Vec::new(),
            });
            report.pages.push(PageSummary {
                source: page.source.clone(),
                endpoint: None,
                facts: page_facts.len(),
                agree: 0,
                decided_by_errata: 0,
                drift: 1,
            });
            continue;
        };
        let contract_facts = facts::contract_facts(contract, endpoint, !page.test_data.is_empty());
        let mut differences = compare(&page_facts, &contract_facts);
        let agree = page_facts
            .iter()
            .filter(|(k, v)| {
                contract_facts
                    .get(*k)
                    .is_some_and(|c| same(k, &c.value, &v.value))
            })
            .count();
        for d in &mut differences {
            d.source = page.source.clone();
            d.endpoint = Some(endpoint.id.clone());
            let mut ids: BTreeSet<String> = d.requirements.iter().cloned().collect();
            // A fact the contract lacks touches the rule that would meet it first: the
            // success body's, or the one that a code is documented for the endpoint.
            if ids.is_empty() && d.fact.starts_with("response.body") {
                ids.insert(endpoint.response_requirement.clone());
            }
            if ids.is_empty()
                && d.fact.starts_with("code.")
                && contract.catalogue.requirement(CODE_KNOWN).is_some()
            {
                ids.insert(CODE_KNOWN.to_owned());
            }
            d.requirements = ids.into_iter().collect();
            d.scenarios = d
                .requirements
                .iter()
                .flat_map(|r| scenarios.get(r).cloned().unwrap_or_default())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
        }
        apply_errata(
            &contract.errata,
            &endpoint.id,
            page,
            &page_facts,
            &mut differences,
            &mut report,
        );
        let (applied, drift): (Vec<_>, Vec<_>) =
            differences.into_iter().partition(|d| d.erratum.is_some());
        report.pages.push(PageSummary {
            source: page.source.clone(),
            endpoint: Some(endpoint.id.clone()),
            facts: page_facts.len(),
            agree,
            decided_by_errata: applied.len(),
            drift: drift.len(),
        });
        report.applied.extend(applied);
        report.drift.extend(drift);
    }
    report
        .drift
        .sort_by(|a, b| (a.kind, &a.source, &a.fact).cmp(&(b.kind, &b.source, &b.fact)));
    report
}

fn same(locator: &str, a: &str, b: &str) -> bool {
    if locator.ends_with(".format") {
        facts::same_mask(a, b)
    } else {
        a == b
    }
}

fn apply_errata(
    errata: &Errata,
    endpoint: &str,
    page: &Page,
    page_facts: &Facts,
    differences: &mut [Difference],
    report: &mut CheckReport,
) {
    for (erratum, o) in errata.overrides().filter(|(_, o)| o.covers(endpoint)) {
        let now = page_facts.get(&o.fact).map(|f| f.value.clone());
        if now != o.page {
            report.unused_overrides.push(UnusedOverride {
                erratum: erratum.id.clone(),
                source: page.source.clone(),
                endpoint: endpoint.to_owned(),
                fact: o.fact.clone(),
                recorded_page: o.page.clone(),
                page_now: now,
            });
            continue;
        }
        for d in differences
            .iter_mut()
            .filter(|d| d.fact == o.fact && d.page == o.page && d.contract == o.contract)
        {
            d.erratum = Some(erratum.id.clone());
        }
    }
}

/// The differences between two sets of facts, without source or endpoint yet.
fn compare(page: &Facts, contract: &Facts) -> Vec<Difference> {
    // A parameter only one side has is one difference, not one per attribute.
    let params = |facts: &Facts| -> BTreeSet<String> {
        facts
            .keys()
            .filter_map(|k| split_param_fact(k))
            .filter(|(_, attr)| *attr == "type")
            .map(|(p, _)| p.to_owned())
            .collect()
    };
    let page_params = params(page);
    let contract_params = params(contract);
    let one_sided = |locator: &str| {
        split_param_fact(locator)
            .is_some_and(|(p, _)| page_params.contains(p) != contract_params.contains(p))
    };
    let mut out = Vec::new();
    let keys: BTreeSet<&String> = page.keys().chain(contract.keys()).collect();
    for key in keys {
        let (p, c) = (page.get(key), contract.get(key));
        if let (Some(p), Some(c)) = (p, c)
            && same(key, &p.value, &c.value)
        {
            continue;
        }
        if one_sided(key) && !key.ends_with(".type") {
            continue;
        }
        let (kind, rule) = classify(key, p, c, page);
        out.push(Difference {
            kind,
            rule: rule.into(),
            source: String::new(),
            endpoint: None,
            fact: key.clone(),
            page: p.map(|f| f.value.clone()),
            contract: c.map(|f| f.value.clone()),
            line: p.and_then(|f| f.line),
            erratum: None,
            requirements: c.map(|f| f.requirements.clone()).unwrap_or_default(),
            scenarios: Vec::new(),
        });
    }
    out
}

fn parse_bounds(text: Option<&str>) -> Bounds {
    let Some(text) = text else {
        return Bounds::default();
    };
    if let Some(n) = text.strip_prefix('=') {
        return n.parse().map(Bounds::exact).unwrap_or_default();
    }
    let (a, b) = text.split_once("..").unwrap_or((text, ""));
    Bounds {
        min: a.parse().ok(),
        max: b.parse().ok(),
    }
}

/// What a difference does to an integrator, and the rule that says so.
fn classify(
    locator: &str,
    page: Option<&Fact>,
    contract: Option<&Fact>,
    page_facts: &Facts,
) -> (Kind, &'static str) {
    let (pv, cv) = (
        page.map(|f| f.value.as_str()),
        contract.map(|f| f.value.as_str()),
    );
    if locator == "method" || locator == "path" {
        return (Kind::Err, "another method or path");
    }
    if locator.starts_with("encryption.") {
        return (Kind::Err, "another encryption");
    }
    if locator.starts_with("testData.") {
        return match (pv, cv) {
            (Some(_), None) => (Kind::Info, "a new test case"),
            (None, Some(_)) => (Kind::Warn, "a test case the page no longer lists"),
            _ => (Kind::Err, "a test case re-paired with another code"),
        };
    }
    if let Some(rest) = locator.strip_prefix("code.") {
        let attr = rest.rsplit('.').next().unwrap_or_default();
        return match (pv, cv, attr) {
            (Some(_), None, _) => (Kind::Info, "a new code"),
            (None, Some(_), _) => (Kind::Err, "a code the page no longer lists"),
            (_, _, "status") => (Kind::Err, "a code answered with another status"),
            _ => (Kind::Warn, "a changed message"),
        };
    }
    let Some((param, attr)) = split_param_fact(locator) else {
        return (Kind::Warn, "a changed fact");
    };
    match (attr, pv, cv) {
        ("type", Some(_), None) => {
            let required = page_facts
                .get(&format!("{param}.presence"))
                .is_some_and(|f| f.value == "required");
            if required {
                (Kind::Err, "a new required field")
            } else {
                (Kind::Info, "a new optional member")
            }
        }
        ("type", None, Some(_)) => (Kind::Err, "a field the page no longer lists"),
        ("type", _, _) => (Kind::Err, "another type"),
        ("presence", Some("required"), _) => (Kind::Err, "a field became required"),
        ("presence", _, _) => (Kind::Warn, "a looser presence"),
        ("bounds", _, _) => {
            let (p, c) = (parse_bounds(pv), parse_bounds(cv));
            let tighter_min = match (p.min, c.min) {
                (Some(a), Some(b)) => a > b,
                (Some(_), None) => true,
                _ => false,
            };
            let tighter_max = match (p.max, c.max) {
                (Some(a), Some(b)) => a < b,
                (Some(_), None) => true,
                _ => false,
            };
            if tighter_min || tighter_max {
                (Kind::Err, "a tighter length or range")
            } else {
                (Kind::Warn, "a looser length or range")
            }
        }
        ("values", Some(p), Some(c)) => {
            let p: BTreeSet<&str> = p.split(',').collect();
            let c: BTreeSet<&str> = c.split(',').collect();
            if c.is_subset(&p) {
                (Kind::Info, "new listed values")
            } else {
                (Kind::Err, "listed values removed")
            }
        }
        ("values", _, _) => (Kind::Warn, "listed values added or dropped"),
        ("format", _, _) => (Kind::Warn, "a changed format"),
        _ => (Kind::Warn, "a changed default or value"),
    }
}
