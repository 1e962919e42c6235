//! What a client under certification must do: the plan (tasks, each with the record to
//! use and the answer to expect) and the tracker that marks a task done when a conforming
//! request for it arrives. Two tasks need more than one request: decrypting an encrypted
//! answer is proven by a follow-up carrying a value only the decrypted answer holds, and
//! handling a documented rejection by a corrected request after it. A client that never
//! sends the follow-up leaves the task, and the rule it proves, not exercised.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::contract::{Contract, Endpoint};
use crate::fixtures::{Fixtures, Record, request_body};
use crate::judge::answer::SUCCESS;
use crate::judge::request::ids;

/// The plan's format name, written in every plan.
pub const PLAN_FORMAT: &str = "kona-conformance-client-plan/1";
/// In a follow-up's body, a value the client takes from the answer it decrypted.
pub const FROM_ANSWER: &str = "fromAnswer";

/// What the client must do, as the banner prints it and `--plan-out` writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format: &'static str,
    pub base_url: String,
    /// Where the credentials and keys come from (the sandbox's published test ones).
    pub credentials: String,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: String,
    pub title: String,
    pub request: Step,
    /// A second request, sent after the first one's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<Step>,
    /// The client requirements only this task can exercise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proves: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub endpoint: String,
    pub method: String,
    /// The URL path, base path included.
    pub path: String,
    /// Send the body as `{"encData": JWE}` for the server's key.
    pub encrypt: bool,
    /// The plaintext body; a member `{"fromAnswer": "F"}` is field F of the answer to the
    /// task's first request, decrypted.
    pub body: Map<String, Value>,
    /// The answer the sandbox gives; absent when any answer will do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    pub status: u16,
    pub code: String,
    /// The answer comes encrypted for the client's key.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
}

fn step(
    contract: &Contract,
    endpoint: &Endpoint,
    encrypt: bool,
    body: Map<String, Value>,
    key: &str,
) -> Option<Step> {
    let expected = contract.catalogue.expected(&endpoint.id, key, None)?;
    Some(Step {
        endpoint: endpoint.id.clone(),
        method: endpoint.method.clone(),
        path: format!("{}{}", contract.catalogue.base_path, endpoint.path),
        encrypt,
        body,
        expect: Some(Expect {
            status: expected.status,
            code: expected.code,
            encrypted: encrypt && key == "success" && endpoint.encryption.response,
        }),
        note: None,
    })
}

/// Another name than `name`, of the same script, for a request the bank refuses.
fn other_name(name: &str) -> String {
    let candidate = if name.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)) {
        ["김민준", "이서연"]
    } else {
        ["Jane Doe", "John Roe"]
    };
    candidate
        .into_iter()
        .find(|c| *c != name)
        .unwrap_or("김민준")
        .to_owned()
}

/// The plan for a client of the sandbox serving `contract` with `fixtures`: a plain request
/// per endpoint with its default record; the first endpoint that takes encrypted requests,
/// encrypted; decrypting an encrypted answer (a record drawn by `pick` from the pool, so
/// its answer was never shown) proven by a follow-up to an endpoint whose body that
/// answer's fields make; and a documented rejection then its correction (the bank check
/// with another name).
pub fn plan(
    contract: &Contract,
    fixtures: &Fixtures,
    base_url: &str,
    pick: impl FnOnce(usize) -> usize,
) -> Plan {
    let mut tasks = Vec::new();
    let default_record = |e: &Endpoint| -> Option<(Record, Map<String, Value>)> {
        let recipe = e.request.as_ref()?;
        let record = fixtures.role(&recipe.collection, &recipe.default_role)?;
        Some((record.clone(), request_body(recipe, record)))
    };
    for e in &contract.catalogue.endpoints {
        let Some((_, body)) = default_record(e) else {
            continue;
        };
        if let Some(request) = step(contract, e, false, body, "success") {
            tasks.push(Task {
                id: e.id.clone(),
                title: format!("{}: a plain request for the {} below", e.name, noun(e)),
                request,
                follow_up: None,
                proves: Vec::new(),
            });
        }
    }
    let encrypted = contract
        .catalogue
        .endpoints
        .iter()
        .find(|e| e.encryption.request && e.encryption.response);
    if let Some(e) = encrypted
        && let Some((_, body)) = default_record(e)
        && let Some(request) = step(contract, e, true, body, "success")
    {
        tasks.push(Task {
            id: format!("{}-encrypted", e.id),
            title: format!(
                "{}: the same {}, the body encrypted for the server's key",
                e.name,
                noun(e)
            ),
            request,
            follow_up: None,
            proves: vec![ids::JWE_KEY.to_owned()],
        });
    }
    if let Some(task) = encrypted.and_then(|e| decrypt_task(contract, fixtures, e, pick)) {
        tasks.push(task);
    }
    if let Some(task) = rejection_task(contract, fixtures) {
        tasks.push(task);
    }
    Plan {
        format: PLAN_FORMAT,
        base_url: base_url.to_owned(),
        credentials: "the sandbox's published test credentials and keys, as the banner prints them (KONA_ASP_ID, KONA_ACCESS_KEY, KONA_SECRET_KEY, KONA_CRYPTO_KEY_ID; `kona-conformance sandbox --write-keys DIR` writes server-public.pem and client-private.pem)".into(),
        tasks,
    }
}

