//! The cucumber World: one per scenario, holding the request being built, the exchanges sent
//! and every finding. The run-wide context (contract, client, fixtures) is shared through a
//! task-local, so several runs can live in one process (the mutants command does that).

use std::sync::Arc;
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

use crate::client::{Exchange, KonaClient, RequestSpec, TargetKind, Traffic};
use crate::contract::{Contract, Endpoint};
use crate::fixtures::Fixtures;
use crate::judge::{Finding, Observation};

use crate::judge::answer;

/// Everything a scenario may read but not change.
#[derive(Debug)]
pub struct RunContext {
    pub contract: &'static Contract,
    pub client: KonaClient,
    pub fixtures: Fixtures,
    pub kind: TargetKind,
    pub seed: u64,
    /// Generated cases per endpoint scenario (0: those scenarios are not verified).
    pub generated_per_endpoint: usize,
    /// Concurrent requests inside one generated-cases scenario.
    pub generated_concurrency: usize,
    /// No generated case of a scenario starts after this long.
    pub generated_budget: std::time::Duration,
}

tokio::task_local! {
    pub static CONTEXT: Arc<RunContext>;
    /// Where the run's exchanges go as they finish (the runner provides it).
    pub static SINK: Arc<dyn ExchangeSink>;
}

/// Where every finished exchange goes, once: the run's journal, and the summaries the
/// run-level checks read of the exchanges a scenario does not keep.
pub trait ExchangeSink: Send + Sync {
    /// Write `exchange` to the run's journal (redacted): its line, when there is a journal.
    fn journal(&self, exchange: &Exchange) -> Option<u64>;
    /// Fold what the run-level checks need of an exchange not kept into `traffic`.
    fn summarise(&self, exchange: &Exchange, traffic: &mut Traffic);
}

/// A run without a journal or run-level summaries (a World made outside the runner).
#[derive(Debug, Default)]
pub struct NoSink;

impl ExchangeSink for NoSink {
    fn journal(&self, _: &Exchange) -> Option<u64> {
        None
    }
    fn summarise(&self, _: &Exchange, _: &mut Traffic) {}
}

/// Exchanges a scenario keeps as examples beyond those with findings: an ordinary
/// scenario sends a handful and keeps them all; a generated-cases scenario keeps this many
/// that passed, every one with a finding up to [`FAILED_EXAMPLES`], and counts the rest.
pub const PASSED_EXAMPLES: usize = 3;
/// Exchanges with findings (or an observation the run-level checks read) kept per scenario.
pub const FAILED_EXAMPLES: usize = 64;
/// Findings kept per requirement in one scenario (the rest are counted).
pub const FINDINGS_PER_REQUIREMENT: usize = 10;
/// Observations of one kind (requirement, case, answer, reading) kept per scenario.
pub const OBSERVATIONS_PER_KIND: usize = 10;
/// Observations kept per scenario in all: a target answering every case with a code of its
/// own makes a kind of each.
pub const OBSERVATIONS_KEPT: usize = 256;

