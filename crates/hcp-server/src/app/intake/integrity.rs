//! The cheap integrity rules at intake (DESIGN §5).

use chrono::{DateTime, Utc};
use hcp_core::channel::Channel;
use hcp_store::evaluations::InsertEvaluation;
use hcp_store::{AnyConnection, audit, ms};

use super::Submitter;
use crate::app::error::AppError;
use crate::app::tickets::lifecycle::Rules;

/// The cheap integrity rules (DESIGN §5) on a new evaluation, in its transaction: a few indexed look-ups, and a
/// flag for a supervisor when a rule fires. The evaluation itself is taken either way.
pub(super) async fn check(
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
    let shared_device = matches!(record.channel, Channel::HallTablet | Channel::HallTerminal);
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
            rule: signal.rule,
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
