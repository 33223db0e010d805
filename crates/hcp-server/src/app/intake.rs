//! Intake of evaluations and complaints from every channel. A bad review or complaint opens a ticket in the same
//! transaction; the response is sent only after the commit.
//!
//! Concurrent submissions are grouped: one writer task takes whatever is waiting (up to [`BATCH`]) and commits
//! it in one transaction, each submission in a savepoint of its own, so one fsync serves many citizens and one
//! bad submission cannot spoil the others.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::clock::shanghai;
use hcp_core::complaint::{NewComplaint, ReportKind};
use hcp_core::evaluation::{NewEvaluation, Target};
use hcp_core::lifecycle::TicketFacts;
use hcp_core::org::path_contains;
use hcp_core::ticket::TicketKind;
use hcp_store::crypto::{CODE_ALPHABET, DIGITS, DataKey, random_code};
use hcp_store::evaluations::InsertEvaluation;
use hcp_store::{AnyConnection, Store, StoreError, audit, complaints, evaluations, idempotency, ms, org, tickets};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

use crate::app::error::{AppError, ErrorCode};
use crate::app::lifecycle::{Rules, dispatch_at_intake};

/// Most submissions one transaction carries.
pub const BATCH: usize = 64;

/// What the citizen gets back: enough to follow the submission later without an account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Receipt {
    pub id: i64,
    pub tracking_code: String,
    /// Shown once; stored only as a keyed hash.
    pub query_password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<i64>,
}

/// Who submits: a citizen online, or a signed-in operator/registrar on a citizen's behalf.
#[derive(Debug, Clone)]
pub struct Submitter {
    pub user_id: Option<i64>,
    /// Audit actor name.
    pub actor: String,
    /// An operator's org path: complaints with an unknown target land there.
    pub scope_path: Option<String>,
    /// Keyed hash of the client address (fraud signals), never the address itself.
    pub client_index: Option<String>,
    /// The address itself, kept only in memory: an online submission from a window's own network is flagged.
    pub client_ip: Option<std::net::IpAddr>,
}

#[derive(Debug, Clone)]
pub enum Submission {
    Evaluation(NewEvaluation),
    Complaint(NewComplaint),
    /// A misconduct report (R4): stored like a complaint, handled by the bureau.
    Misconduct(ReportKind, NewComplaint),
}

#[derive(Debug)]
pub struct IntakeRequest {
    pub submission: Submission,
    pub submitter: Submitter,
    pub received_at: DateTime<Utc>,
    /// `Idempotency-Key` and the hash of the request it came with.
    pub idempotency: Option<(String, String)>,
    /// Row fingerprint of an imported file: the same row imported twice lands once.
    pub import_ref: Option<String>,
    /// Calendar and policy for dispatching the ticket at once.
    pub rules: Rules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(Receipt),
    /// A retry of an earlier request: its original response.
    Replayed(Receipt),
    /// An imported row that is already in the database.
    AlreadyImported,
}

/// A tracking code people can read out on the phone: prefix E (evaluation) or C (complaint) and 11 characters
/// without look-alikes.
fn new_tracking(prefix: char) -> (String, String) {
    (format!("{prefix}{}", random_code(11, CODE_ALPHABET)), random_code(6, DIGITS))
}

/// The keyed hash under which a query password is kept (HMAC, so a stolen database does not reveal it).
pub fn query_secret(key: &DataKey, tracking_code: &str, password: &str) -> String {
    key.blind_index(&format!("query:{tracking_code}:{password}"))
}

/// What an evaluation is attributed to, once its case or window is resolved.
pub(crate) struct Attributed<'a> {
    pub case: Option<&'a org::Case>,
    pub staff_id: Option<i64>,
    pub place: &'a org::Placement,
    pub first_evaluation_id: Option<i64>,
}