/// The body a scenario is composing: JSON fields, or raw bytes once a step broke it.
#[derive(Debug, Clone)]
pub enum Body {
    Fields(Map<String, Value>),
    Raw(Vec<u8>),
}

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct KonaWorld {
    pub ctx: Arc<RunContext>,
    pub tags: Vec<String>,
    pub endpoint: Option<&'static Endpoint>,
    pub body: Option<Body>,
    pub spec: RequestSpec,
    /// The record the request was made from, for `the answer matches the fixture record`.
    pub fixture: Option<crate::fixtures::Record>,
    /// The request was synthesized (no record stands behind it), so the target may answer
    /// "no such record" before anything else (catalogue reading `synthesized-record`).
    pub synthesized: bool,
    pub exchange: Option<Exchange>,
    pub exchanges: Vec<Exchange>,
    /// Questions to other endpoints that found the scenario's record (evidence only).
    pub lookups: Vec<Exchange>,
    /// Automatic-check findings on the last exchange not yet reported by a step.
    pub pending: Vec<Finding>,
    pub findings: Vec<Finding>,
    pub observations: Vec<Observation>,
    /// Requirements whose expected answer came back as expected, not through a reading.
    pub exercised: std::collections::BTreeSet<String>,
    /// Set when the scenario cannot be verified on this target (a fallback: the planner
    /// normally decides this before the run).
    pub not_verified: Option<crate::judge::NotVerified>,
    /// Set when a step failed because the target broke the contract: the findings then say
    /// why, and the step's panic text is not kept beside them.
    pub failed_on_findings: bool,
    /// The rejection code a Then step expected, when the scenario expects a rejection: it
    /// verifies its rule only if the target answers other requests differently.
    pub expected_rejection: Option<String>,
    /// The target's flow control outlasted the resend budget of one of the exchanges.
    pub gave_up: Option<crate::client::FlowControl>,
    pub rng: StdRng,
    pub started: Instant,
    /// The exchanges not kept as examples, summarised (and each example's journal line).
    pub traffic: Traffic,
    /// The journal lines of `lookups`.
    pub lookup_lines: Vec<Option<u64>>,
    /// Findings counted but not kept (past [`FINDINGS_PER_REQUIREMENT`] of one requirement).
    pub findings_omitted: usize,
    pub sink: Arc<dyn ExchangeSink>,
}

impl std::fmt::Debug for KonaWorld {
    // Deliberately terse: cucumber may print the World, and bodies hold personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KonaWorld")
            .field("endpoint", &self.endpoint.map(|e| &e.id))
            .field("exchanges", &self.exchanges.len())
            .field("findings", &self.findings.len())
            .finish()
    }
}

/// Whether an observation joins `kept`: fewer than [`OBSERVATIONS_PER_KIND`] of its kind
/// (requirement, case, code, reading) are kept, and there is room: under
/// [`OBSERVATIONS_KEPT`] in all, or none yet of its requirement and reading (the requirement
/// verdicts read whether any was made). One pass; generated cases bring one per exchange.
fn keeps_observation(kept: &[Observation], o: &Observation) -> bool {
    let mut same = 0;
    let mut group_kept = false;
    for k in kept {
        if k.requirement == o.requirement && k.reading == o.reading {
            group_kept = true;
            if k.case == o.case && k.observed_code == o.observed_code {
                same += 1;
                if same == OBSERVATIONS_PER_KIND {
                    return false;
                }
            }
        }
    }
    kept.len() < OBSERVATIONS_KEPT || !group_kept
}

impl KonaWorld {
    fn new() -> Self {
        let ctx = CONTEXT
            .try_with(Arc::clone)
            .expect("scenarios run inside runner::execute, which provides the run context");
        let rng = StdRng::seed_from_u64(ctx.seed);
        KonaWorld {
            ctx,
            tags: Vec::new(),
            endpoint: None,
            body: None,
            spec: RequestSpec::default(),
            fixture: None,
            synthesized: false,
            exchange: None,
            exchanges: Vec::new(),
            lookups: Vec::new(),
            pending: Vec::new(),
            findings: Vec::new(),
            observations: Vec::new(),
            exercised: Default::default(),
            not_verified: None,
            failed_on_findings: false,
            gave_up: None,
            expected_rejection: None,
            rng,
            started: Instant::now(),
            traffic: Traffic::default(),
            lookup_lines: Vec::new(),
            findings_omitted: 0,
            sink: SINK
                .try_with(Arc::clone)
                .unwrap_or_else(|_| Arc::new(NoSink)),
        }
    }

    /// Journal `exchange` and keep it as one of the scenario's examples (past
    /// [`FAILED_EXAMPLES`] + [`PASSED_EXAMPLES`] of them it is only counted).
    pub fn keep(&mut self, exchange: Exchange) {
        let line = self.sink.journal(&exchange);
        if self.exchanges.len() >= FAILED_EXAMPLES + PASSED_EXAMPLES {
            self.fold(&exchange);
            return;
        }
        self.exchanges.push(exchange);
        self.traffic.lines.push(line);
    }

