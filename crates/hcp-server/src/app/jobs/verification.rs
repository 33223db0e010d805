//! The auditor's verification of the audit chain as a background job: `hcp_store::verify::verify` (the same walk
//! as `hcp audit verify`, against the checkpoint file) run on a task right after the request is committed. The
//! scheduler's tick runs queued verifications too, and those left `running` by a process that died.

use chrono::Duration;
use hcp_store::{audit, audit_key, audit_query, ms};
use serde_json::json;

use crate::app::state::AppState;

/// A run started longer ago than this (real clock) is taken to belong to a process that died.
pub const STALE_AFTER_MINUTES: i64 = 60;

/// Who writes the finish entry.
const ACTOR: &str = "系统";

/// Runs verification `id` on its own task.
pub fn spawn(state: AppState, id: i64) {
    tokio::spawn(async move {
        if let Err(err) = run(&state, id).await {
            tracing::error!(error = %err, id, "audit verification failed");
        }
    });
}

/// Runs what is waiting (called by the scheduler's tick); the number of runs it took.
pub async fn run_pending(state: &AppState) -> hcp_store::Result<usize> {
    let stale_before = ms(state.system_now() - Duration::minutes(STALE_AFTER_MINUTES));
    let ids = audit_query::runnable_verifications(&mut *state.store().reader().await?, stale_before).await?;
    let mut ran = 0;
    for id in ids {
        if run(state, id).await? {
            ran += 1;
        }
    }
    Ok(ran)
}

/// Claims and runs one verification; false when another task or process has it.
pub async fn run(state: &AppState, id: i64) -> hcp_store::Result<bool> {
    let stale_before = ms(state.system_now() - Duration::minutes(STALE_AFTER_MINUTES));
    {
        let mut tx = state.store().begin().await?;
        if !audit_query::claim_verification(&mut tx, id, ms(state.system_now()), stale_before).await? {
            return Ok(false);
        }
        tx.commit().await?;
    }
    let outcome = check(state).await;
    let (status, entries, clean, findings) = match outcome {
        Ok((entries, findings)) => ("done", entries, Some(findings.is_empty()), findings),
        Err(err) => ("failed", 0, None, vec![format!("校验未能完成：{err}")]),
    };
    let mut tx = state.store().begin().await?;
    audit_query::finish_verification(&mut tx, id, ms(state.system_now()), status, entries, clean, &findings).await?;
    let details = json!({"verification": id, "status": status, "entries": entries, "clean": clean,
        "findings": findings.len()});
    audit::append(
        &mut tx,
        state.now(),
        ACTOR,
        "audit.verification.finish",
        &format!("audit_verification:{id}"),
        &details,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The entries checked and the findings, worded as `hcp audit verify` prints them.
async fn check(state: &AppState) -> hcp_store::Result<(i64, Vec<String>)> {
    let keys = audit_key::installed()?;
    let (checkpoints, bad_lines) = audit::read_checkpoints(&state.config().data_dir, &keys)?;
    let report = audit::verify(state.store(), &keys, &checkpoints).await?;
    let mut findings: Vec<String> = bad_lines.into_iter().chain(report.findings).collect();
    if report.more > 0 {
        findings.push(format!("……另有 {} 处未列出", report.more));
    }
    Ok((report.entries, findings))
}
