//! Deliberate deviations from the documentation, one rule at a time, so the harness can be
//! shown to catch each one. The pipeline asks at three well-defined points:
//!
//! 1. [`Fault::enforces`] before each request check (headers, token, body): a fault may
//!    switch exactly one check off;
//! 2. [`Fault::alter_answer`] after the faithful answer is chosen (status, code, message,
//!    data) and before it is serialized;
//! 3. [`Fault::alter_reply`] on the serialized reply (headers and bytes) just before it is
//!    sent.
//!
//! Only a few faults exist yet; a new one is a variant, a name, and one arm at one point.

use std::fmt;
use std::str::FromStr;

use axum::http::HeaderMap;

/// A request check a fault may switch off (the others cannot be skipped: later checks
/// need what they establish).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    Credentials,
    TranTimeSkew,
    TranToken,
    ContentType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Any well-formed tran token is accepted, whatever body it was computed over.
    AcceptAnyToken,
    /// Success answers carry a message other than the one the page prints.
    WrongSuccessMessage,
    /// Responses do not echo `X-KM-Correlation-Id`.
    NoCorrelationEcho,
}

impl Fault {
    pub const ALL: [Fault; 3] = [
        Fault::AcceptAnyToken,
        Fault::WrongSuccessMessage,
        Fault::NoCorrelationEcho,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::AcceptAnyToken => "accept-any-token",
            Fault::WrongSuccessMessage => "wrong-success-message",
            Fault::NoCorrelationEcho => "no-correlation-echo",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Fault::AcceptAnyToken => "accept a well-formed tran token without checking its MAC",
            Fault::WrongSuccessMessage => "answer success with a message the docs do not print",
            Fault::NoCorrelationEcho => "leave X-KM-Correlation-Id out of every response",
        }
    }

    /// Every fault name, for help texts and errors.
    pub fn names() -> Vec<&'static str> {
        Fault::ALL.iter().map(|f| f.name()).collect()
    }

    /// Point 1: whether `check` runs under this fault.
    pub fn enforces(self, check: Check) -> bool {
        !matches!((self, check), (Fault::AcceptAnyToken, Check::TranToken))
    }

    /// Point 2: change the chosen answer before it is serialized.
    pub(crate) fn alter_answer(self, answer: &mut super::pipeline::Answer) {
        if self == Fault::WrongSuccessMessage && answer.status.is_success() {
            answer.message = "OK".to_owned();
        }
    }

    /// Point 3: change the serialized reply.
    pub(crate) fn alter_reply(self, headers: &mut HeaderMap, _body: &mut Vec<u8>) {
        if self == Fault::NoCorrelationEcho {
            headers.remove(super::headers::CORRELATION_ID);
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault name the sandbox does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{name}`; known faults: {}", Fault::names().join(", "))]
pub struct UnknownFault {
    pub name: String,
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault { name: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        let err = "nope".parse::<Fault>().unwrap_err().to_string();
        assert!(
            err.contains("nope") && err.contains("accept-any-token"),
            "{err}"
        );
    }

    #[test]
    fn each_fault_switches_off_at_most_the_token_check() {
        assert!(!Fault::AcceptAnyToken.enforces(Check::TranToken));
        assert!(Fault::AcceptAnyToken.enforces(Check::Credentials));
        assert!(Fault::NoCorrelationEcho.enforces(Check::TranToken));
    }
}
