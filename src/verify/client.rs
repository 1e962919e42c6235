//! A live client certification (`certify-client`): what the sandbox's tap reports, one
//! event at a time, journaled, judged on the request side (with the known mistakes tried
//! on every failed request), tallied, and matched to the plan's tasks. Nothing but the
//! tally, the tracker and a few counters outlives an event, so memory stays bounded
//! however long the client runs.

use std::path::PathBuf;

use super::journal::{Journal, LiveVerdicts};
use super::tasks::{Plan, Seen, Tracker};
use super::{Keys, Outcome, Route, Tally, judge_one, route};
use crate::capture::{
    Location, Position, ReadProblem, Recorded, RecordedMessage, RecordedResponse,
};
use crate::client::FailureClass;
use crate::contract::Contract;
use crate::fixtures::Fixtures;
use crate::judge::Finding;
use crate::judge::answer::SUCCESS;
use crate::redact::Redactor;
use crate::sandbox::tap::{TapEvent, Tapped, TappedBody, Unreadable};

/// The first bytes of an unreadable connection shown in a report.
const SHOWN_HEAD: usize = 32;

/// One certification session.
pub struct Session {
    contract: &'static Contract,
    keys: Keys,
    /// `http://HOST:PORT`, to make the recorded URLs whole.
    origin: String,
    body_limit: usize,
    tally: Tally,
    tracker: Tracker,
    journal: Option<Journal>,
    journal_error: Option<String>,
    redactor: Redactor,
    pub requests: usize,
    pub unreadable: usize,
}

impl Session {
    pub fn new(
        contract: &'static Contract,
        keys: Keys,
        plan: &Plan,
        fixtures: &Fixtures,
        origin: String,
        body_limit: usize,
        journal: Option<Journal>,
    ) -> Session {
        let mut redactor = Redactor::new();
        for s in keys.secrets() {
            redactor.add_secret(&s);
        }
        Session {
            contract,
            tracker: Tracker::new(plan, fixtures, contract),
            keys,
            origin,
            body_limit,
            tally: Tally::new(contract),
            journal,
            journal_error: None,
            redactor,
            requests: 0,
            unreadable: 0,
        }
    }

    pub fn all_done(&self) -> bool {
        self.tracker.all_done()
    }

    /// Take one event in; the lines to print (not yet made safe for a console).
    pub fn take(&mut self, event: TapEvent) -> Vec<String> {
        match event {
            TapEvent::Exchange(t) => self.exchange(*t),
            TapEvent::Unreadable(u) => self.unreadable(u),
        }
    }

