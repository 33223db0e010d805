//! An evaluation at intake: attributed to its case or window (谁办理、谁负责), refused where it contradicts what
//! is known (一事一评, the follow-up rule), stored with the evaluator's identity sealed, checked by the cheap
//! integrity rules, counted, and — for a bad review — given a ticket that reaches the window at once.

use chrono::{DateTime, Utc};
use hcp_core::clock::shanghai;
use hcp_core::evaluation::{NewEvaluation, Target};
use hcp_core::lifecycle::TicketFacts;
use hcp_core::tags::TagList;
use hcp_core::ticket::TicketKind;
use hcp_store::crypto::DataKey;
use hcp_store::evaluations::InsertEvaluation;
use hcp_store::{AnyConnection, StoreError, audit, evaluations, ms, org, tickets};

use super::{Receipt, Submitter, integrity, new_tracking, query_secret};
use crate::app::error::{AppError, ErrorCode};
use crate::app::tickets::lifecycle::{Rules, dispatch_at_intake};

/// What an evaluation is attributed to, once its case or window is resolved.
pub struct Attributed<'a> {
    pub case: Option<&'a org::Case>,
    pub staff_id: Option<i64>,
    pub place: &'a org::Placement,
    pub first_evaluation_id: Option<i64>,
}

/// The row of a new evaluation, with a fresh tracking code, and its query password (shown once, kept as HMAC):
/// evaluator identity sealed, contact blind-indexed.
pub fn evaluation_record(
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
        channel: e.channel,
        case_id: at.case.map(|c| c.id),
        item_id: at.case.map(|c| c.item_id),
        window_id: at.place.window_id,
        staff_id: at.staff_id,
        department_id: at.place.department_id,
        org_unit_id: at.place.org_unit_id,
        org_path: at.place.org_path.clone(),
        level: e.level,
        tags: TagList(e.tags.clone()),
        comment: e.comment.clone(),
        evaluator_kind: evaluator.map(|v| v.kind),
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
pub async fn record(
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
            if window.deactivated_at.is_some() {
                // 409: the window exists but takes no new evaluations; the message says where to go instead.
                return Err(AppError::new(ErrorCode::Conflict, crate::app::org::closed_notice(conn, &window).await?));
            }
            let staff_id = match staff_no {
                None => None,
                Some(staff_no) => {
                    let staff = org::staff_by_no(conn, staff_no.as_str()).await?.ok_or_else(|| {
                        AppError::invalid_field("staff_no", format!("工号“{}”不存在", staff_no.as_str()))
                    })?;
                    if staff.deactivated_at.is_some() {
                        return Err(AppError::invalid_field("staff_no", "该工作人员已不在岗，请选择其他工作人员"));
                    }
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
        let accepted_on = hcp_store::from_ms(case.accepted_at)?.with_timezone(&shanghai()).date_naive();
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
    integrity::check(conn, rules, id, &record, &e.comment, submitter, received_at).await?;

    let ticket_id = if e.level.is_bad() {
        let attribution = tickets::Attribution {
            org_unit_id: Some(place.org_unit_id),
            department_id: Some(place.department_id),
            window_id: Some(window.id),
            staff_id,
            org_path: place.org_path,
        };
        let registered = TicketFacts::registered();
        let ticket =
            tickets::insert(conn, TicketKind::BadReview, Some(id), None, &attribution, &registered, ms(now)).await?;
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
        dispatch_at_intake(conn, rules, submitter, ticket, now).await?;
        Some(ticket)
    } else {
        None
    };
    // Counted once, as it stands with its ticket; every later change applies its difference.
    crate::app::stats::settle(conn, id, None).await?;
    Ok(Receipt { id, tracking_code, query_password, ticket_id })
}

fn already_evaluated() -> AppError {
    AppError::new(ErrorCode::AlreadyEvaluated, "该办件已评价（一事一评），如需补充请使用追评")
}

fn already_followed_up() -> AppError {
    AppError::new(ErrorCode::FollowUpExists, "该办件已追评过一次，不能再次追评")
}
