//! The reader of the portal's layout, as lines: the page copied or saved as text, or the
//! lines [`super::html`] renders from the HTML page. Each line keeps its number in the file,
//! and, from HTML, how deep in the markup it stood (the only place nesting survives).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::DeriveError;
use super::model::{
    Bounds, CodeRow, Layout, ListedValue, Page, Param, ParamType, Presence, Section, TestCase,
};

/// One non-blank line of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    /// 1-based line of the file (for HTML: of the rendered text).
    pub number: usize,
    pub text: String,
    /// Depth in the markup, for lines rendered from HTML; `None` for a text page.
    pub depth: Option<usize>,
}

/// The non-blank lines of a text page, trailing blanks and no-break spaces normalised.
pub fn lines_of_text(text: &str) -> Vec<SourceLine> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.replace('\u{a0}', " ");
            let l = l.trim_end();
            (!l.trim().is_empty()).then(|| SourceLine {
                number: i + 1,
                text: l.to_owned(),
                depth: None,
            })
        })
        .collect()
}

/// Where a text page's nested members end, which its layout does not say: for each object
/// (by section and dotted path, arrays of objects as `name[]`), the member names a contract
/// already knows.
#[derive(Debug, Clone, Default)]
pub struct NestingHints {
    members: BTreeMap<(SectionKey, String), BTreeSet<String>>,
}

type SectionKey = &'static str;

impl NestingHints {
    pub fn insert(&mut self, section: Section, object_path: &str, members: BTreeSet<String>) {
        self.members
            .insert((section.fact_prefix(), object_path.to_owned()), members);
    }

