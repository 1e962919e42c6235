//! The engine behind `kona-conformance run`: plan the scenarios, run them through cucumber
//! against one target, and collect the results every report is written from.

pub mod apart;
pub mod certify;
pub mod config;
pub mod coverage;
pub mod hours;
pub mod plan;
pub mod results;
pub mod sink;
pub mod suite;

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use cucumber::event::ScenarioFinished;
use cucumber::{World as _, WriterExt as _, writer};
use futures::FutureExt as _;

use crate::client::{Cause, Interrupt, quote};
use crate::steps::world::CONTEXT;
use crate::steps::{KonaWorld, RunContext};

use plan::{Plan, effective_tags, scenario_id};
use results::{RunMeta, RunResults, ScenarioResult, Verdict};

/// An `io::Write` into memory that several owners can share: cucumber's writers own their
/// output, the runner wants the bytes afterwards.
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    pub fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

impl std::io::Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How the run reports progress while it goes.
pub trait Progress: Send + Sync {
    fn scenario_finished(&self, result: &ScenarioResult);
    /// A line about the whole run (the proxy used): printed even with `--quiet`.
    fn note(&self, line: &str) {
        eprintln!("{}", crate::redact::for_console(line));
    }
    /// Scenarios whose verdict the run-level checks changed after their line was printed.
    fn revised(&self, _changed: &[&ScenarioResult]) {}
}

/// Bytes of one finding on the console (the reports quote up to [`crate::client::QUOTE_LIMIT`]
/// of each value, and a finding quotes several).
pub const CONSOLE_FINDING_BYTES: usize = 400;
/// Findings printed per failed scenario (a generated-cases scenario can have hundreds).
pub const CONSOLE_FINDINGS: usize = 5;

/// One line per scenario on stderr.
#[derive(Debug, Default)]
pub struct LineProgress;

impl Progress for LineProgress {
    fn revised(&self, changed: &[&ScenarioResult]) {
        let shown: Vec<String> = changed
            .iter()
            .take(Self::REVISED_SHOWN)
            .map(|s| format!("{} is now {}", s.id, s.verdict.label()))
            .collect();
        let more = changed.len().saturating_sub(Self::REVISED_SHOWN);
        eprintln!(
            "{}",
            crate::redact::inert::console(&format!(
                "{} scenario(s) changed verdict once the run's own evidence was weighed (bank service hours, requests told apart): {}{}",
                changed.len(),
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            ))
        );
    }

    fn scenario_finished(&self, s: &ScenarioResult) {
        let mark = match s.verdict {
            Verdict::Passed => "ok  ",
            Verdict::Failed => "FAIL",
            Verdict::NotVerified => "n/v ",
        };
        // Log lines are artifacts too: findings and step errors may quote what the target
        // answered, so they pass the same redaction as the reports (every secret of the run
        // from the start, and the personal values of these exchanges) and are made inert.
        let redactor = if s.verdict == Verdict::Failed {
            crate::redact::for_exchanges([], &s.exchanges)
        } else {
            crate::redact::Redactor::new()
        };
        let line = |text: &str| crate::redact::inert::console(&redactor.text(text));
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{mark} {}  {}", line(&s.id), line(&s.name));
        if s.verdict == Verdict::Failed {
            // The console is for scanning: each finding on one bounded line, a few per
            // scenario; the reports keep all of them.
            // Each line on its own, so the correlation id after a long quote stays.
            let cut = |text: &str| {
                text.split('\n')
                    .map(|l| crate::client::evidence::cut_text(l, CONSOLE_FINDING_BYTES))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            for f in s.findings.iter().take(CONSOLE_FINDINGS) {
                let _ = writeln!(err, "       {}", line(&cut(&f.to_string())));
            }
            if s.findings.len() > CONSOLE_FINDINGS {
                let _ = writeln!(
                    err,
                    "       …and {} more finding(s): see the reports (--report-dir)",
                    s.findings.len() - CONSOLE_FINDINGS
                );
            }
            if s.findings.is_empty()
                && let Some(e) = &s.error
            {
                let _ = writeln!(err, "       {}", line(&cut(e)));
            }
        }
    }
}

/// Silent progress, for tests and the mutants command.
#[derive(Debug, Default)]
pub struct NoProgress;

impl LineProgress {
    /// Scenarios are shown in full at most this many at a time when their verdicts change.
    const REVISED_SHOWN: usize = 5;
}

impl Progress for NoProgress {
    fn scenario_finished(&self, _: &ScenarioResult) {}
}

/// What the cucumber writers produced, ready for the report directory.
#[derive(Debug, Default)]
pub struct CucumberOutput {
    pub junit_xml: Vec<u8>,
    pub cucumber_json: Vec<u8>,
    /// The features as run: what cucumber's JSON leaves out (descriptions, feature lines)
    /// is taken from them.
    pub features: Vec<gherkin::Feature>,
}

pub struct Execution {
    /// The contract the run resolved (built in or `--contract`): the only one its plan,
    /// judge, gate and reports read.
    pub contract: &'static crate::contract::Contract,
    pub results: RunResults,
    pub cucumber: CucumberOutput,
    /// The target's credentials, so the reports can make sure they never appear in them.
    pub secrets: Vec<crate::secret::Secret>,
}

/// Knobs of the engine itself (the target and data are in the [`RunContext`]).
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub concurrency: usize,
    pub fail_fast: bool,
    pub target_label: String,
    pub profile: String,
}