/// The row of a new evaluation, with a fresh tracking code, and its query password (shown once, kept as HMAC):
/// evaluator identity sealed, contact blind-indexed.
pub(crate) fn evaluation_record(
    key: &DataKey,
    e: &NewEvaluation,
    at: &Attributed<'_>,
    submitter: &Submitter,
    received_at: DateTime<Utc>,
    import_ref: Option<&str>,
) -> (InsertEvaluation, String) {
    let (tracking_code, query_password) = new_tracking('E');
    let evaluator = e.evaluator.as_ref();
    let seal = |value: Option<&String>, context: &str| value.map(|v| key.encrypt(v, context));
    let record = InsertEvaluation {
        query_secret: query_secret(key, &tracking_code, &query_password),
        tracking_code,
        channel: e.channel.code().to_owned(),
        case_id: at.case.map(|c| c.id),
        item_id: at.case.map(|c| c.item_id),
        window_id: at.place.window_id,
        staff_id: at.staff_id,
        department_id: at.place.department_id,
        org_unit_id: at.place.org_unit_id,
        org_path: at.place.org_path.clone(),
        level: e.level.code(),
        tags: e.tags.iter().map(u16::to_string).collect::<Vec<_>>().join(","),
        comment: e.comment.clone(),
        evaluator_kind: evaluator.map(|v| v.kind.code().to_owned()),
        evaluator_name: seal(evaluator.and_then(|v| v.name.as_ref()), "evaluator.name"),
        evaluator_phone: seal(evaluator.and_then(|v| v.phone.as_ref()), "evaluator.phone"),
        evaluator_id_no: seal(evaluator.and_then(|v| v.id_no.as_ref()), "evaluator.id_no"),
        key_id: evaluator.map(|_| key.key_id().to_owned()),
        phone_index: evaluator.and_then(|v| v.phone.as_deref()).map(|p| key.blind_index(p)),
        client_index: submitter.client_index.clone(),
        follow_up: e.follow_up,
        first_evaluation_id: at.first_evaluation_id,
        evaluated_at: ms(e.evaluated_at.unwrap_or(received_at)),
        received_at: ms(received_at),
        registered_by: submitter.user_id,
        import_ref: import_ref.map(str::to_owned),
    };
    (record, query_password)
}