    fn members(&self, section: Section, object_path: &str) -> Option<&BTreeSet<String>> {
        self.members
            .get(&(section.fact_prefix(), object_path.to_owned()))
    }
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const RESPONSE_CODE: &str = "Response Code";
const TEST_DATA: &str = "Test Data";
const ENCRYPTED_MARKER: &str = "Encrypted|";
/// Deeper nesting than any page of the portal shows is taken for a broken page.
const MAX_NESTING: usize = 16;
/// The control under an `array of strings`, not a note.
const ADD_STRING: &str = "Add string";

static CONSTRAINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:Length\s*:\s*(?P<len>\d+)|(?:Min\s*:\s*(?P<min>-?\d+))?\s*,?\s*(?:Max\s*:\s*(?P<max>-?\d+))?|Value\s*:\s*(?P<value>.+))$",
    )
    .expect("constraint pattern compiles")
});
static ENUMERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<code>[A-Z0-9_]+)\s*:\s*(?P<meaning>.+)$").expect("enumeration compiles")
});
static INLINE_ENUMERATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(([^()]*:[^()]*)\)").expect("inline enumeration compiles"));
static FORMAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Form|Format)\s*:\s*(?P<format>\S+)$").expect("format compiles")
});
static DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Default(?:\s+value)?\s*=\s*(?P<default>.+)$").expect("default compiles")
});
/// A cell of a code table printed as text: `Shinhan Bank 088`.
static TABLE_CELL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?P<name>\D.*?)\s+(?P<code>\d{2,4})$").expect("cell compiles"));
static CELL_GAP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s{2,}").expect("gap compiles"));
static STATUS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[1-5]\d\d$").expect("status"));
static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{3}_\d{3}$").expect("code"));
static TEST_CASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<status>[1-5]\d\d)\s+-\s+(?P<label>.+)$").expect("test case compiles")
});

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Read a page's lines into the model. `hints_for` gives, for the page's path (leading slash
/// restored), where a text page's nested members end.
pub fn read(
    file: &str,
    layout: Layout,
    lines: &[SourceLine],
    hints_for: &dyn Fn(&str) -> NestingHints,
) -> Result<Page, DeriveError> {
    let unreadable = |line: Option<usize>, what: String, rule: &str| DeriveError::Unreadable {
        file: file.to_owned(),
        line,
        what,
        rule: rule.to_owned(),
    };
    let trimmed = |i: usize| lines[i].text.trim();

    let method_at = (0..lines.len())
        .find(|&i| METHODS.contains(&trimmed(i)))
        .ok_or_else(|| {
            unreadable(
                None,
                "the method line".into(),
                "a line holding only GET, POST, PUT, PATCH or DELETE, followed by the path",
            )
        })?;
    let path = match lines.get(method_at + 1).map(|l| l.text.trim()) {
        Some(p) if p.contains('/') && !p.contains(char::is_whitespace) => p.to_owned(),
        _ => {
            return Err(unreadable(
                Some(lines[method_at].number),
                "the path".into(),
                "the line after the method is the path, e.g. /api/v1/user/card/info",
            ));
        }
    };
    let title = (0..method_at)
        .find(|&i| trimmed(i).starts_with("Version:"))
        .and_then(|v| v.checked_sub(1))
        .map(|i| {
            let t = trimmed(i);
            t.strip_suffix("Sync").unwrap_or(t).trim().to_owned()
        })
        .unwrap_or_default();

    // Headings, in page order, after the method.
    let mut headings: Vec<(usize, &str)> = Vec::new();
    for i in method_at + 2..lines.len() {
        let t = trimmed(i);
        let known = Section::ALL
            .iter()
            .map(|s| s.title())
            .chain([RESPONSE_CODE, TEST_DATA])
            .find(|h| *h == t);
        if let Some(h) = known
            && !headings.iter().any(|(_, seen)| *seen == h)
        {
            headings.push((i, h));
        }
    }
    let span = |title: &str| -> Option<(usize, usize)> {
        let pos = headings.iter().position(|(_, h)| *h == title)?;
        let start = headings[pos].0 + 1;
        let end = headings.get(pos + 1).map_or(lines.len(), |(i, _)| *i);
        Some((start, end))
    };

    let hints = hints_for(&if path.starts_with('/') {
        path.clone()
    } else {
        format!("/{path}")
    });
    let mut sections: BTreeMap<&'static str, (Vec<Param>, bool)> = BTreeMap::new();
    for section in Section::ALL {
        let Some((start, end)) = span(section.title()) else {
            continue;
        };
        let slice = &lines[start..end];
        let encrypted = slice.iter().any(|l| l.text.trim() == ENCRYPTED_MARKER);
        let params = read_section(file, section, slice, &hints)?;
        if params.is_empty() {
            return Err(unreadable(
                Some(lines[start - 1].number),
                format!("the parameters of section \"{}\"", section.title()),
                "a parameter is a name line, a type line (string, number, boolean, object, array of strings, array of objects) and Required / Optional / Conditional",
            ));
        }
        sections.insert(section.title(), (params, encrypted));
    }
    if !sections.contains_key(Section::RequestParameters.title())
        && !sections.contains_key(Section::ResponseParameters.title())
    {
        return Err(unreadable(
            None,
            "a parameter table".into(),
            "a page has a \"Request Parameters\" or \"Response Parameters\" section",
        ));
    }
    let mut take = |s: Section| sections.remove(s.title());
    let request_headers = take(Section::RequestHeaders)
        .map(|p| p.0)
        .unwrap_or_default();
    let request = take(Section::RequestParameters);
    let response_headers = take(Section::ResponseHeaders)
        .map(|p| p.0)
        .unwrap_or_default();
    let response = take(Section::ResponseParameters);

    let (code_start, code_end) = span(RESPONSE_CODE).ok_or_else(|| {
        unreadable(
            None,
            format!("the \"{RESPONSE_CODE}\" section"),
            "a page ends with a response-code table: status, \"Error code\", code, \"Message\", message",
        )
    })?;
    let codes = read_codes(
        file,
        &lines[code_start..code_end],
        lines[code_start - 1].number,
    )?;
    let test_data = match span(TEST_DATA) {
        Some((s, e)) => read_test_data(&lines[s..e], &codes),
        None => Vec::new(),
    };

    Ok(Page {
        source: file.to_owned(),
        layout,
        title,
        method: trimmed(method_at).to_owned(),
        method_line: lines[method_at].number,
        path,
        encrypted_request: request.as_ref().map(|r| r.1),
        encrypted_response: response.as_ref().map(|r| r.1),
        request_headers,
        request_parameters: request.map(|r| r.0).unwrap_or_default(),
        response_headers,
        response_parameters: response.map(|r| r.0).unwrap_or_default(),
        codes,
        test_data,
    })
}

/// A parameter as read, before its place in the nesting is known.
struct Flat {
    param: Param,
    depth: Option<usize>,
}

fn read_section(
    file: &str,
    section: Section,
    lines: &[SourceLine],
    hints: &NestingHints,
) -> Result<Vec<Param>, DeriveError> {
    let starts_at = |i: usize| -> bool {
        i + 2 < lines.len()
            && is_name(lines[i].text.trim())
            && ParamType::parse(&lines[i + 1].text).is_some()
            && Presence::parse(&lines[i + 2].text).is_some()
    };
    let mut flat = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !starts_at(i) {
            // A name and a presence word around a type the reader does not know: say so,
            // rather than read the parameter as notes of the one before.
            if i + 2 < lines.len()
                && is_name(lines[i].text.trim())
                && Presence::parse(&lines[i + 2].text).is_some()
            {
                return Err(DeriveError::Unreadable {
                    file: file.to_owned(),
                    line: Some(lines[i + 1].number),
                    what: format!("the type of parameter {}", lines[i].text.trim()),
                    rule: "string, number, boolean, object, array of strings or array of objects"
                        .into(),
                });
            }
            i += 1;
            continue;
        }
        let name = lines[i].text.trim().to_owned();
        let kind = ParamType::parse(&lines[i + 1].text).unwrap_or(ParamType::String);
        let presence = Presence::parse(&lines[i + 2].text).unwrap_or(Presence::Optional);
        let mut param = Param {
            name: name.clone(),
            path: name,
            line: lines[i].number,
            kind,
            presence,
            bounds: Bounds::default(),
            value: None,
            format: None,
            values: Vec::new(),
            default: None,
            notes: Vec::new(),
            members: Vec::new(),
        };
        let depth = lines[i].depth;
        let mut j = i + 3;
        if let Some(c) = lines.get(j).and_then(|l| constraint(l.text.trim())) {
            match c {
                Constraint::Bounds(b) => param.bounds = b,
                Constraint::Value(v) => param.value = Some(v),
            }
            j += 1;
        }
        let body_start = j;
        while j < lines.len() && !starts_at(j) {
            j += 1;
        }
        read_notes(&mut param, &lines[body_start..j]);
        flat.push(Flat { param, depth });
        i = j;
    }
    let mut at = 0;
    let mut out = Vec::new();
    while at < flat.len() {
        out.push(place(file, section, &flat, &mut at, "", 0, hints)?);
    }
    Ok(out)
}