fn panic_text(info: &cucumber::event::Info) -> String {
    let text = if let Some(s) = info.downcast_ref::<String>() {
        s.as_str()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        s
    } else {
        "the step failed"
    };
    // The findings it lists are cut already; this bounds anything else a step quoted.
    crate::client::evidence::cut_text(text, 8 * crate::client::QUOTE_LIMIT).into_owned()
}

/// Once the run is stopped, how long the scenarios in flight get to wind down (their new
/// requests are refused at once, an awaited answer gets `IN_FLIGHT_GRACE`) before they are
/// dropped.
const WIND_DOWN: std::time::Duration = std::time::Duration::from_secs(3);

/// What a scenario keeps once finished: its exchanges without their parsed bodies (their
/// bytes were bounded when captured), and every text quoted from the target cut at
/// [`crate::client::QUOTE_LIMIT`].
fn bound(result: &mut ScenarioResult) {
    let cut = |s: &mut String| {
        if let std::borrow::Cow::Owned(c) = quote(s) {
            *s = c;
        }
    };
    // A few examples per broken rule, and how many more: every broken requirement keeps at
    // least one finding, so the verdicts are the same; what is written stays bounded.
    let mut kept: std::collections::BTreeMap<Option<String>, usize> = Default::default();
    let before = result.findings.len();
    result.findings.retain(|f| {
        let n = kept.entry(f.requirement.clone()).or_default();
        *n += 1;
        *n <= FINDINGS_PER_REQUIREMENT
    });
    result.findings_omitted += before - result.findings.len();
    for e in &mut result.exchanges {
        e.forget_parsed_body();
    }
    for f in &mut result.findings {
        cut(&mut f.expected);
        cut(&mut f.actual);
        cut(&mut f.correlation_id);
        for v in &mut f.schema_errors {
            cut(&mut v.message);
            cut(&mut v.instance_path);
        }
    }
    for o in &mut result.observations {
        o.observed_code.as_mut().map(cut);
        o.observed_message.as_mut().map(cut);
        cut(&mut o.correlation_id);
    }
}

/// Findings kept per requirement in one scenario (the rest are counted).
pub use crate::steps::world::FINDINGS_PER_REQUIREMENT;

/// A scenario the stop cut short is not verified, whatever its half-done steps concluded.
fn mark_interrupted(result: &mut ScenarioResult, cause: Option<Cause>) {
    let Some(cause) = cause else {
        return;
    };
    let cut_short = result.traffic.cut_short
        || result
            .exchanges
            .iter()
            .any(|e| e.failure.as_ref().is_some_and(|f| f.is_interruption()));
    if cut_short {
        result.verdict = Verdict::NotVerified;
        // Marked like the scenarios that never started: it did not finish either.
        result.reason = Some(format!(
            "{NOT_RUN} the run was stopped by {cause} before this scenario finished"
        ));
        result.not_run = true;
        result.findings.clear();
        result.error = None;
    }
}

/// Run the planned features against the context's target.
pub async fn execute(
    plan: Plan,
    ctx: RunContext,
    engine: EngineOptions,
    progress: Arc<dyn Progress>,
) -> Execution {
    execute_journaled(plan, ctx, engine, None, progress).await
}