/// Records one evaluation (and its ticket) on `conn`, which is inside a transaction.
pub async fn record_evaluation(
    conn: &mut AnyConnection,
    key: &DataKey,
    rules: &Rules,
    e: &NewEvaluation,
    submitter: &Submitter,
    received_at: DateTime<Utc>,
    import_ref: Option<&str>,
) -> Result<Receipt, AppError> {
    // Attribution (谁办理、谁负责): a case brings its window and staff; otherwise the window (and staff) named.
    let (case, window, staff_id) = match &e.target {
        Target::Case { case_no, window_code, staff_no } => {
            let case = org::case_by_no(conn, case_no.as_str())
                .await?
                .ok_or_else(|| AppError::invalid_field("case_no", format!("办件编号“{}”不存在", case_no.as_str())))?;
            let window = org::window_by_id(conn, case.window_id)
                .await?
                .ok_or_else(|| AppError::internal("case without window"))?;
            if let Some(code) = window_code
                && code.as_str() != window.code
            {
                return Err(AppError::invalid_field("window_code", "窗口编号与办件的受理窗口不一致"));
            }
            if let Some(staff_no) = staff_no {
                let staff = org::staff_by_no(conn, staff_no.as_str()).await?;
                if staff.map(|s| s.id) != case.staff_id {
                    return Err(AppError::invalid_field("staff_no", "工号与办件的经办人不一致"));
                }
            }
            let staff_id = case.staff_id;
            (Some(case), window, staff_id)
        }
        Target::Window { window_code, staff_no } => {
            let window = org::window_by_code(conn, window_code.as_str()).await?.ok_or_else(|| {
                AppError::invalid_field("window_code", format!("窗口编号“{}”不存在", window_code.as_str()))
            })?;
            let staff_id = match staff_no {
                None => None,
                Some(staff_no) => {
                    let staff = org::staff_by_no(conn, staff_no.as_str()).await?.ok_or_else(|| {
                        AppError::invalid_field("staff_no", format!("工号“{}”不存在", staff_no.as_str()))
                    })?;
                    if staff.window_id != Some(window.id) {
                        return Err(AppError::invalid_field("staff_no", "该工作人员不在此窗口"));
                    }
                    Some(staff.id)
                }
            };
            (None, window, staff_id)
        }
    };
    let place =
        org::placement(conn, window.id).await?.ok_or_else(|| AppError::internal("window without department"))?;

    let evaluated_at = e.evaluated_at.unwrap_or(received_at);
    let mut first_evaluation_id = None;
    if let Some(case) = &case {
        let accepted_on = hcp_store::from_ms(case.accepted_at).with_timezone(&shanghai()).date_naive();
        if evaluated_at.with_timezone(&shanghai()).date_naive() < accepted_on {
            return Err(AppError::invalid_field("evaluated_at", "评价日期早于办件受理日期"));
        }
        let (first, has_follow_up) = evaluations::of_case(conn, case.id).await?;
        if e.follow_up {
            match (first, has_follow_up) {
                (None, _) => return Err(AppError::invalid_field("follow_up", "该办件尚未评价，不能追评")),
                (Some(_), true) => return Err(already_followed_up()),
                (Some(id), false) => first_evaluation_id = Some(id),
            }
        } else if first.is_some() {
            return Err(already_evaluated());
        }
    }

    let attributed = Attributed { case: case.as_ref(), staff_id, place: &place, first_evaluation_id };
    let (record, query_password) = evaluation_record(key, e, &attributed, submitter, received_at, import_ref);
    let tracking_code = record.tracking_code.clone();
    let id = match evaluations::insert(conn, &record).await {
        Ok(id) => id,
        // Lost a race with a concurrent first evaluation of the same case (another process).
        Err(StoreError::Conflict(_)) if e.follow_up => return Err(already_followed_up()),
        Err(StoreError::Conflict(_)) => return Err(already_evaluated()),
        Err(other) => return Err(other.into()),
    };
    let now = received_at;
    audit::append(
        conn,
        now,
        &submitter.actor,
        "evaluation.create",
        &format!("evaluation:{id}"),
        &serde_json::json!({
            "channel": e.channel.code(), "level": e.level.code(), "window": window.code,
            "case": case.as_ref().map(|c| c.case_no.clone()), "follow_up": e.follow_up,
            "import_ref": import_ref,
        }),
    )
    .await?;
    check_integrity(conn, rules, id, &record, &e.comment, submitter, received_at).await?;
    // Counted at once; every later change to it or its ticket applies its difference.
    crate::app::stats::settle(conn, id, None).await?;

    let ticket_id = if e.level.is_bad() {
        let attribution = tickets::Attribution {
            org_unit_id: Some(place.org_unit_id),
            department_id: Some(place.department_id),
            window_id: Some(window.id),
            staff_id,
            org_path: place.org_path,
        };
        let registered = TicketFacts::registered();
        let counted = crate::app::stats::of_evaluation(conn, id).await?;
        let ticket =
            tickets::insert(conn, TicketKind::BadReview, Some(id), None, &attribution, &registered, ms(now)).await?;
        crate::app::stats::settle(conn, id, counted).await?;
        audit::append(
            conn,
            now,
            &submitter.actor,
            "ticket.create",
            &format!("ticket:{ticket}"),
            &serde_json::json!({"kind": "bad_review", "evaluation": id, "state": "registered"}),
        )
        .await?;
        // The evaluated window is known: the ticket reaches it at once (R3: 差评必须第一时间转交).
        dispatch_at_intake(conn, rules, &submitter.actor, ticket, now).await?;
        Some(ticket)
    } else {
        None
    };

    Ok(Receipt { id, tracking_code, query_password, ticket_id })
}