fn noun(e: &Endpoint) -> &str {
    e.request.as_ref().map_or("record", |r| r.noun.as_str())
}

fn decrypt_task(
    contract: &Contract,
    fixtures: &Fixtures,
    encrypted: &Endpoint,
    pick: impl FnOnce(usize) -> usize,
) -> Option<Task> {
    let recipe = encrypted.request.as_ref()?;
    let pool = fixtures.pool(&recipe.collection);
    let respond = encrypted
        .sandbox
        .as_ref()
        .map(|s| s.lookup.respond.clone())
        .unwrap_or_default();
    // An endpoint whose whole body is fields the encrypted answer carries.
    let follow = contract.catalogue.endpoints.iter().find(|e| {
        e.id != encrypted.id
            && e.request.as_ref().is_some_and(|r| {
                !r.body.is_empty()
                    && r.body
                        .iter()
                        .all(|f| respond.contains(f) && !recipe.body.contains(f))
            })
    })?;
    let follow_fields = &follow.request.as_ref()?.body;
    let candidates: Vec<&Record> = pool
        .iter()
        .filter(|r| {
            follow_fields
                .iter()
                .all(|f| r.get(f).is_some_and(|v| !v.is_null()))
        })
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let record = candidates[pick(candidates.len()) % candidates.len()];
    let mut request = step(
        contract,
        encrypted,
        true,
        request_body(recipe, record),
        "success",
    )?;
    request.note = Some(format!(
        "decrypt the answer with your private key: it holds {}, which the follow-up needs",
        follow_fields.join(", ")
    ));
    let body: Map<String, Value> = follow_fields
        .iter()
        .map(|f| (f.clone(), serde_json::json!({ FROM_ANSWER: f })))
        .collect();
    // Whatever the follow-up is answered, sending the value proves the decryption.
    let mut follow_up = step(contract, follow, false, body, "success")?;
    follow_up.expect = None;
    follow_up.note = Some(format!(
        "a plain request carrying {} from the decrypted answer (any answer will do)",
        follow_fields.join(", ")
    ));
    Some(Task {
        id: "decrypt-answer".into(),
        title: format!(
            "{}: an encrypted request for another {}, its encrypted answer decrypted and used",
            encrypted.name,
            noun(encrypted)
        ),
        request,
        follow_up: Some(follow_up),
        proves: vec![ids::JWE_DECRYPT.to_owned()],
    })
}

fn rejection_task(contract: &Contract, fixtures: &Fixtures) -> Option<Task> {
    // The bank check refuses a known account under another name with a documented code.
    let bank = contract.catalogue.endpoint("bank-account-valid")?;
    let recipe = bank.request.as_ref()?;
    let record = fixtures.role(&recipe.collection, &recipe.default_role)?;
    let right = request_body(recipe, record);
    let name = right.get("userName")?.as_str()?;
    let mut wrong = right.clone();
    wrong.insert("userName".into(), Value::String(other_name(name)));
    let mut request = step(contract, bank, false, wrong, "name-mismatch")?;
    request.note = Some("a name the account does not have: the sandbox refuses it".into());
    let mut follow_up = step(contract, bank, false, right, "success")?;
    follow_up.note = Some("the corrected request: the account holder's own name".into());
    Some(Task {
        id: "documented-error".into(),
        title: format!(
            "{}: a request refused with a documented code, then corrected",
            bank.name
        ),
        request,
        follow_up: Some(follow_up),
        proves: vec![ids::ERROR_HANDLING.to_owned()],
    })
}

