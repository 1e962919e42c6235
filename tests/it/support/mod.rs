//! Set-up the test modules share: `use crate::support::NAME;`. A new helper file goes here
//! with a `pub mod` line below.

pub mod echo;
pub mod external_run;
pub mod flaky;
pub mod hostile;
pub mod sandbox;