/// The cheap integrity rules (DESIGN §5) on a new evaluation, in its transaction: a few indexed look-ups, and a
/// flag for a supervisor when a rule fires. The evaluation itself is taken either way.
async fn check_integrity(
    conn: &mut AnyConnection,
    rules: &Rules,
    id: i64,
    record: &InsertEvaluation,
    comment: &str,
    submitter: &Submitter,
    received_at: DateTime<Utc>,
) -> Result<(), AppError> {
    let config = &rules.integrity;
    if !config.enabled {
        return Ok(());
    }
    let since = ms(received_at - chrono::Duration::minutes(i64::from(config.burst_minutes)));
    let same_contact = match &record.phone_index {
        Some(phone) => hcp_store::integrity::recent_same_contact(conn, phone, since, id).await?,
        None => Vec::new(),
    };
    // An operator's address is the hall's, not the citizen's, and the hall's evaluation pads and terminals serve
    // everyone: only citizens' own devices count.
    let shared_device = matches!(record.channel.as_str(), "hall_tablet" | "hall_terminal");
    let same_client = match (&submitter.user_id, &record.client_index) {
        (None, Some(client)) if !shared_device => {
            hcp_store::integrity::recent_same_client(conn, client, since, id).await?
        }
        _ => Vec::new(),
    };
    let online_ip = submitter.client_ip.filter(|_| submitter.user_id.is_none());
    let networks = match online_ip {
        Some(_) => hcp_store::integrity::window_networks(conn, record.window_id).await?,
        None => Vec::new(),
    };
    let facts = hcp_core::integrity::IntakeFacts {
        same_contact: &same_contact,
        same_client: &same_client,
        client_ip: online_ip,
        window_networks: &networks,
        comment,
    };
    for signal in hcp_core::integrity::intake_signals(config, &facts) {
        let flag = hcp_store::integrity::NewFlag {
            evaluation_id: id,
            rule: signal.rule.code(),
            evidence: &signal.evidence,
            org_path: &record.org_path,
            department_id: Some(record.department_id),
            window_id: Some(record.window_id),
            staff_id: record.staff_id,
            created_at_ms: ms(received_at),
        };
        if let Some(flag_id) = hcp_store::integrity::raise(conn, &flag).await? {
            audit::append(
                conn,
                received_at,
                "系统",
                "fraud_flag.raise",
                &format!("evaluation:{id}"),
                &serde_json::json!({"flag": flag_id, "rule": signal.rule.code(), "evidence": signal.evidence}),
            )
            .await?;
        }
    }
    Ok(())
}

fn already_evaluated() -> AppError {
    AppError::new(ErrorCode::AlreadyEvaluated, "该办件已评价（一事一评），如需补充请使用追评")
}

fn already_followed_up() -> AppError {
    AppError::new(ErrorCode::FollowUpExists, "该办件已追评过一次，不能再次追评")
}