enum Constraint {
    Bounds(Bounds),
    Value(String),
}

fn constraint(text: &str) -> Option<Constraint> {
    let c = CONSTRAINT.captures(text)?;
    let num = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<i128>().ok());
    if let Some(v) = c.name("value") {
        return Some(Constraint::Value(v.as_str().trim().to_owned()));
    }
    if let Some(n) = num("len") {
        return Some(Constraint::Bounds(Bounds::exact(n)));
    }
    let b = Bounds {
        min: num("min"),
        max: num("max"),
    };
    (!b.is_empty()).then_some(Constraint::Bounds(b))
}

/// Description and notes: bullets of three kinds, enumerations, defaults, formats, and the
/// bank-code table printed as cells.
fn read_notes(param: &mut Param, lines: &[SourceLine]) {
    for line in lines {
        let raw = line.text.trim();
        if raw == ENCRYPTED_MARKER || raw == ADD_STRING {
            continue;
        }
        let text = raw
            .strip_prefix('•')
            .or_else(|| raw.strip_prefix("- "))
            .or_else(|| raw.strip_prefix('-'))
            .unwrap_or(raw)
            .trim();
        if text.is_empty() {
            continue;
        }
        if let Some(c) = FORMAT.captures(text) {
            param.format = Some(c["format"].to_owned());
        } else if let Some(c) = DEFAULT.captures(text) {
            param.default = Some(c["default"].trim().to_owned());
        } else if let Some(c) = ENUMERATION.captures(text) {
            param.values.push(ListedValue {
                code: c["code"].to_owned(),
                meaning: c["meaning"].trim().to_owned(),
            });
        } else if let Some(cells) = table_cells(raw) {
            param.values.extend(cells);
        } else if let Some(inline) = inline_values(text) {
            param.values.extend(inline);
        }
        param.notes.push(text.to_owned());
    }
}

/// `Name 088   Other 004`: every cell a name and a code.
fn table_cells(text: &str) -> Option<Vec<ListedValue>> {
    let cells: Vec<ListedValue> = CELL_GAP
        .split(text.trim())
        .map(|cell| {
            TABLE_CELL.captures(cell.trim()).map(|c| ListedValue {
                code: c["code"].to_owned(),
                meaning: c["name"].to_owned(),
            })
        })
        .collect::<Option<_>>()?;
    (!cells.is_empty()).then_some(cells)
}

/// `...(0: one meaning, 1: another)` inside a description.
fn inline_values(text: &str) -> Option<Vec<ListedValue>> {
    let inner = INLINE_ENUMERATION.captures(text)?;
    let values: Vec<ListedValue> = inner[1]
        .split(',')
        .map(|part| {
            ENUMERATION.captures(part.trim()).map(|c| ListedValue {
                code: c["code"].to_owned(),
                meaning: c["meaning"].trim().to_owned(),
            })
        })
        .collect::<Option<_>>()?;
    (values.len() >= 2).then_some(values)
}

