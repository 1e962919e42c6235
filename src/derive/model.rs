//! The page model: what one vendor page states about one endpoint, in the page's own terms
//! (its types, its presence words, its printed bounds), before any comparison or erratum.

use serde::Serialize;

/// One endpoint as its page describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// The file it was read from.
    pub source: String,
    /// `text` or `html`.
    pub layout: Layout,
    pub title: String,
    pub method: String,
    /// Line of the method (the path is on the next one).
    pub method_line: usize,
    /// As printed (a missing leading slash is kept: errata E07 decides it).
    pub path: String,
    /// Which directions carry the "Encrypted" marker; `None` when the page has no parameter
    /// section for that direction, so it says nothing either way.
    pub encrypted_request: Option<bool>,
    pub encrypted_response: Option<bool>,
    pub request_headers: Vec<Param>,
    pub request_parameters: Vec<Param>,
    pub response_headers: Vec<Param>,
    pub response_parameters: Vec<Param>,
    pub codes: Vec<CodeRow>,
    pub test_data: Vec<TestCase>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Text,
    Html,
}

/// The four parameter tables of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Section {
    RequestHeaders,
    RequestParameters,
    ResponseHeaders,
    ResponseParameters,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::RequestHeaders,
        Section::RequestParameters,
        Section::ResponseHeaders,
        Section::ResponseParameters,
    ];

    /// The section title as the portal prints it.
    pub fn title(self) -> &'static str {
        match self {
            Section::RequestHeaders => "Request Headers",
            Section::RequestParameters => "Request Parameters",
            Section::ResponseHeaders => "Response Headers",
            Section::ResponseParameters => "Response Parameters",
        }
    }

    /// The prefix of a fact located in this section.
    pub fn fact_prefix(self) -> &'static str {
        match self {
            Section::RequestHeaders => "request.header",
            Section::RequestParameters => "request.body",
            Section::ResponseHeaders => "response.header",
            Section::ResponseParameters => "response.body",
        }
    }
}

impl Page {
    pub fn section(&self, section: Section) -> &[Param] {
        match section {
            Section::RequestHeaders => &self.request_headers,
            Section::RequestParameters => &self.request_parameters,
            Section::ResponseHeaders => &self.response_headers,
            Section::ResponseParameters => &self.response_parameters,
        }
    }

    /// The path with the leading slash the portal sometimes drops.
    pub fn normalized_path(&self) -> String {
        if self.path.starts_with('/') {
            self.path.clone()
        } else {
            format!("/{}", self.path)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamType {
    String,
    Number,
    Boolean,
    Object,
    ArrayOfStrings,
    ArrayOfObjects,
}

impl ParamType {
    /// Parse a type line as the portal prints it.
    pub fn parse(line: &str) -> Option<ParamType> {
        Some(match line.trim().to_ascii_lowercase().as_str() {
            "string" => ParamType::String,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "object" => ParamType::Object,
            "array of strings" => ParamType::ArrayOfStrings,
            "array of objects" => ParamType::ArrayOfObjects,
            _ => return None,
        })
    }

    /// The portal's spelling, used in facts.
    pub fn as_page_text(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Object => "object",
            ParamType::ArrayOfStrings => "array of strings",
            ParamType::ArrayOfObjects => "array of objects",
        }
    }

    /// Whether members follow it on the page.
    pub fn has_members(self) -> bool {
        matches!(self, ParamType::Object | ParamType::ArrayOfObjects)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    Required,
    Optional,
    Conditional,
}

impl Presence {
    pub fn parse(line: &str) -> Option<Presence> {
        Some(match line.trim() {
            "Required" => Presence::Required,
            "Optional" => Presence::Optional,
            "Conditional" => Presence::Conditional,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Required => "required",
            Presence::Optional => "optional",
            Presence::Conditional => "conditional",
        }
    }
}

/// A printed bound: `Length : N` is `min == max == N`; for strings the bounds count
/// characters, for numbers they bound the value. i128 holds the 19-digit user ids exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Bounds {
    pub min: Option<i128>,
    pub max: Option<i128>,
}

impl Bounds {
    pub fn exact(n: i128) -> Bounds {
        Bounds {
            min: Some(n),
            max: Some(n),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    /// `=20`, `1..20`, `..20`, `1..`: one text for the whole rule, so an erratum names it once.
    pub fn render(&self) -> Option<String> {
        match (self.min, self.max) {
            (None, None) => None,
            (Some(a), Some(b)) if a == b => Some(format!("={a}")),
            (a, b) => Some(format!(
                "{}..{}",
                a.map(|v| v.to_string()).unwrap_or_default(),
                b.map(|v| v.to_string()).unwrap_or_default()
            )),
        }
    }
}

/// A value the page lists for a parameter (`CODE : meaning`, a bank-code table cell, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedValue {
    pub code: String,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Param {
    pub name: String,
    /// Dotted from the section's root: `cashReceiptInfo.idNo`, `items[].sku`.
    pub path: String,
    /// Line of the page where the parameter's name stands (1-based).
    pub line: usize,
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub presence: Presence,
    #[serde(skip_serializing_if = "Bounds::is_empty")]
    pub bounds: Bounds,
    /// `Value : X` where a constraint line would stand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ListedValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The lines after the constraint, bullets stripped; kept for the user to read, never
    /// written into a draft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Param>,
}

impl Param {
    /// This parameter and its members, depth first.
    pub fn walk(&self) -> Vec<&Param> {
        let mut out = vec![self];
        for m in &self.members {
            out.extend(m.walk());
        }
        out
    }
}

/// All parameters of a list, members included, depth first.
pub fn flatten(params: &[Param]) -> Vec<&Param> {
    params.iter().flat_map(Param::walk).collect()
}

/// A row of the response-code table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeRow {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub line: usize,
}

/// An entry of the test-data list, paired by order with the code table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestCase {
    pub status: u16,
    pub label: String,
    /// The code of the row at the same position when its status agrees; `None` when the
    /// page gives this case no code (errata E09).
    pub paired_code: Option<String>,
    pub line: usize,
}