/// [`execute`], writing every exchange to `journal` as it finishes.
pub async fn execute_journaled(
    plan: Plan,
    ctx: RunContext,
    engine: EngineOptions,
    journal: Option<crate::capture::journal::Journal>,
    progress: Arc<dyn Progress>,
) -> Execution {
    let started_at = Utc::now();
    let secrets = {
        let credentials = &ctx.client.target().credentials;
        vec![
            credentials.access_key.clone(),
            credentials.secret_key.clone(),
        ]
    };
    let interrupt: Interrupt = ctx.client.interrupt().clone();
    let after_interrupt = interrupt.clone();
    let sink = Arc::new(sink::RunSink::new(
        ctx.contract,
        sink::RunSink::redactor(&secrets, &ctx.fixtures),
        journal,
    ));
    let ctx = Arc::new(ctx);
    let planned = Arc::new(plan.scenarios);
    let records: Arc<Mutex<Vec<ScenarioResult>>> = Arc::default();
    let junit = SharedBuffer::default();
    let json = SharedBuffer::default();

    let after_records = records.clone();
    let after_planned = planned.clone();
    let after_progress = progress.clone();
    let features = plan.features;
    let feature_names: Vec<(String, String)> = features
        .iter()
        .map(|f| (scenario_id(f, 0), f.name.clone()))
        .collect();
    let mut runner = KonaWorld::cucumber::<&str>()
        .with_parser(StaticFeatures)
        .max_concurrent_scenarios(engine.concurrency.max(1))
        .before(|feature, rule, scenario, world| {
            world.tags = effective_tags(feature, rule, scenario);
            // Each scenario its own stream of correlation ids, still fixed by the seed.
            world.reseed(&scenario_id(feature, scenario.position.line));
            async {}.boxed_local()
        })
        .after(move |feature, rule, scenario, finished, world| {
            let id = scenario_id(feature, scenario.position.line);
            let planned = after_planned.get(&id);
            let tags = planned
                .map(|p| p.tags.clone())
                .unwrap_or_else(|| effective_tags(feature, rule, scenario));
            let mut result = ScenarioResult::new(
                id.clone(),
                feature.name.clone(),
                scenario.name.clone(),
                tags,
                Verdict::Passed,
            );
            let failed_on_findings = world.as_ref().is_some_and(|w| w.failed_on_findings);
            if let Some(world) = world {
                result.findings = std::mem::take(&mut world.findings);
                // Findings an aborted step never got to report still count.
                result.findings.append(&mut world.pending);
                result.observations = std::mem::take(&mut world.observations);
                result.exercised = std::mem::take(&mut world.exercised);
                result.exchanges = std::mem::take(&mut world.exchanges);
                result.traffic = std::mem::take(&mut world.traffic);
                result.findings_omitted += world.findings_omitted;
                if let Some(endpoint) = world.endpoint {
                    result.findings.extend(strays(endpoint, &result.exchanges));
                }
                // Sent to find the record, to another endpoint on purpose: evidence, first.
                result
                    .exchanges
                    .splice(0..0, std::mem::take(&mut world.lookups));
                result
                    .traffic
                    .lines
                    .splice(0..0, std::mem::take(&mut world.lookup_lines));
                result.duration_ms = world.started.elapsed().as_millis();
                if result.endpoint.is_none() {
                    result.endpoint = world.endpoint.map(|e| e.id.clone());
                }
                if let Some(why) = world.not_verified.take() {
                    result.not_verified(why);
                }
                result.gave_up = world.gave_up;
                result.expected_rejection = world.expected_rejection.take();
            }
            match finished {
                ScenarioFinished::StepFailed(_, _, err) => {
                    result.verdict = Verdict::Failed;
                    // A failure on findings is said by the findings; any other is kept.
                    if !failed_on_findings {
                        result.error = Some(match err {
                            cucumber::event::StepError::Panic(info) => panic_text(info),
                            other => other.to_string(),
                        });
                    }
                }
                ScenarioFinished::BeforeHookFailed(info) => {
                    result.verdict = Verdict::Failed;
                    result.error = Some(panic_text(info));
                }
                ScenarioFinished::StepSkipped => {
                    result.not_verified(
                        planned
                            .and_then(|p| p.not_verified.clone())
                            .unwrap_or_else(|| "a step has no definition".into()),
                    );
                }
                ScenarioFinished::StepPassed => {
                    if !result.findings.is_empty() {
                        result.verdict = Verdict::Failed;
                    }
                }
            }
            bound(&mut result);
            mark_interrupted(&mut result, after_interrupt.cause());
            after_progress.scenario_finished(&result);
            if let Ok(mut all) = after_records.lock() {
                all.push(result);
            }
            async {}.boxed_local()
        })
        .with_writer(
            writer::Json::for_tee(json.clone())
                .tee::<KonaWorld, _>(writer::JUnit::for_tee(junit.clone(), 0))
                .normalized(),
        )
        // Our own flags are clap's business in `cli`; cucumber must not parse argv.
        .with_default_cli();
    if engine.fail_fast {
        runner = runner.fail_fast();
    }
    let run_sink: Arc<dyn crate::steps::world::ExchangeSink> = sink.clone();
    let run = crate::steps::world::SINK.scope(
        run_sink,
        CONTEXT.scope(ctx.clone(), runner.run(features.clone())),
    );
    // A stop lets the scenarios in flight wind down, then drops whatever is left; the
    // journal is flushed as soon as the stop comes.
    tokio::select! {
        _ = run => {}
        _ = async {
            interrupt.triggered().await;
            sink.flush();
            tokio::time::sleep(WIND_DOWN).await;
        } => {}
    }
    let journal = match Arc::try_unwrap(sink) {
        Ok(sink) => sink.finish().unwrap_or_else(|e| {
            progress.note(&e);
            None
        }),
        Err(sink) => {
            sink.flush();
            None
        }
    };

    let mut scenarios = std::mem::take(&mut *records.lock().unwrap_or_else(|e| e.into_inner()));
    let interrupted = interrupt.cause();
    if let Some(cause) = interrupted {
        add_unfinished(&mut scenarios, &planned, &feature_names, cause);
    }
    scenarios.sort_by_key(|s| natural_id(&s.id));
    let contract = ctx.contract;
    let before: Vec<Verdict> = scenarios.iter().map(|s| s.verdict).collect();
    hours::hold_to_evidence(&mut scenarios, contract);
    apart::demote_refused_alike(&mut scenarios, contract);
    // The lines above were printed as each scenario finished; say which the run's own
    // evidence changed, so the console and the reports tell one story.
    let changed: Vec<&ScenarioResult> = scenarios
        .iter()
        .zip(&before)
        .filter(|(s, v)| s.verdict != **v)
        .map(|(s, _)| s)
        .collect();
    if !changed.is_empty() {
        progress.revised(&changed);
    }
    let results = RunResults {
        meta: RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            contract_hash: contract.hash().to_owned(),
            catalogue_version: contract.catalogue.catalogue_version.clone(),
            target: engine.target_label,
            base_url: ctx.client.target().base_url.clone(),
            target_kind: ctx.kind,
            profile: engine.profile,
            seed: ctx.seed,
            started_at,
            finished_at: Utc::now(),
            interrupted,
            proxy: None,
            source: Default::default(),
            exchanges_judged: None,
            journal,
        },
        scenarios,
    };
    Execution {
        contract,
        results,
        cucumber: CucumberOutput {
            junit_xml: junit.take(),
            cucumber_json: json.take(),
            features,
        },
        secrets,
    }
}