/// Take `flat[*at]` and, for an object or an array of objects, the members that belong to
/// it: by depth from HTML; from a text page by the names a contract knows.
fn place(
    file: &str,
    section: Section,
    flat: &[Flat],
    at: &mut usize,
    prefix: &str,
    level: usize,
    hints: &NestingHints,
) -> Result<Param, DeriveError> {
    let own_depth = flat[*at].depth;
    let mut param = flat[*at].param.clone();
    *at += 1;
    // Each level is a call: a hostile page must not exhaust the stack.
    if level >= MAX_NESTING {
        return Err(DeriveError::Unreadable {
            file: file.to_owned(),
            line: Some(param.line),
            what: format!("the place of {}", param.name),
            rule: format!("members nest at most {MAX_NESTING} levels deep"),
        });
    }
    param.path = if prefix.is_empty() {
        param.name.clone()
    } else {
        format!("{prefix}.{}", param.name)
    };
    let members_path = match param.kind {
        ParamType::Object => param.path.clone(),
        ParamType::ArrayOfObjects => {
            let item_name = format!("{}_item", param.name);
            match flat.get(*at) {
                Some(item)
                    if item.param.name == item_name && item.param.kind == ParamType::Object =>
                {
                    *at += 1;
                }
                _ => {
                    return Err(DeriveError::Unreadable {
                        file: file.to_owned(),
                        line: Some(param.line),
                        what: format!("the item of array {}", param.path),
                        rule: "an array of objects is followed by a member <array>_item of type object, then the item's members".into(),
                    });
                }
            }
            format!("{}[]", param.path)
        }
        _ => return Ok(param),
    };
    if let Some(depth) = own_depth {
        while flat
            .get(*at)
            .and_then(|f| f.depth)
            .is_some_and(|d| d > depth)
        {
            let member = place(file, section, flat, at, &members_path, level + 1, hints)?;
            param.members.push(member);
        }
    } else if let Some(names) = hints.members(section, &members_path) {
        while flat.get(*at).is_some_and(|f| names.contains(&f.param.name)) {
            let member = place(file, section, flat, at, &members_path, level + 1, hints)?;
            param.members.push(member);
        }
    } else if *at < flat.len() {
        return Err(DeriveError::Unreadable {
            file: file.to_owned(),
            line: Some(param.line),
            what: format!("the members of {} {}", param.kind.as_page_text(), param.path),
            rule: "a text page keeps no nesting, so a member's place is known only from the contract (check with a contract that describes this object) or from the HTML page".into(),
        });
    }
    Ok(param)
}

fn read_codes(
    file: &str,
    lines: &[SourceLine],
    heading_line: usize,
) -> Result<Vec<CodeRow>, DeriveError> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].text.trim();
        if STATUS.is_match(t)
            && lines
                .get(i + 1)
                .is_some_and(|l| l.text.trim() == "Error code")
        {
            let code = lines.get(i + 2).map(|l| l.text.trim()).unwrap_or_default();
            let label = lines.get(i + 3).map(|l| l.text.trim()).unwrap_or_default();
            let message = lines.get(i + 4).map(|l| l.text.trim().to_owned());
            let (true, "Message", Some(message)) = (CODE.is_match(code), label, message) else {
                return Err(DeriveError::Unreadable {
                    file: file.to_owned(),
                    line: Some(lines[i].number),
                    what: "a row of the response-code table".into(),
                    rule:
                        "a row is: status, \"Error code\", a code NNN_NNN, \"Message\", the message"
                            .into(),
                });
            };
            rows.push(CodeRow {
                status: t.parse().unwrap_or_default(),
                code: code.to_owned(),
                message,
                line: lines[i].number,
            });
            i += 5;
        } else {
            i += 1;
        }
    }
    if rows.is_empty() {
        return Err(DeriveError::Unreadable {
            file: file.to_owned(),
            line: Some(heading_line),
            what: "the rows of the response-code table".into(),
            rule: "a row is: status, \"Error code\", a code NNN_NNN, \"Message\", the message"
                .into(),
        });
    }
    Ok(rows)
}

/// The list under "Test Data". The portal prints the selected case first, then the whole
/// list: a first entry repeated right after is the selection, not a case.
fn read_test_data(lines: &[SourceLine], codes: &[CodeRow]) -> Vec<TestCase> {
    let mut cases: Vec<TestCase> = Vec::new();
    for line in lines {
        let Some(c) = TEST_CASE.captures(line.text.trim()) else {
            if cases.is_empty() {
                continue;
            }
            break;
        };
        cases.push(TestCase {
            status: c["status"].parse().unwrap_or_default(),
            label: c["label"].trim().to_owned(),
            paired_code: None,
            line: line.number,
        });
    }
    if cases.len() >= 2 && cases[0].status == cases[1].status && cases[0].label == cases[1].label {
        cases.remove(0);
    }
    for (i, case) in cases.iter_mut().enumerate() {
        case.paired_code = codes
            .get(i)
            .filter(|row| row.status == case.status)
            .map(|row| row.code.clone());
    }
    cases
}