/// One request as the tracker needs it.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// The request's number in the session (from 1).
    pub number: usize,
    pub endpoint: &'a str,
    /// The request broke none of the client rules it exercised.
    pub conforming: bool,
    pub encrypted: bool,
    /// What the request carried in the clear (the body or the decrypted `encData`).
    pub plaintext: Option<&'a Value>,
    pub status: u16,
    pub code: Option<&'a str>,
    /// The answer's code is a documented rejection of this endpoint.
    pub documented_rejection: bool,
}

/// A verdict on a rule the tracker decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// The endpoint the verdict is filed under.
    pub endpoint: String,
    pub requirement: &'static str,
    /// `(expected, actual)` when the rule was broken.
    pub broken: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Done(usize),
}

#[derive(Debug, Clone)]
struct TaskState {
    task: Task,
    first: Status,
    follow_up: Status,
    /// Why the task is not done yet, as far as the tracker can tell.
    last: Option<String>,
}

impl TaskState {
    fn done(&self) -> bool {
        matches!(self.first, Status::Done(_))
            && (self.task.follow_up.is_none() || matches!(self.follow_up, Status::Done(_)))
    }
}

/// Tasks and the two rules only a sequence of requests shows.
#[derive(Debug, Clone)]
pub struct Tracker {
    tasks: Vec<TaskState>,
    /// Values only the decrypt task's encrypted answer holds (field → value).
    secret_values: BTreeMap<String, Value>,
    /// The request that gave those values in the clear, voiding the proof.
    shown_in_clear: Option<usize>,
    /// Per endpoint, the plaintext of the last conforming request refused with a
    /// documented code, and its number.
    rejected: BTreeMap<String, (Value, usize)>,
}

impl Tracker {
    pub fn new(plan: &Plan, fixtures: &Fixtures, contract: &Contract) -> Tracker {
        let mut secret_values = BTreeMap::new();
        if let Some(t) = plan.tasks.iter().find(|t| t.id == "decrypt-answer")
            && let Some(f) = &t.follow_up
            && let Some(recipe) = contract
                .catalogue
                .endpoint(&t.request.endpoint)
                .and_then(|e| e.request.as_ref())
        {
            let record = fixtures
                .all(&recipe.collection)
                .find(|r| t.request.body.iter().all(|(k, v)| r.get(k) == Some(v)));
            for field in f.body.keys() {
                if let Some(v) = record.and_then(|r| r.get(field)) {
                    secret_values.insert(field.clone(), v.clone());
                }
            }
        }
        Tracker {
            tasks: plan
                .tasks
                .iter()
                .map(|t| TaskState {
                    task: t.clone(),
                    first: Status::Pending,
                    follow_up: Status::Pending,
                    last: None,
                })
                .collect(),
            secret_values,
            shown_in_clear: None,
            rejected: BTreeMap::new(),
        }
    }

    pub fn all_done(&self) -> bool {
        self.tasks.iter().all(TaskState::done)
    }

    /// Each task: its id, whether it is done, and what happened.
    pub fn summary(&self) -> Vec<(String, bool, String)> {
        self.tasks
            .iter()
            .map(|t| {
                let what = match (t.first, t.follow_up, &t.task.follow_up) {
                    (Status::Done(a), Status::Done(b), Some(_)) => {
                        format!("done by requests {a} and {b}")
                    }
                    (Status::Done(a), _, None) => format!("done by request {a}"),
                    (Status::Done(a), Status::Pending, Some(_)) => format!(
                        "request {a} was right; no follow-up came{}",
                        t.last
                            .as_deref()
                            .map(|l| format!(" ({l})"))
                            .unwrap_or_default()
                    ),
                    (Status::Pending, ..) => t
                        .last
                        .clone()
                        .unwrap_or_else(|| "no request for it arrived".into()),
                };
                (t.task.id.clone(), t.done(), what)
            })
            .collect()
    }

