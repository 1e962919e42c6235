//! Stopping a run part-way (a signal, or the run's time budget running out): no new request
//! leaves, an answer already awaited gets [`IN_FLIGHT_GRACE`] to arrive, and every exchange
//! that did not complete says why.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::exchange::{FailureClass, TransportFailure};

/// How long an exchange already on the wire may still take once the run is stopped.
pub const IN_FLIGHT_GRACE: Duration = Duration::from_millis(1500);

/// What every interrupted exchange's reason starts with.
const REASON_PREFIX: &str = "interrupted: ";
/// What follows it for a request that never left.
const NOT_SENT: &str = "not sent, ";

/// Why a run stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "cause")]
pub enum Cause {
    /// SIGINT (Ctrl-C).
    Sigint,
    /// SIGTERM (a CI job cancelled or timed out).
    Sigterm,
    /// `--max-duration` ran out.
    TimeBudget { seconds: u64 },
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Sigint => f.write_str("SIGINT"),
            Cause::Sigterm => f.write_str("SIGTERM"),
            Cause::TimeBudget { seconds } => {
                write!(f, "the run's time budget (--max-duration {seconds} s)")
            }
        }
    }
}

/// A stop switch shared by everything one run does. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Interrupt {
    cause: Arc<watch::Sender<Option<Cause>>>,
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt {
            cause: Arc::new(watch::channel(None).0),
        }
    }
}

impl Interrupt {
    /// Stop the run for `cause`; later calls keep the first cause.
    pub fn trigger(&self, cause: Cause) {
        self.cause.send_if_modified(|c| {
            let first = c.is_none();
            if first {
                *c = Some(cause);
            }
            first
        });
    }

    pub fn cause(&self) -> Option<Cause> {
        *self.cause.borrow()
    }

    /// Resolves once the run is stopped.
    pub async fn triggered(&self) -> Cause {
        let mut rx = self.cause.subscribe();
        let cause = rx.wait_for(Option::is_some).await.ok().and_then(|c| *c);
        match cause {
            Some(cause) => cause,
            // The sender lives as long as `self`: this cannot happen, and waiting forever is
            // the honest answer if it did.
            None => std::future::pending().await,
        }
    }
}

impl TransportFailure {
    /// A request the stopped run did not send.
    pub fn not_sent(cause: Cause) -> Self {
        TransportFailure::new(
            FailureClass::Setup,
            format!("{REASON_PREFIX}{NOT_SENT}the run was stopped by {cause}"),
        )
    }

    /// A request sent but whose answer was not awaited past [`IN_FLIGHT_GRACE`].
    pub fn cut_in_flight(cause: Cause) -> Self {
        TransportFailure::new(
            FailureClass::Transport,
            format!("{REASON_PREFIX}the answer was not awaited, the run was stopped by {cause}"),
        )
    }

    /// This exchange did not complete because the run was stopped.
    pub fn is_interruption(&self) -> bool {
        self.reason.starts_with(REASON_PREFIX)
    }

    /// The stopped run refused this request before it left.
    pub fn was_not_sent(&self) -> bool {
        self.reason
            .strip_prefix(REASON_PREFIX)
            .is_some_and(|r| r.starts_with(NOT_SENT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_cause_wins_and_waiters_wake() {
        let stop = Interrupt::default();
        assert_eq!(stop.cause(), None);
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.triggered().await }
        });
        stop.trigger(Cause::Sigterm);
        stop.trigger(Cause::Sigint);
        assert_eq!(waiter.await.unwrap(), Cause::Sigterm);
        assert_eq!(stop.cause(), Some(Cause::Sigterm));
        assert!(TransportFailure::not_sent(Cause::Sigterm).is_interruption());
        assert!(!TransportFailure::new(FailureClass::Setup, "x").is_interruption());
    }

    #[test]
    fn only_a_refused_request_was_not_sent() {
        assert!(TransportFailure::not_sent(Cause::Sigint).was_not_sent());
        assert!(!TransportFailure::cut_in_flight(Cause::Sigint).was_not_sent());
        // A target's own text cannot pass for a refusal.
        let echoed = TransportFailure::new(FailureClass::Transport, "not sent, interrupted: ");
        assert!(!echoed.was_not_sent());
    }
}