/// A scenario passes only on answers of its own endpoint: one finding per exchange that
/// went anywhere else.
fn strays(
    endpoint: &crate::contract::Endpoint,
    exchanges: &[crate::client::Exchange],
) -> Vec<results::Finding> {
    exchanges
        .iter()
        .filter(|e| {
            let path = url::Url::parse(&e.url).map(|u| u.path().to_owned());
            e.endpoint_id != endpoint.id || !path.is_ok_and(|p| p.ends_with(&endpoint.path))
        })
        .map(|e| results::Finding {
            requirement: None,
            class: crate::client::FailureClass::Setup,
            expected: format!(
                "every request of this scenario sent to {} ({})",
                endpoint.path, endpoint.id
            ),
            actual: format!("a request sent to {}", e.url),
            schema_errors: Vec::new(),
            correlation_id: e.correlation_id.clone(),
        })
        .collect()
}

/// How the reason of a scenario a stopped run never finished begins.
pub const NOT_RUN: &str = "not run:";

/// Every planned scenario that never finished, as not verified because the run stopped.
fn add_unfinished(
    scenarios: &mut Vec<ScenarioResult>,
    planned: &std::collections::BTreeMap<String, plan::PlannedScenario>,
    feature_names: &[(String, String)],
    cause: Cause,
) {
    let finished: std::collections::BTreeSet<String> =
        scenarios.iter().map(|s| s.id.clone()).collect();
    for p in planned.values().filter(|p| !finished.contains(&p.id)) {
        let file = p.id.rsplit_once(':').map_or(p.id.as_str(), |(f, _)| f);
        let feature = feature_names
            .iter()
            .find(|(id, _)| id.rsplit_once(':').is_some_and(|(f, _)| f == file))
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        let mut result = ScenarioResult::new(
            p.id.clone(),
            feature,
            p.name.clone(),
            p.tags.clone(),
            Verdict::NotVerified,
        );
        result.reason = Some(format!(
            "{NOT_RUN} the run was stopped by {cause} before this scenario started or finished"
        ));
        result.not_run = true;
        scenarios.push(result);
    }
}