    /// Take one request into account: the task lines to print and the verdicts decided.
    pub fn observe(&mut self, seen: &Seen<'_>, broken: &[&str]) -> (Vec<String>, Vec<Credit>) {
        let mut lines = Vec::new();
        let mut credits = Vec::new();
        // A corrected request after a documented rejection, or the same one again.
        if seen.conforming
            && let Some(plain) = seen.plaintext
        {
            if let Some((before, n)) = self.rejected.remove(seen.endpoint) {
                credits.push(Credit {
                    endpoint: seen.endpoint.to_owned(),
                    requirement: ids::ERROR_HANDLING,
                    broken: (&before == plain).then(|| {
                        (
                            format!("a corrected request after request {n} was refused"),
                            format!("request {} resent it unchanged", seen.number),
                        )
                    }),
                });
            }
            if seen.documented_rejection {
                self.rejected
                    .insert(seen.endpoint.to_owned(), (plain.clone(), seen.number));
            }
        }
        let success = seen.code == Some(SUCCESS);
        for t in &mut self.tasks {
            if t.done() {
                continue;
            }
            let id = t.task.id.clone();
            if t.first == Status::Pending {
                if !matches(&t.task.request, seen, &BTreeMap::new()) {
                    continue;
                }
                if !seen.conforming {
                    t.last = Some(format!(
                        "request {} was for it but broke {}",
                        seen.number,
                        broken.join(", ")
                    ));
                } else if !answered_as(&t.task.request.expect, seen) {
                    t.last = Some(format!(
                        "request {} was for it but was answered {} where the task expects {}",
                        seen.number,
                        seen.code.unwrap_or("without a code"),
                        t.task
                            .request
                            .expect
                            .as_ref()
                            .map_or("any answer", |e| e.code.as_str())
                    ));
                } else {
                    t.first = Status::Done(seen.number);
                    t.last = None;
                    lines.push(if t.task.follow_up.is_some() {
                        format!("task {id}: request {} done; now the follow-up", seen.number)
                    } else {
                        format!("task {id}: done (request {})", seen.number)
                    });
                }
                continue;
            }
            let Some(follow) = &t.task.follow_up else {
                continue;
            };
            if !matches(follow, seen, &self.secret_values) {
                continue;
            }
            if !seen.conforming {
                t.last = Some(format!(
                    "request {} was its follow-up but broke {}",
                    seen.number,
                    broken.join(", ")
                ));
                continue;
            }
            if id == "decrypt-answer" {
                if let Some(n) = self.shown_in_clear {
                    t.last = Some(format!(
                        "the follow-up's values were also answered in the clear (request {n}): it proves no decryption"
                    ));
                    continue;
                }
                credits.push(Credit {
                    endpoint: t.task.request.endpoint.clone(),
                    requirement: ids::JWE_DECRYPT,
                    broken: None,
                });
            } else if !answered_as(&follow.expect, seen) {
                t.last = Some(format!(
                    "request {} was its follow-up but was answered {}",
                    seen.number,
                    seen.code.unwrap_or("without a code")
                ));
                continue;
            }
            t.follow_up = Status::Done(seen.number);
            t.last = None;
            lines.push(format!(
                "task {id}: done (follow-up request {})",
                seen.number
            ));
        }
        // The decrypt task's record answered in the clear: its values are no proof.
        if success
            && !seen.encrypted
            && self.shown_in_clear.is_none()
            && let Some(t) = self.tasks.iter().find(|t| t.task.id == "decrypt-answer")
            && t.task.request.endpoint == seen.endpoint
            && seen
                .plaintext
                .is_some_and(|p| t.task.request.body.iter().all(|(k, v)| p.get(k) == Some(v)))
        {
            self.shown_in_clear = Some(seen.number);
        }
        (lines, credits)
    }
}

fn answered_as(expect: &Option<Expect>, seen: &Seen<'_>) -> bool {
    expect
        .as_ref()
        .is_none_or(|e| seen.code == Some(e.code.as_str()))
}

/// Whether `seen` is a request for `step`: same endpoint and form, every body value equal
/// (a `fromAnswer` value equal to the one the answer holds).
fn matches(step: &Step, seen: &Seen<'_>, answer: &BTreeMap<String, Value>) -> bool {
    if step.endpoint != seen.endpoint || step.encrypt != seen.encrypted {
        return false;
    }
    let Some(plain) = seen.plaintext else {
        return false;
    };
    step.body.iter().all(|(k, v)| {
        let want = match v.get(FROM_ANSWER).and_then(Value::as_str) {
            Some(field) => match answer.get(field) {
                Some(value) => value,
                None => return false,
            },
            None => v,
        };
        plain.get(k).is_some_and(|got| same_value(got, want))
    })
}

