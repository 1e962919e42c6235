//! The name and schema of results.json's format, read by the model that writes it and by
//! the baseline and `compare` that read it back.

pub const FORMAT: &str = "kona-conformance-results/1";
/// The schema file, under `schemas/`, that describes [`FORMAT`].
pub const SCHEMA_FILE: &str = "results.schema.json";
