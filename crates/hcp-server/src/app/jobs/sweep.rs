//! The periodic sweep of the window-based integrity rules (near-identical wording, serial bad reviewers, praise
//! out of proportion to a staff member's case volume) over the last `sweep_days`. Flags are keyed by (evaluation, rule), so a repeated sweep, or one in another process,
//! raises nothing twice.

use chrono::{DateTime, Duration, Utc};
use hcp_core::integrity::{StaffDay, SweepItem, disproportionate_praise, praise_signal, sweep_signals};
use hcp_store::{audit, integrity, ms};

use crate::app::state::AppState;

/// Runs the sweep at `now`; returns how many new flags it raised.
pub async fn run(state: &AppState, now: DateTime<Utc>) -> hcp_store::Result<usize> {
    let config = state.tunables().integrity.clone();
    if !config.enabled {
        return Ok(0);
    }
    let since = ms(now - Duration::days(i64::from(config.sweep_days)));
    let rows = integrity::sweep_rows(&mut *state.store().reader().await?, since).await?;
    let items: Vec<SweepItem> = rows
        .iter()
        .map(|r| SweepItem {
            id: r.id,
            window_id: r.window_id,
            level: r.level.code(),
            comment: r.comment.clone(),
            contact: r.phone_index.clone(),
        })
        .collect();
    let mut signals = sweep_signals(&config, &items);
    let mut rows = rows;
    // Praise is weighed against case volume per staff member and day, from the aggregate; only the days that
    // fire are read in detail.
    let since_day = hcp_store::stats::day_of(since)?;
    let days: Vec<StaffDay> = integrity::staff_days(&mut *state.store().reader().await?, &since_day)
        .await?
        .into_iter()
        .map(|(staff_id, day, praises, cases)| StaffDay { staff_id, day, praises, cases })
        .collect();
    for day in disproportionate_praise(&config, &days) {
        let Some((from, to)) = day_bounds(&day.day) else { continue };
        let praises = integrity::praise_rows(&mut *state.store().reader().await?, day.staff_id, from, to).await?;
        let ids: Vec<i64> = praises.iter().map(|r| r.id).collect();
        let signal = praise_signal(&config, day, &ids);
        signals.extend(ids.iter().map(|id| (*id, signal.clone())));
        rows.extend(praises);
    }
    if signals.is_empty() {
        return Ok(0);
    }
    let by_id: std::collections::HashMap<i64, &integrity::SweepRow> = rows.iter().map(|r| (r.id, r)).collect();
    let mut raised = 0;
    let mut tx = state.store().begin().await?;
    for (id, signal) in signals {
        let Some(row) = by_id.get(&id) else { continue };
        let flag = integrity::NewFlag {
            evaluation_id: id,
            rule: signal.rule,
            evidence: &signal.evidence,
            org_path: &row.org_path,
            department_id: Some(row.department_id),
            window_id: Some(row.window_id),
            staff_id: row.staff_id,
            created_at_ms: ms(now),
        };
        if let Some(flag_id) = integrity::raise(&mut tx, &flag).await? {
            audit::append(
                &mut tx,
                now,
                "系统",
                "fraud_flag.raise",
                &format!("evaluation:{id}"),
                &serde_json::json!({"flag": flag_id, "rule": signal.rule.code(), "evidence": signal.evidence}),
            )
            .await?;
            raised += 1;
        }
    }
    tx.commit().await?;
    Ok(raised)
}

/// [start, end) of a local (UTC+8) day, in ms.
fn day_bounds(day: &str) -> Option<(i64, i64)> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let start = date.and_hms_opt(0, 0, 0)?.and_local_timezone(hcp_core::clock::shanghai()).single()?;
    Some((ms(start.with_timezone(&Utc)), ms((start + Duration::days(1)).with_timezone(&Utc))))
}