/// JSON values equal, numbers by their exact text.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.to_string() == y.to_string(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (&'static Contract, Fixtures, Plan) {
        let contract = Contract::shared().unwrap();
        let fixtures = crate::sandbox::fixtures_for(contract).unwrap();
        let plan = plan(contract, &fixtures, "http://127.0.0.1:1/open-api", |_| 0);
        (contract, fixtures, plan)
    }

    fn seen<'a>(n: usize, step: &'a Step, plain: &'a Value, code: &'a str) -> Seen<'a> {
        Seen {
            number: n,
            endpoint: &step.endpoint,
            conforming: true,
            encrypted: step.encrypt,
            plaintext: Some(plain),
            status: 200,
            code: Some(code),
            documented_rejection: code != SUCCESS,
        }
    }

    #[test]
    fn the_plan_has_every_kind_of_task() {
        let (_, _, plan) = setup();
        let ids: Vec<&str> = plan.tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "deduction-info",
                "card-info",
                "bank-account-valid",
                "card-info-encrypted",
                "decrypt-answer",
                "documented-error"
            ]
        );
        let json = serde_json::to_string(&plan).unwrap();
        assert!(json.contains("\"fromAnswer\":\"userId\""), "{json}");
        assert!(json.contains("002_003"), "{json}");
    }

    #[test]
    fn a_follow_up_proves_decryption_only_with_the_hidden_value_and_never_after_it_was_shown() {
        let (contract, fixtures, plan) = setup();
        let task = plan
            .tasks
            .iter()
            .find(|t| t.id == "decrypt-answer")
            .unwrap();
        let first = Value::Object(task.request.body.clone());
        let mut tracker = Tracker::new(&plan, &fixtures, contract);
        let user_id = tracker.secret_values["userId"].clone();
        let follow = task.follow_up.as_ref().unwrap();
        let (_, credits) = tracker.observe(&seen(1, &task.request, &first, SUCCESS), &[]);
        assert!(credits.is_empty());
        let wrong = serde_json::json!({"userId": 1});
        let (_, credits) = tracker.observe(&seen(2, follow, &wrong, SUCCESS), &[]);
        assert!(credits.is_empty());
        let right = serde_json::json!({ "userId": user_id });
        let (lines, credits) = tracker.observe(&seen(3, follow, &right, "901_001"), &[]);
        assert_eq!(credits[0].requirement, ids::JWE_DECRYPT, "{lines:?}");

        // Shown in the clear first: no proof.
        let mut tracker = Tracker::new(&plan, &fixtures, contract);
        let mut clear = task.request.clone();
        clear.encrypt = false;
        tracker.observe(&seen(1, &clear, &first, SUCCESS), &[]);
        tracker.observe(&seen(2, &task.request, &first, SUCCESS), &[]);
        let (_, credits) = tracker.observe(&seen(3, follow, &right, SUCCESS), &[]);
        assert!(credits.is_empty());
        let summary = tracker.summary();
        let (_, done, why) = summary
            .iter()
            .find(|(id, ..)| id == "decrypt-answer")
            .unwrap();
        assert!(!done && why.contains("in the clear"), "{why}");
    }

    #[test]
    fn a_rejected_request_resent_unchanged_breaks_error_handling_and_a_corrected_one_keeps_it() {
        let (contract, fixtures, plan) = setup();
        let task = plan
            .tasks
            .iter()
            .find(|t| t.id == "documented-error")
            .unwrap();
        let wrong = Value::Object(task.request.body.clone());
        let right = Value::Object(task.follow_up.as_ref().unwrap().body.clone());
        let mut tracker = Tracker::new(&plan, &fixtures, contract);
        tracker.observe(&seen(1, &task.request, &wrong, "002_003"), &[]);
        let (_, credits) = tracker.observe(&seen(2, &task.request, &wrong, "002_003"), &[]);
        assert!(credits[0].broken.is_some(), "{credits:?}");
        let follow = task.follow_up.as_ref().unwrap();
        let (lines, credits) = tracker.observe(&seen(3, follow, &right, SUCCESS), &[]);
        assert_eq!(credits[0].broken, None, "{credits:?}");
        assert!(
            lines.iter().any(|l| l.contains("documented-error: done")),
            "{lines:?}"
        );
    }
}