    /// Journal a lookup (a question to another endpoint) and keep it as evidence.
    pub fn keep_lookup(&mut self, exchange: Exchange) {
        let line = self.sink.journal(&exchange);
        self.lookups.push(exchange);
        self.lookup_lines.push(line);
    }

    /// Journal `exchange` and keep only its summary.
    pub fn pass_by(&mut self, exchange: &Exchange) {
        self.sink.journal(exchange);
        self.fold(exchange);
    }

    fn fold(&mut self, exchange: &Exchange) {
        self.traffic.count(exchange);
        self.sink.summarise(exchange, &mut self.traffic);
    }

    /// Add `more` findings, keeping [`FINDINGS_PER_REQUIREMENT`] of each requirement.
    pub fn add_findings(&mut self, kept: &mut Vec<Finding>, more: Vec<Finding>) {
        for f in more {
            let same = kept
                .iter()
                .filter(|k| k.requirement == f.requirement)
                .take(FINDINGS_PER_REQUIREMENT)
                .count();
            if same < FINDINGS_PER_REQUIREMENT {
                kept.push(f);
            } else {
                self.findings_omitted += 1;
            }
        }
    }

    /// Add an observation, keeping [`OBSERVATIONS_PER_KIND`] of each kind and
    /// [`OBSERVATIONS_KEPT`] in all; the rest are counted.
    pub fn add_observation(&mut self, o: Observation) {
        if keeps_observation(&self.observations, &o) {
            self.observations.push(o);
        } else {
            self.traffic.observations_omitted += 1;
        }
    }

    /// Derive this scenario's RNG from the run seed and the scenario id, so correlation ids
    /// differ between scenarios yet repeat run to run.
    pub fn reseed(&mut self, scenario_id: &str) {
        let salt = scenario_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        self.rng = StdRng::seed_from_u64(self.ctx.seed ^ salt);
    }

    pub fn contract(&self) -> &'static Contract {
        self.ctx.contract
    }

    /// Requirement ids this scenario is tagged with (`@req:ID`).
    pub fn requirements(&self) -> Vec<String> {
        requirement_tags(&self.tags)
    }

    /// The endpoint named by the feature's `@endpoint:` tag.
    pub fn tagged_endpoint(&self) -> Option<&'static Endpoint> {
        endpoint_tag(&self.tags).and_then(|id| self.ctx.contract.endpoint(id))
    }

    /// Send this scenario's requests to `named` (a step's own endpoint, if it names one),
    /// which must agree with the feature's `@endpoint:` tag when there is one.
    pub fn set_endpoint(&mut self, named: Option<&str>) -> Result<&'static Endpoint, String> {
        let tagged = endpoint_tag(&self.tags);
        let id = match (tagged, named) {
            (Some(t), Some(n)) if t != n => {
                return Err(format!(
                    "the step sends to {n:?} but the feature is tagged @endpoint:{t}"
                ));
            }
            (Some(id), _) | (None, Some(id)) => id.to_owned(),
            (None, None) => {
                return Err(
                    "no endpoint: tag the feature @endpoint:ID or name one in the step".into(),
                );
            }
        };
        let endpoint = self
            .ctx
            .contract
            .endpoint(&id)
            .ok_or_else(|| format!("no endpoint {id:?} in the catalogue"))?;
        self.endpoint = Some(endpoint);
        self.spec.endpoint_id = endpoint.id.clone();
        self.spec.path = endpoint.path.clone();
        Ok(endpoint)
    }

    pub fn fields_mut(&mut self) -> Result<&mut Map<String, Value>, String> {
        match self.body.get_or_insert_with(|| Body::Fields(Map::new())) {
            Body::Fields(map) => Ok(map),
            Body::Raw(_) => Err("the body was already replaced by raw bytes".into()),
        }
    }

    /// Send the composed request and run the automatic checks on the answer.
    pub async fn send(&mut self) -> Result<(), String> {
        let endpoint = self
            .endpoint
            .or_else(|| self.tagged_endpoint())
            .ok_or("no endpoint: start the scenario with a Given step that picks one")?;
        if self.spec.path.is_empty() {
            self.set_endpoint(Some(&endpoint.id.clone()))?;
        }
        self.spec.body = match &self.body {
            Some(Body::Fields(map)) => serde_json::to_vec(map).map_err(|e| e.to_string())?,
            Some(Body::Raw(bytes)) => bytes.clone(),
            None => b"{}".to_vec(),
        };
        let mut exchange = self.ctx.client.send(&self.spec, &mut self.rng).await;
        // The declared type is part of what was sent: the readings check it (errata E25).
        if let Some(declared) = &self.spec.content_type
            && !exchange.request_headers.is_empty()
        {
            exchange
                .request_headers
                .push(("Content-Type".to_owned(), declared.clone()));
        }
        if let Some(flow) = exchange.gave_up {
            // Flow control is not an answer: nothing about the request is judged.
            self.give_up(flow, exchange.attempts.len() + 1);
            self.pending.clear();
        } else {
            self.pending = answer::automatic(self.ctx.contract, endpoint, self.ctx.kind, &exchange);
        }
        self.keep(exchange.clone());
        self.exchange = Some(exchange);
        Ok(())
    }

    /// An exchange met flow control past its resend budget: the scenario is not verified
    /// (a finding already made still fails it).
    pub fn give_up(&mut self, flow: crate::client::FlowControl, attempts: usize) {
        self.gave_up.get_or_insert(flow);
        self.not_verified
            .get_or_insert_with(|| crate::client::flow::not_verified_reason(flow, attempts).into());
    }

    /// Record findings and fail the step if there are any, together with any automatic-check
    /// findings not reported yet: no scenario can pass by forgetting a check.
    pub fn conclude(&mut self, mut own: Vec<Finding>) {
        own.append(&mut self.pending);
        if own.is_empty() {
            return;
        }
        let message = own
            .iter()
            .map(|f| format!("  - {f}"))
            .collect::<Vec<_>>()
            .join("\n");
        self.findings.extend(own);
        self.failed_on_findings = true;
        panic!("the target broke the documented contract:\n{message}");
    }
}

