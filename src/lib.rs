//! kona-conformance: certify a KONA PLATE Open API endpoint against its documentation.
//!
//! Layers, each with its own error type: [`contract`] (schemas and catalogue, loaded once),
//! [`crypto`] (tran token, JWE, keys), [`client`] (signed HTTP exchanges), [`sandbox`]
//! (the embedded reference server), [`steps`] and [`runner`] (the cucumber suite),
//! [`report`] (every artifact a run writes), [`derive`] (the contract read back from the
//! vendor's pages) and [`cli`] (the command-line front).

pub mod capture;
pub mod cli;
pub mod client;
pub mod compare;
pub mod contract;
pub mod crypto;
pub mod derive;
pub mod exit;
pub mod fixtures;
pub mod gate;
pub mod judge;
pub mod mutants;
pub mod openapi;
pub mod proxy;
pub mod redact;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod secret;
pub mod steps;
pub mod variants;
pub mod verify;

#[cfg(test)]
mod tidy;