/// Sort `features/a.feature:9` before `features/a.feature:10`.
fn natural_id(id: &str) -> (String, usize) {
    match id.rsplit_once(':') {
        Some((file, line)) => (file.to_owned(), line.parse().unwrap_or(0)),
        None => (id.to_owned(), 0),
    }
}

/// Hands cucumber the features the planner prepared.
struct StaticFeatures;

impl cucumber::Parser<Vec<gherkin::Feature>> for StaticFeatures {
    type Cli = cucumber::cli::Empty;
    type Output = futures::stream::Iter<
        std::iter::Map<
            std::vec::IntoIter<gherkin::Feature>,
            fn(gherkin::Feature) -> cucumber::parser::Result<gherkin::Feature>,
        >,
    >;

    fn parse(self, input: Vec<gherkin::Feature>, _: Self::Cli) -> Self::Output {
        futures::stream::iter(input.into_iter().map(Ok as fn(_) -> _))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Exchange, FailureClass, RequestSpec, TransportFailure};

    /// Thousands of findings of one rule keep a few examples and their count; every broken
    /// requirement keeps at least one, so the verdicts do not change.
    #[test]
    fn findings_past_the_cap_are_counted_not_kept() {
        let finding = |requirement: Option<&str>, n: usize| results::Finding {
            requirement: requirement.map(str::to_owned),
            class: FailureClass::Contract,
            expected: "x".into(),
            actual: format!("case {n}"),
            schema_errors: Vec::new(),
            correlation_id: String::new(),
        };
        let mut result = ScenarioResult::new(
            "f:1".into(),
            "f".into(),
            "s".into(),
            Vec::new(),
            Verdict::Failed,
        );
        result.findings = (0..2500)
            .map(|n| finding(Some("CARD-FIELD-CARDNO"), n))
            .chain([finding(Some("RESP-JSON"), 0), finding(None, 0)])
            .collect();
        bound(&mut result);
        assert_eq!(result.findings.len(), FINDINGS_PER_REQUIREMENT + 2);
        assert_eq!(result.findings_omitted, 2500 - FINDINGS_PER_REQUIREMENT);
        assert_eq!(
            result.findings[0].actual, "case 0",
            "the first examples are kept"
        );
        for kept in [Some("RESP-JSON"), None] {
            assert!(
                result
                    .findings
                    .iter()
                    .any(|f| f.requirement.as_deref() == kept)
            );
        }
    }

    fn exchange(endpoint: &crate::contract::Endpoint, url_path: &str) -> Exchange {
        let spec = RequestSpec {
            endpoint_id: endpoint.id.clone(),
            path: endpoint.path.clone(),
            ..RequestSpec::default()
        };
        let failure = TransportFailure {
            class: FailureClass::Transport,
            reason: "not sent".into(),
        };
        Exchange::failed_before_sending(
            &spec,
            &format!("http://127.0.0.1:1/open-api{url_path}"),
            Utc::now(),
            failure,
        )
    }

    #[test]
    fn an_exchange_with_another_endpoint_is_a_finding() {
        let catalogue = &crate::contract::Contract::shared().unwrap().catalogue;
        let (own, other) = (&catalogue.endpoints[0], &catalogue.endpoints[1]);
        assert!(strays(own, &[exchange(own, &own.path)]).is_empty());
        let wrong_path = strays(own, &[exchange(own, &other.path)]);
        assert_eq!(wrong_path.len(), 1);
        assert_eq!(wrong_path[0].class, FailureClass::Setup);
        assert!(wrong_path[0].actual.contains(&other.path));
        let wrong_id = strays(own, &[exchange(own, &own.path), exchange(other, &own.path)]);
        assert_eq!(wrong_id.len(), 1);
    }
}
