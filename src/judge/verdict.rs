//! What a judgement says, as typed data: the verdict of a scenario or a requirement, a broken
//! rule with its evidence ([`Finding`]), and an answer the docs leave open ([`Observation`]).
//! Renderers turn these into sentences; nothing parses them back.

use serde::Serialize;

use crate::client::FailureClass;
use crate::contract::{Expected, SchemaViolation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Failed,
    NotVerified,
    Passed,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::NotVerified => "not verified",
        }
    }
}

/// One broken rule, with what a vendor needs to find the exchange in its own logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The requirement id that broke; `None` when no answer came back at all (then every
    /// requirement the scenario verifies is unverifiable and the scenario fails).
    pub requirement: Option<String>,
    pub class: FailureClass,
    pub expected: String,
    pub actual: String,
    pub schema_errors: Vec<SchemaViolation>,
    pub correlation_id: String,
}

impl std::fmt::Display for Finding {
    /// Every text quoted from the target is cut at [`crate::client::QUOTE_LIMIT`]: this is
    /// what step failures, console lines and reports repeat.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::client::quote;
        let req = self.requirement.as_deref().unwrap_or("(no answer)");
        write!(
            f,
            "[{req}] {:?} failure: expected {}; actual {}",
            self.class,
            quote(&self.expected),
            quote(&self.actual)
        )?;
        for e in &self.schema_errors {
            write!(f, "\n      schema: {}", quote(&e.to_string()))?;
        }
        if !self.correlation_id.is_empty() {
            write!(f, "\n      correlation id: {}", self.correlation_id)?;
        }
        Ok(())
    }
}

/// What a target answered in a case whose answer the docs leave open.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub endpoint: String,
    pub case: String,
    pub requirement: String,
    /// This project's convention for the case (what the embedded sandbox answers).
    pub convention: Expected,
    pub observed_status: u16,
    pub observed_code: Option<String>,
    pub observed_message: Option<String>,
    pub correlation_id: String,
    /// The catalogue reading that allowed the answer instead of the expected one: the
    /// expected answer's rule was then not exercised, so `requirement` is not verified by
    /// this scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
}

/// Why a scenario verified nothing: the sentence a reader sees and, as data, the fixtures
/// role whose record would unlock it, so reports group by the role and never read words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotVerified {
    pub reason: String,
    /// `cards.suspended`: the role a record of which would let the scenario run.
    pub unlocks: Option<String>,
}

impl NotVerified {
    /// Not verified for want of a record of `role` (`cards.suspended`); `why` says what is
    /// missing, and the reason ends with what to add.
    pub fn missing_role(why: String, role: String) -> NotVerified {
        NotVerified {
            reason: format!("{why} ({})", unlock_hint(&role)),
            unlocks: Some(role),
        }
    }
}

impl From<String> for NotVerified {
    fn from(reason: String) -> Self {
        NotVerified {
            reason,
            unlocks: None,
        }
    }
}

impl From<&str> for NotVerified {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

/// How a reader is told what unlocks a scenario: `add cards.suspended to the fixtures`.
pub fn unlock_hint(role: &str) -> String {
    format!("add {role} to the fixtures")
}
