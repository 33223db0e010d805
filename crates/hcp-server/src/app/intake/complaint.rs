//! A complaint or misconduct report at intake: its target resolved as far as it is known, stored with the
//! contact sealed, and given a ticket (dispatched at once when the window is known; reports go to the bureau).

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::complaint::{NewComplaint, ReportKind};
use hcp_core::lifecycle::TicketFacts;
use hcp_core::org::path_contains;
use hcp_core::ticket::TicketKind;
use hcp_store::crypto::DataKey;
use hcp_store::{AnyConnection, audit, complaints, ms, org, tickets};

use super::{Receipt, Submitter, new_tracking, query_secret};
use crate::app::error::AppError;
use crate::app::tickets::lifecycle::{Rules, dispatch_at_intake};

/// Records one complaint and its ticket. The target is resolved as far as it is known; the most specific part
/// given (staff → window → department → org unit) decides the rest, and contradictions are refused.
pub async fn record(
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
    if staff.as_ref().is_some_and(|s| s.deactivated_at.is_some()) {
        errors.add("staff_no", "该工作人员已不在岗，请改填其所在窗口或部门");
    }
    if window.as_ref().is_some_and(|w| w.deactivated_at.is_some()) {
        errors.add("window_code", "该窗口已停用，请改填其所属部门");
    }
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
        channel: c.channel,
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
        report_kind: report,
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
        dispatch_at_intake(conn, rules, submitter, ticket, received_at).await?;
    }
    Ok(Receipt { id, tracking_code, query_password, ticket_id: Some(ticket) })
}
