//! Cucumber steps over real HTTP. Given steps compose a request from the fixtures and break
//! it on purpose; the When step signs and sends it and runs the automatic checks; Then steps
//! compare the answer with the catalogue.

pub mod expect;
pub mod generated;
pub mod request;
pub mod world;

pub use world::{KonaWorld, RunContext};
