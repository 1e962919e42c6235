//! `derive`: read the vendor's pages (the portal's text or its HTML) into one model, compare
//! it with the contract fact by fact (errata overrides decide the known contradictions), and
//! draft a contract extension for a page the contract does not cover.

pub mod check;
pub mod draft;
pub mod facts;
pub mod html;
pub mod model;
pub mod render;
pub mod text;

use std::path::Path;

pub use check::{CheckReport, Difference, Kind, check};
pub use model::Page;
pub use text::NestingHints;

use crate::contract::Contract;

#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error("cannot read page {file}: {reason}")]
    Read { file: String, reason: String },
    /// The page's layout is not one the reader knows: never an empty model.
    #[error("{file}{}: {what} not found or not readable; expected: {rule}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Unreadable {
        file: String,
        line: Option<usize>,
        what: String,
        rule: String,
    },
    #[error("cannot write the draft: {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("cannot draft {file}: {reason}")]
    Draft { file: String, reason: String },
    #[error(transparent)]
    Contract(#[from] crate::contract::ContractError),
}

/// Read a page from its text (HTML recognised by its markup). `contract` supplies where a
/// text page's nested members end; without it, a text page with an object followed by other
/// parameters cannot be read.
pub fn read_page_text(
    file: &str,
    text: &str,
    contract: Option<&Contract>,
) -> Result<Page, DeriveError> {
    let hints_for = |path: &str| match contract {
        Some(c) => facts::nesting_hints(c, path),
        None => NestingHints::default(),
    };
    if html::looks_like_html(text) {
        text::read(
            file,
            model::Layout::Html,
            &html::lines_of_html(text),
            &hints_for,
        )
    } else {
        text::read(
            file,
            model::Layout::Text,
            &text::lines_of_text(text),
            &hints_for,
        )
    }
}

/// Read a page file.
pub fn read_page(path: &Path, contract: Option<&Contract>) -> Result<Page, DeriveError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| DeriveError::Read {
        file: file.clone(),
        reason: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| DeriveError::Read {
        file: file.clone(),
        reason: format!("not UTF-8 text ({e})"),
    })?;
    read_page_text(&file, &text, contract)
}
