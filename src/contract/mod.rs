//! The contract derived from the documentation: catalogue and schemas, loaded once.
