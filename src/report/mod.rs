//! Everything a run hands over: the artifacts in `--report-dir` and the verdict that gates CI.
//!
//! Every artifact is rendered from one redacted model ([`model::ResultsDoc`], built through a
//! [`redact::Redactor`]) and its bytes pass the redactor's final filter before they are
//! written:
//!
//! | file | format |
//! |------|--------|
//! | `junit.xml` | JUnit XML valid against Jenkins' `junit-10.xsd`, one testcase per scenario |
//! | `cucumber.json` | Cucumber JSON in cucumber-ruby's shape, findings as failure messages |
//! | `results.json` | `kona-conformance-results/1`, described by `schemas/results.schema.json` |
//! | `summary.md` | Markdown for `$GITHUB_STEP_SUMMARY` or a PR comment |
//! | `report.html` | one self-contained page, failures first, printable |
//!
//! The exit code comes from the gate ([`crate::gate`]): 0 every verified requirement passed (or is waived), 1 a
//! conformance failure or a regression against `--baseline`, 2 a usage error (bad waivers
//! file, unreadable baseline, report folder not writable).

pub mod charts;
pub mod cucumber;
pub mod failures;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod markup;
pub mod meaning;
pub mod model;
pub mod observed;
pub mod summary;
pub mod view;

// Redaction and inert text live beside the secrets they guard; reports reach them here too.
pub use crate::redact::{self, inert};

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::contract::{Contract, ContractError};
use crate::runner::config::RunOptions;
use crate::runner::{CucumberOutput, Execution};
use crate::secret::Secret;

pub use crate::gate::baseline::{self, Baseline, BaselineError};
pub use crate::gate::waivers::{self, Waiver, WaiverError};
pub use crate::gate::{Decision, decide};
pub use model::{FORMAT, ResultsDoc, SCHEMA_FILE};
pub use redact::Redactor;

/// The five files, in the order they are written.
pub const FILES: [&str; 5] = [
    "results.json",
    "junit.xml",
    "cucumber.json",
    "summary.md",
    "report.html",
];

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the reports into {path}: {reason}")]
    Write { path: String, reason: String },
    #[error(transparent)]
    Waivers(#[from] WaiverError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Contract(#[from] ContractError),
}

/// The gate's inputs besides the run: waivers and baseline, read and checked.
#[derive(Debug, Clone, Default)]
pub struct GateInputs {
    pub waivers: Vec<Waiver>,
    pub baseline: Option<Baseline>,
}

impl GateInputs {
    /// Read `--waivers` and `--baseline`. Call before the run so a typo costs nothing.
    pub fn load(options: &RunOptions, contract: &Contract) -> Result<GateInputs, ReportError> {
        let waivers = match &options.waivers {
            Some(path) => waivers::load(path, &contract.catalogue)?,
            None => Vec::new(),
        };
        let baseline = options
            .baseline
            .as_deref()
            .map(Baseline::load)
            .transpose()?;
        Ok(GateInputs { waivers, baseline })
    }
}

/// Everything `run` checks before sending a request: the waivers file (against the run's
/// `contract`, so it may name an extension's requirements), the baseline, and that the
/// report folder can be created and written.
pub fn check_inputs(options: &RunOptions, contract: &Contract) -> Result<(), ReportError> {
    GateInputs::load(options, contract)?;
    if let Some(dir) = &options.report_dir {
        prepare_dir(dir)?;
    }
    Ok(())
}

