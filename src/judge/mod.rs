//! The judge: one exchange (the request and the answer as they went over the wire) and what
//! was expected in, typed findings and observations out. It knows nothing of cucumber: the
//! steps call it for the exchanges they send, and so can anything else that holds an
//! exchange (recorded traffic, a client under test).

pub mod answer;
pub mod diagnose;
pub mod readings;
pub mod request;
pub mod verdict;

pub use verdict::{Finding, NotVerified, Observation, Verdict, unlock_hint};
