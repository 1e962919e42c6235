//! Where every exchange of a run goes as it finishes ([`crate::steps::world::ExchangeSink`]):
//! one redacted line in the run's journal, and, for the exchanges a scenario does not keep,
//! the facts the run-level checks read (`apart`, `hours`, `certify`). Each exchange is
//! redacted and serialised once, here; nothing after the last scenario walks them again.

use std::sync::Mutex;

use crate::capture::journal::Journal;
use crate::client::{Exchange, Traffic};
use crate::contract::Contract;
use crate::redact::Redactor;
use crate::steps::world::ExchangeSink;

use super::results::JournalRef;

/// The run's sink: its contract, its redactor (every secret, the fixtures' personal values)
/// and its journal, when it writes one.
pub struct RunSink {
    contract: &'static Contract,
    redactor: Redactor,
    journal: Option<Mutex<Journal>>,
    bodies: Mutex<crate::capture::journal::BodyCache>,
}

impl RunSink {
    pub fn new(contract: &'static Contract, redactor: Redactor, journal: Option<Journal>) -> Self {
        RunSink {
            contract,
            redactor,
            journal: journal.map(Mutex::new),
            bodies: Mutex::default(),
        }
    }

    /// The redactor the journal starts from: the process's secrets, the target's
    /// credentials, and every personal value of the fixtures (which the requests carry).
    pub fn redactor(
        secrets: &[crate::secret::Secret],
        fixtures: &crate::fixtures::Fixtures,
    ) -> Redactor {
        let mut r = Redactor::new();
        for s in secrets {
            r.add_secret(s);
        }
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&fixtures.to_json()) {
            r.learn_json(&v);
        }
        r.prepare();
        r
    }

    /// Write out what the journal buffers (a stopped run does this first).
    pub fn flush(&self) {
        if let Some(j) = &self.journal
            && let Ok(mut j) = j.lock()
        {
            let _ = j.flush();
        }
    }

    /// Close the journal and rename it into place: where it is and how many lines it has.
    pub fn finish(self) -> Result<Option<JournalRef>, String> {
        let Some(journal) = self.journal else {
            return Ok(None);
        };
        let journal = journal.into_inner().unwrap_or_else(|e| e.into_inner());
        let target = journal.path().to_path_buf();
        journal
            .finish()
            .map(|(path, lines)| Some(JournalRef { path, lines }))
            .map_err(|e| format!("cannot write the journal {}: {e}", target.display()))
    }
}

impl ExchangeSink for RunSink {
    fn journal(&self, exchange: &Exchange) -> Option<u64> {
        let journal = self.journal.as_ref()?;
        // Redacted and serialised outside the journal's lock: only the append is serial.
        let line = {
            let mut bodies = self.bodies.lock().ok()?;
            crate::capture::journal::line_of(exchange, &self.redactor, &mut bodies)
        };
        journal.lock().ok()?.append_line(&line)
    }

    fn summarise(&self, exchange: &Exchange, traffic: &mut Traffic) {
        super::apart::note(self.contract, exchange, traffic);
        super::hours::note(self.contract, exchange, traffic);
        if super::certify::answered_stale(self.contract, exchange) {
            traffic.stale += 1;
        }
    }
}