fn prepare_dir(dir: &Path) -> Result<(), ReportError> {
    let err = |reason: String| ReportError::Write {
        path: dir.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    // Named for this process, so two runs checking one folder never remove each other's.
    let probe = dir.join(format!(".kona-conformance-write-test.{}", unique()));
    std::fs::write(&probe, b"").map_err(|e| err(e.to_string()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// A name part no other run (nor another call in this one) uses: process id, time, counter.
fn unique() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The file a run holds while it puts its reports in place, so two runs writing into one
/// folder take turns and the folder always holds one run's complete set.
pub const LOCK_FILE: &str = ".kona-conformance.lock";
/// How long a run waits for another to finish writing the same folder (writing five files
/// takes milliseconds; a lock held this long belongs to a stuck run).
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The folder's write lock, released (the file removed) when dropped.
struct FolderLock(PathBuf);

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether the process that wrote a lock file is gone (so the lock is stale). Only Linux
/// can tell (`/proc`); elsewhere a lock is taken to be live until [`LOCK_WAIT`] runs out.
fn holder_is_gone(lock: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return false;
    };
    match text.trim().parse::<u32>() {
        Ok(pid) => cfg!(target_os = "linux") && !Path::new(&format!("/proc/{pid}")).exists(),
        // Half-written by a run that died between creating and writing it.
        Err(_) => false,
    }
}

fn lock_folder(dir: &Path) -> Result<FolderLock, ReportError> {
    let lock = dir.join(LOCK_FILE);
    let started = std::time::Instant::now();
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(mut file) => {
                let _ = write!(file, "{}", std::process::id());
                return Ok(FolderLock(lock));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if holder_is_gone(&lock) {
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                if started.elapsed() > LOCK_WAIT {
                    return Err(ReportError::Write {
                        path: dir.display().to_string(),
                        reason: format!(
                            "another run has been writing its reports here for {} s ({} exists); use another --report-dir, or delete that file if no run is writing",
                            LOCK_WAIT.as_secs(),
                            lock.display()
                        ),
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => {
                return Err(ReportError::Write {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                });
            }
        }
    }
}

/// The target's base URL: the one given, or the one the run sent its requests to.
fn target_base_url(options: &RunOptions, results: &crate::runner::results::RunResults) -> String {
    options
        .base_url
        .clone()
        .unwrap_or_else(|| results.meta.base_url.clone())
}

/// The redactor for a finished run: its credentials (carried by the execution, plus any in
/// the environment), and every personal value its exchanges carried.
pub fn redactor_for(execution: &Execution) -> Redactor {
    let env: Vec<Secret> = [
        crate::client::target::env::ACCESS_KEY,
        crate::client::target::env::SECRET_KEY,
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok())
    .filter(|v| !v.is_empty())
    .map(Secret::new)
    .collect();
    redact::for_exchanges(
        execution.secrets.iter().chain(env.iter()),
        execution
            .results
            .scenarios
            .iter()
            .flat_map(|s| s.exchanges.iter()),
    )
}

/// The five artifacts, rendered and filtered, as (file name, bytes).
pub fn render_all(
    doc: &ResultsDoc,
    cucumber_output: &CucumberOutput,
    r: &Redactor,
) -> Vec<(String, Vec<u8>)> {
    let mut results = serde_json::to_vec_pretty(doc).unwrap_or_default();
    results.push(b'\n');
    let mut cucumber = cucumber::render(
        &cucumber_output.cucumber_json,
        &cucumber_output.features,
        &doc.scenarios,
        r,
    );
    if let Some(why) = &doc.run.interrupted {
        cucumber = cucumber::mark_interrupted(cucumber, why);
    }
    // JSON keeps the target's text exact, with hidden characters as \u escapes.
    let files: [(&str, Vec<u8>); 5] = [
        ("results.json", inert::json_bytes(results)),
        ("junit.xml", junit::render(doc).into_bytes()),
        ("cucumber.json", inert::json_bytes(cucumber)),
        ("summary.md", summary::render(doc).into_bytes()),
        ("report.html", html::render(doc).into_bytes()),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| (name.to_owned(), r.filter_bytes(&bytes)))
        .collect()
}

/// Write the artifacts into `dir` (created if needed). Returns the paths written.
pub fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<PathBuf>, ReportError> {
    write_all_with(dir, files, |path, bytes| std::fs::write(path, bytes))
}

/// [`write_all`] with the function that writes one file's bytes (tests inject a full disk).
///
/// Every file is first written to a temporary name of this run's own, then all are renamed
/// into place while the run holds the folder's lock: a second run into the same folder waits
/// its turn, so the folder holds one run's complete set, never a mix. When any write fails,
/// every temporary file is removed and no report is replaced; the error names the folder.
pub fn write_all_with(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    mut write: impl FnMut(&Path, &[u8]) -> std::io::Result<()>,
) -> Result<Vec<PathBuf>, ReportError> {
    prepare_dir(dir)?;
    let _lock = lock_folder(dir)?;
    let run = unique();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let clean = |staged: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for (name, bytes) in files {
        let tmp = dir.join(format!(".{name}.{run}.tmp"));
        let path = dir.join(name);
        // Recorded before writing: a failed write may still have created the file.
        staged.push((tmp.clone(), path));
        if let Err(e) = write(&tmp, bytes) {
            clean(&staged);
            return Err(ReportError::Write {
                path: dir.display().to_string(),
                reason: format!("writing {name}: {e}; no report was replaced"),
            });
        }
    }
    let mut written = Vec::new();
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            clean(&staged[i..]);
            return Err(ReportError::Write {
                path: dir.display().to_string(),
                reason: format!(
                    "putting {} in place: {e}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
            });
        }
        written.push(path.clone());
    }
    Ok(written)
}

/// What [`report`] produced.
#[derive(Debug)]
pub struct Reported {
    pub doc: ResultsDoc,
    pub decision: Decision,
    pub files: Vec<(String, Vec<u8>)>,
}

/// Decide the run and render every artifact (without writing them).
pub fn report(
    options: &RunOptions,
    execution: &Execution,
    inputs: &GateInputs,
) -> Result<Reported, ReportError> {
    let contract = execution.contract;
    let results = &execution.results;
    let requirements = results.requirement_verdicts(contract);
    let mut decision = decide(
        &requirements,
        &results.scenarios,
        &inputs.waivers,
        inputs.baseline.as_ref(),
        contract.hash(),
        results.meta.started_at.date_naive(),
    );
    // Rejections that verified nothing because every request got the same refusal: the
    // run names why instead of listing passes.
    if results.scenarios.iter().any(|s| s.refused_alike.is_some())
        && !crate::runner::apart::any_told_apart(&results.scenarios, contract)
    {
        decision.fail_with(crate::runner::apart::REFUSED_ALIKE.to_owned());
    }
    flow_control_outcome(&mut decision, results, &requirements);
    if let Some(floor) = options.min_verified {
        crate::gate::apply_floor(&mut decision, &requirements, floor);
    }
    // A run stopped part-way never passes, and every report says so first.
    if let Some(cause) = results.meta.interrupted {
        decision.passed = false;
        decision.exit_code = crate::exit::interrupted(cause);
        decision
            .reasons
            .insert(0, model::interruption(results, cause));
    }
    let redactor = redactor_for(execution);
    let doc = model::build(
        results,
        contract,
        &redactor,
        &decision,
        &target_base_url(options, results),
    );
    let files = render_all(&doc, &execution.cucumber, &redactor);
    Ok(Reported {
        doc,
        decision,
        files,
    })
}

/// Scenarios whose requests met only flow control are named in the verdict, and a run
/// that verified nothing because of it does not pass.
fn flow_control_outcome(
    decision: &mut Decision,
    results: &crate::runner::results::RunResults,
    requirements: &[crate::runner::results::RequirementVerdict],
) {
    let mut by_kind: std::collections::BTreeMap<crate::client::FlowControl, usize> =
        Default::default();
    for s in &results.scenarios {
        if let Some(flow) = s.gave_up {
            *by_kind.entry(flow).or_default() += 1;
        }
    }
    if by_kind.is_empty() {
        return;
    }
    let total: usize = by_kind.values().sum();
    let kinds = by_kind
        .iter()
        .map(|(flow, n)| format!("{flow} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let line = format!(
        "{total} scenario(s) not verified: the target's flow control outlasted the resend budget ({kinds}); {} resend(s) in all",
        results.resend_count()
    );
    let verified = requirements
        .iter()
        .any(|r| r.verdict != crate::runner::results::Verdict::NotVerified);
    if verified {
        decision.reasons.push(line);
    } else {
        decision.fail_with(line);
    }
}

/// Write the reports `options` ask for and decide the exit code.
pub fn gate(options: &RunOptions, execution: &Execution) -> Result<u8, ReportError> {
    let inputs = GateInputs::load(options, execution.contract)?;
    let reported = report(options, execution, &inputs)?;
    let d = &reported.decision;
    // The run's verdict lines, after the table `run` printed. Only ids, dates and the
    // redacted reasons: nothing here can carry a secret.
    let mut err = std::io::stderr().lock();
    let lines: Vec<&String> = reported.doc.outcome.reasons.iter().collect();
    for line in lines {
        let _ = writeln!(err, "gate: {}", redact::for_console(line));
    }
    if let Some(dir) = &options.report_dir {
        let written = write_all(dir, &reported.files)?;
        let _ = writeln!(
            err,
            "reports: {} ({})",
            redact::for_console(&dir.display().to_string()),
            written
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(d.exit_code)
}
