//! The integration tests, in one binary (issue 26): one link of the crate instead of one per
//! file, and one embedded sandbox or one binary run shared where tests already shared set-up.
//!
//! Each file here is one module, named as the file was when it was a test binary of its own
//! (`cargo test --test it -- sandbox_faults::` runs one). Helpers the files share live in
//! `support/` (`use crate::support::echo;`). The cucumber suite stays apart in
//! `tests/suite.rs` (`harness = false`).
//!
//! Every test runs as a thread of this one process, beside tests of other files. So a test
//! never sets environment variables or changes the current directory (a child process gets
//! them through `Command::env` / `Command::current_dir`), binds only port 0, and installs no
//! process-wide state beyond what [`support::sandbox`]'s helpers install once for everyone
//! (the rustls crypto provider).
//!
//! One piece of process-wide state is not ours: cucumber swaps the panic hook for a silent one
//! while a suite runs in-process and puts back the one it found. Two suites running at once
//! (they did within one file before too) can leave the silent one in place, so a failing
//! test's panic message may be missing from the output; rerun that test alone
//! (`cargo test --test it -- hostile::NAME`) to see it.

mod support;

mod certify_client;
mod compare;
mod consumers;
mod contract_extension;
mod coverage;
mod crypto;
mod derive;
mod errata;
mod false_greens;
mod fixtures;
mod hostile;
mod journal;
mod layout;
mod mutants;
mod observations;
mod openapi;
mod plan;
mod public_data;
mod redaction;
mod reports;
mod sandbox;
mod sandbox_cli;
mod sandbox_faults;
mod sandbox_keys;
mod sandbox_robustness;
mod schemas;
mod traffic;
mod transport;
mod variants;
mod workflow;