/// Records one complaint and its ticket. The target is resolved as far as it is known; the most specific part
/// given (staff → window → department → org unit) decides the rest, and contradictions are refused.
pub async fn record_complaint(
    conn: &mut AnyConnection,
    key: &DataKey,
    rules: &Rules,
    c: &NewComplaint,
    report: Option<ReportKind>,
    submitter: &Submitter,
    received_at: DateTime<Utc>,
) -> Result<Receipt, AppError> {
    let mut errors = FieldErrors::new();
    let staff = match &c.staff_no {
        Some(no) => org::staff_by_no(conn, no.as_str()).await?.or_else(|| {
            errors.add("staff_no", format!("工号“{}”不存在", no.as_str()));
            None
        }),
        None => None,
    };
    let mut window = match &c.window_code {
        Some(code) => org::window_by_code(conn, code.as_str()).await?.or_else(|| {
            errors.add("window_code", format!("窗口编号“{}”不存在", code.as_str()));
            None
        }),
        None => None,
    };
    let mut department = match &c.department_code {
        Some(code) => org::department_by_code(conn, code.as_str()).await?.or_else(|| {
            errors.add("department_code", format!("部门编码“{}”不存在", code.as_str()));
            None
        }),
        None => None,
    };
    let mut unit = match &c.org_code {
        Some(code) => org::org_unit_by_code(conn, code.as_str()).await?.or_else(|| {
            errors.add("org_code", format!("机构编码“{}”不存在", code.as_str()));
            None
        }),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    if let Some(staff) = &staff {
        match (&window, staff.window_id) {
            (Some(w), Some(sw)) if w.id != sw => {
                return Err(AppError::invalid_field("staff_no", "该工作人员不在所填窗口"));
            }
            (None, Some(sw)) => window = org::window_by_id(conn, sw).await?,
            _ => {}
        }
    }
    if let Some(w) = &window {
        match &department {
            Some(d) if d.id != w.department_id => {
                return Err(AppError::invalid_field("window_code", "窗口不属于所填部门"));
            }
            None => department = org::department_by_id(conn, w.department_id).await?,
            _ => {}
        }
    }
    if let Some(d) = &department {
        match &unit {
            Some(u) if u.id != d.org_unit_id => {
                return Err(AppError::invalid_field("department_code", "部门不在所填机构"));
            }
            None => unit = org::org_unit_by_id(conn, d.org_unit_id).await?,
            _ => {}
        }
    }
    // Unknown target: the operator's part of the tree, or the jurisdiction's root for online complaints.
    let org_path = match &unit {
        Some(u) => u.path.clone(),
        None => match &submitter.scope_path {
            Some(path) => path.clone(),
            None => crate::app::auth::root_scope(conn)
                .await?
                .and_then(|s| match s {
                    hcp_core::role::Scope::OrgUnit { path, .. } => Some(path),
                    _ => None,
                })
                .ok_or_else(|| AppError::invalid_field("org_code", "系统尚未设置组织机构，无法受理投诉"))?,
        },
    };
    if let (Some(scope), Some(u)) = (&submitter.scope_path, &unit)
        && !path_contains(scope, &u.path)
        && !path_contains(&u.path, scope)
    {
        return Err(AppError::invalid_field("org_code", "投诉对象不在您的受理范围内"));
    }

    let (tracking_code, query_password) = new_tracking(if report.is_some() { 'M' } else { 'C' });
    let contact = c.contact.as_ref();
    let record = complaints::InsertComplaint {
        query_secret: query_secret(key, &tracking_code, &query_password),
        tracking_code: tracking_code.clone(),
        channel: c.channel.code().to_owned(),
        org_unit_id: unit.as_ref().map(|u| u.id),
        department_id: department.as_ref().map(|d| d.id),
        window_id: window.as_ref().map(|w| w.id),
        staff_id: staff.as_ref().map(|s| s.id),
        org_path: org_path.clone(),
        content: c.content.clone(),
        contact_name: contact.and_then(|v| v.name.as_ref()).map(|v| key.encrypt(v, "contact.name")),
        contact_phone: contact.and_then(|v| v.phone.as_ref()).map(|v| key.encrypt(v, "contact.phone")),
        key_id: contact.map(|_| key.key_id().to_owned()),
        phone_index: contact.and_then(|v| v.phone.as_deref()).map(|p| key.blind_index(p)),
        received_at: ms(received_at),
        registered_by: submitter.user_id,
        report_kind: report.map(|k| k.code().to_owned()),
    };
    let id = complaints::insert(conn, &record).await?;
    audit::append(
        conn,
        received_at,
        &submitter.actor,
        if report.is_some() { "misconduct_report.create" } else { "complaint.create" },
        &format!("complaint:{id}"),
        &serde_json::json!({"channel": c.channel.code(), "window": window.as_ref().map(|w| w.code.clone()),
            "report_kind": report.map(|k| k.code())}),
    )
    .await?;
    let attribution = tickets::Attribution {
        org_unit_id: unit.as_ref().map(|u| u.id),
        department_id: department.as_ref().map(|d| d.id),
        window_id: window.as_ref().map(|w| w.id),
        staff_id: staff.as_ref().map(|s| s.id),
        org_path,
    };
    let kind = if report.is_some() { TicketKind::Misconduct } else { TicketKind::Complaint };
    let registered = TicketFacts::registered();
    let ticket = tickets::insert(conn, kind, None, Some(id), &attribution, &registered, ms(received_at)).await?;
    audit::append(
        conn,
        received_at,
        &submitter.actor,
        "ticket.create",
        &format!("ticket:{ticket}"),
        &serde_json::json!({"kind": kind.code(), "complaint": id, "state": "registered"}),
    )
    .await?;
    // A known window gets the complaint at once; reports go straight to the bureau. The rest wait for a
    // supervisor or hotline operator to dispatch them.
    if report.is_some() || attribution.window_id.is_some() {
        dispatch_at_intake(conn, rules, &submitter.actor, ticket, received_at).await?;
    }
    Ok(Receipt { id, tracking_code, query_password, ticket_id: Some(ticket) })
}

/// One submission inside the caller's transaction, with idempotency and import de-duplication.
pub async fn process(conn: &mut AnyConnection, key: &DataKey, req: &IntakeRequest) -> Result<Outcome, AppError> {
    if let Some((idem_key, request_hash)) = &req.idempotency
        && let Some(stored) = idempotency::get(conn, idem_key).await?
    {
        if &stored.request_hash != request_hash {
            return Err(AppError::new(ErrorCode::IdempotencyKeyReused, "该 Idempotency-Key 已用于另一内容不同的请求"));
        }
        let body = key.decrypt(&stored.key_id, &stored.response, "idempotency.response")?;
        let receipt: Receipt = serde_json::from_str(&body).map_err(AppError::internal)?;
        return Ok(Outcome::Replayed(receipt));
    }
    if let Some(import_ref) = &req.import_ref
        && evaluations::import_ref_exists(conn, import_ref).await?
    {
        return Ok(Outcome::AlreadyImported);
    }
    let receipt = match &req.submission {
        Submission::Evaluation(e) => {
            record_evaluation(conn, key, &req.rules, e, &req.submitter, req.received_at, req.import_ref.as_deref())
                .await?
        }
        Submission::Complaint(c) => {
            record_complaint(conn, key, &req.rules, c, None, &req.submitter, req.received_at).await?
        }
        Submission::Misconduct(kind, c) => {
            record_complaint(conn, key, &req.rules, c, Some(*kind), &req.submitter, req.received_at).await?
        }
    };
    if let Some((idem_key, request_hash)) = &req.idempotency {
        let body = serde_json::to_string(&receipt).expect("receipt serialises");
        let stored = idempotency::Stored {
            request_hash: request_hash.clone(),
            status: 201,
            response: key.encrypt(&body, "idempotency.response"),
            key_id: key.key_id().to_owned(),
        };
        idempotency::put(conn, idem_key, &stored, req.received_at).await.map_err(|e| match e {
            // Another process stored the same key first; the client will get that answer on its retry.
            StoreError::Database(db) if hcp_store::is_unique_violation(&db) => {
                AppError::new(ErrorCode::IdempotencyInProgress, "相同的请求正在处理，请稍后重试")
            }
            other => other.into(),
        })?;
    }
    Ok(Outcome::Created(receipt))
}

struct Job {
    request: IntakeRequest,
    reply: oneshot::Sender<Result<Outcome, AppError>>,
}

/// Handle to the group-commit writer task.
#[derive(Clone)]
pub struct IntakeWriter {
    sender: Arc<tokio::sync::Mutex<Option<mpsc::Sender<Job>>>>,
    done: Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl IntakeWriter {
    pub fn start(store: Store, key: DataKey) -> IntakeWriter {
        let (sender, receiver) = mpsc::channel(BATCH * 16);
        let handle = tokio::spawn(run_writer(store, key, receiver));
        IntakeWriter {
            sender: Arc::new(tokio::sync::Mutex::new(Some(sender))),
            done: Arc::new(tokio::sync::Mutex::new(Some(handle))),
        }
    }

    /// Submits and waits for the commit.
    pub async fn submit(&self, request: IntakeRequest) -> Result<Outcome, AppError> {
        let sender = self.sender.lock().await.clone().ok_or_else(AppError::unavailable)?;
        let (reply, answer) = oneshot::channel();
        sender.send(Job { request, reply }).await.map_err(|_| AppError::unavailable())?;
        answer.await.map_err(|_| AppError::unavailable())?
    }

    /// Lets queued submissions finish, then stops the writer.
    pub async fn stop(&self) {
        self.sender.lock().await.take();
        if let Some(handle) = self.done.lock().await.take() {
            let _ = handle.await;
        }
    }
}

async fn run_writer(store: Store, key: DataKey, mut receiver: mpsc::Receiver<Job>) {
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = commit_batch(&store, &key, &batch).await;
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

async fn commit_batch(store: &Store, key: &DataKey, batch: &[Job]) -> Vec<Result<Outcome, AppError>> {
    use hcp_store::sqlx::Connection;
    let attempt = async {
        let mut tx = store.begin().await?;
        let mut results = Vec::with_capacity(batch.len());
        for job in batch {
            let mut savepoint = tx.begin().await?;
            let result = process(&mut savepoint, key, &job.request).await;
            if result.is_ok() {
                savepoint.commit().await?;
            } else {
                savepoint.rollback().await?;
            }
            results.push(result);
        }
        tx.commit().await?;
        Ok::<_, StoreError>(results)
    };
    match attempt.await {
        Ok(results) => results,
        Err(err) => {
            tracing::error!(error = %err, size = batch.len(), "intake batch failed");
            batch.iter().map(|_| Err(AppError::internal(format!("intake batch: {err}")))).collect()
        }
    }
}