    fn location(&self, n: usize) -> Location {
        let file = match &self.journal {
            Some(j) => j
                .path()
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| "journal".into()),
            None => "request".into(),
        };
        Location {
            file,
            at: Position::Line(n),
        }
    }

    /// Append `rec` to the journal, if there is one; its loss is said once and judging goes
    /// on. Takes the fields it needs, so a caller may hold the keys borrowed meanwhile.
    fn journal(
        journal: &mut Option<Journal>,
        journal_error: &mut Option<String>,
        redactor: &crate::redact::Redactor,
        rec: &Recorded,
        live: Option<&LiveVerdicts<'_>>,
        lines: &mut Vec<String>,
    ) {
        if let Some(j) = journal
            && let Err(e) = j.append(rec, redactor, live)
        {
            if journal_error.is_none() {
                lines.push(format!("warning: {e}; the journal stops here"));
                *journal_error = Some(e.to_string());
            }
            *journal = None;
        }
    }

    fn exchange(&mut self, t: Tapped) -> Vec<String> {
        self.requests += 1;
        let n = self.requests;
        let mut lines = Vec::new();
        let location = self.location(n);
        let request = match t.body {
            TappedBody::Read(bytes) => RecordedMessage::new(t.headers, bytes),
            TappedBody::NotRead { seen } => RecordedMessage {
                headers: t.headers,
                body: Vec::new(),
                size: seen.max(1),
            },
        };
        let rec = Recorded {
            location: location.clone(),
            started_at: Some(t.received_at),
            duration_us: Some(t.duration.as_micros().min(u64::MAX as u128) as u64),
            method: t.method,
            url: format!("{}{}", self.origin, t.path),
            request,
            response: Some(RecordedResponse {
                status: t.status,
                message: RecordedMessage::new(t.response_headers, t.response_body),
            }),
            error: None,
            redacted: false,
            at_capture: Vec::new(),
        };
        if rec.request.truncated() {
            let problem = format!(
                "a body of {} bytes, over the sandbox's limit of {} bytes or not sent in time: judged on its headers only",
                rec.request.size, self.body_limit
            );
            lines.push(format!("request {n}: {problem}"));
            self.tally.problem(&ReadProblem {
                location: location.clone(),
                problem,
            });
        }
        let base_path = self.contract.catalogue.base_path.clone();
        let endpoint = match route(self.contract, &rec.method, &rec.url, Some(&base_path)) {
            Route::Endpoint(e) => e,
            Route::Unknown { method, path } => {
                lines.push(format!(
                    "request {n}: {method} {path}: no endpoint has this path (answered {})",
                    t.status
                ));
                self.tally.unknown(&location, &method, &path);
                Self::journal(
                    &mut self.journal,
                    &mut self.journal_error,
                    &self.redactor,
                    &rec,
                    None,
                    &mut lines,
                );
                return lines;
            }
        };
        let judged = judge_one(self.contract, endpoint, &rec, &self.keys);
        let live = LiveVerdicts {
            contract: self.contract,
            endpoint,
            judged: &judged,
            keys: &self.keys,
        };
        Self::journal(
            &mut self.journal,
            &mut self.journal_error,
            &self.redactor,
            &rec,
            Some(&live),
            &mut lines,
        );
        let mut broken: Vec<&str> = judged
            .request
            .findings
            .iter()
            .filter_map(|f| f.requirement.as_deref())
            .collect();
        broken.dedup();
        let code = match &judged.outcome {
            Outcome::Code(c) => Some(c.as_str()),
            _ => None,
        };
        let documented_rejection = code.is_some_and(|c| {
            c != SUCCESS
                && self
                    .contract
                    .catalogue
                    .documented_code(&endpoint.id, c)
                    .is_some()
        });
        let seen = Seen {
            number: n,
            endpoint: &endpoint.id,
            conforming: broken.is_empty() && !rec.request.truncated(),
            encrypted: judged.request.encrypted,
            plaintext: judged.request.plaintext.as_ref(),
            status: t.status,
            code,
            documented_rejection,
        };
        let answered = match code {
            Some(c) => format!("answered {} {c}", t.status),
            None => format!("answered {}", t.status),
        };
        if broken.is_empty() {
            lines.push(format!(
                "request {n}: {} {}: conforming ({answered})",
                rec.method, endpoint.id
            ));
        } else {
            lines.push(format!(
                "request {n}: {} {}: broke {} ({answered})",
                rec.method,
                endpoint.id,
                broken.join(", ")
            ));
            for d in &judged.diagnoses {
                lines.push(format!("    {d}"));
            }
        }
        let (task_lines, credits) = self.tracker.observe(&seen, &broken);
        lines.extend(task_lines);
        for credit in credits {
            let finding = credit.broken.map(|(expected, actual)| Finding {
                requirement: Some(credit.requirement.to_owned()),
                class: FailureClass::Contract,
                expected,
                actual: format!("{actual} (at {location})"),
                schema_errors: Vec::new(),
                correlation_id: judged.exchange.correlation_id.clone(),
            });
            self.tally.verdict(
                &credit.endpoint,
                credit.requirement,
                finding,
                &judged.exchange,
            );
        }
        self.tally.add(&location, judged);
        lines
    }

    fn unreadable(&mut self, u: Unreadable) -> Vec<String> {
        self.unreadable += 1;
        let head = &u.head[..u.head.len().min(SHOWN_HEAD)];
        let shown = crate::client::quote(&String::from_utf8_lossy(head)).into_owned();
        let problem = format!(
            "{} bytes that are not an HTTP request the sandbox can read, starting {shown:?}",
            u.bytes
        );
        let location = Location {
            file: format!("connection {}", self.unreadable),
            at: Position::File,
        };
        self.tally.problem(&ReadProblem {
            location,
            problem: problem.clone(),
        });
        vec![format!("connection {}: {problem}", self.unreadable)]
    }

    /// The tally with the tasks' verdicts, the tasks' summary, and the journal's path.
    pub fn finish(mut self) -> (Tally, Vec<(String, bool, String)>, Option<PathBuf>) {
        let summary = self.tracker.summary();
        for (id, done, what) in &summary {
            self.tally.task(id, *done, what.clone());
        }
        let journal = self.journal.map(|j| j.path().to_owned());
        (self.tally, summary, journal)
    }
}