/// The endpoint id of an `@endpoint:ID` tag among `tags`.
pub fn endpoint_tag(tags: &[String]) -> Option<&str> {
    tags.iter().find_map(|t| t.strip_prefix("endpoint:"))
}

pub fn requirement_tags(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| t.strip_prefix("req:"))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::catalogue::{Expected, Strength};

    fn observation(
        requirement: &str,
        case: &str,
        code: &str,
        reading: Option<&str>,
    ) -> Observation {
        Observation {
            endpoint: "card-info".into(),
            case: case.into(),
            requirement: requirement.into(),
            convention: Expected {
                key: "k".into(),
                status: 400,
                code: "000_002".into(),
                message: String::new(),
                strength: Strength::Convention,
                compatible_codes: Vec::new(),
            },
            observed_status: 400,
            observed_code: Some(code.into()),
            observed_message: None,
            correlation_id: String::new(),
            reading: reading.map(str::to_owned),
        }
    }

    /// Ten of a kind, then none; past the total only a new requirement or reading.
    #[test]
    fn observations_are_capped_per_kind_and_in_all() {
        let mut kept = Vec::new();
        let one = observation("R1", "c", "000_002", None);
        for _ in 0..OBSERVATIONS_PER_KIND {
            assert!(keeps_observation(&kept, &one));
            kept.push(one.clone());
        }
        assert!(!keeps_observation(&kept, &one));
        // Another code is another kind.
        assert!(keeps_observation(
            &kept,
            &observation("R1", "c", "000_003", None)
        ));
        while kept.len() < OBSERVATIONS_KEPT {
            let n = kept.len();
            kept.push(observation("R2", &format!("case {n}"), "000_002", None));
        }
        assert!(!keeps_observation(
            &kept,
            &observation("R2", "new case", "000_002", None)
        ));
        assert!(!keeps_observation(
            &kept,
            &observation("R1", "c", "000_003", None)
        ));
        assert!(keeps_observation(
            &kept,
            &observation("R3", "c", "000_002", None)
        ));
        assert!(keeps_observation(
            &kept,
            &observation("R1", "c", "000_002", Some("E07"))
        ));
    }
}
