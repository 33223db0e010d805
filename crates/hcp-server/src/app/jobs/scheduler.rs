//! The deadline scheduler: marks tickets past a deadline overdue and escalates them to the bureau, and reminds
//! the responsible people one working day before. Each run looks at the tickets as they are, so a run after
//! downtime catches up on everything missed; each alert is claimed through a unique row, so several `hcp serve`
//! processes on one PostgreSQL database raise it exactly once between them.

use chrono::{DateTime, Duration, Utc};
use hcp_core::calendar::Deadline;
use hcp_core::lifecycle::{DeadlineKind, reminder_due};
use hcp_core::role::Role;
use hcp_store::{StoreError, audit, ms, tickets, users};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::jobs::notify::{self, Notice};
use crate::app::state::AppState;
use crate::app::tickets::lifecycle::Rules;

/// What one run did.
#[derive(Debug, Default, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct TickReport {
    /// Deadlines found missed and escalated by this run.
    pub overdue: usize,
    pub reminders: usize,
    /// The calendar had been changed elsewhere and was reloaded.
    pub calendar_reloaded: bool,
    /// New integrity flags from the hourly sweep (when it ran in this run).
    pub flags: usize,
    /// Supervision orders found past their deadline without a report, escalated.
    pub overdue_orders: usize,
    /// Audit verifications run by this tick (queued ones, and ones a dead process left running).
    pub verifications: usize,
}

/// The longest run of days off in the official calendar is 9 (Spring Festival with weekends); a deadline
/// further away than this cannot be within one working day.
const HORIZON_DAYS: i64 = 15;

const ACTOR: &str = "系统调度";

#[derive(Clone, Copy)]
enum Alert {
    Overdue,
    Reminder,
}

impl Alert {
    fn code(self) -> &'static str {
        match self {
            Alert::Overdue => "overdue",
            Alert::Reminder => "reminder",
        }
    }
}

pub async fn tick(state: &AppState) -> hcp_store::Result<TickReport> {
    let mut report = TickReport { calendar_reloaded: state.refresh_calendar().await?, ..Default::default() };
    // Settings saved by another process's administrator page take effect here at the next run.
    state.reload_tunables().await?;
    let rules = state.rules();
    let now = state.now();
    let mut reader = state.store().reader().await?;
    let candidates = tickets::with_deadline_before(&mut reader, ms(now + Duration::days(HORIZON_DAYS))).await?;
    for ticket in candidates {
        for (kind, deadline) in ticket.facts.pending_deadlines() {
            let alert = if deadline.at < now {
                Alert::Overdue
            } else if reminder_due(&deadline, now, &rules.calendar) {
                Alert::Reminder
            } else {
                continue;
            };
            // Most candidates were alerted by an earlier run: a read settles it without taking the write lock.
            if tickets::alert_raised(&mut reader, ticket.id, alert.code(), kind, ms(deadline.at)).await? {
                continue;
            }
            if raise(state, &rules, ticket.id, kind, deadline, alert, now).await? {
                match alert {
                    Alert::Overdue => report.overdue += 1,
                    Alert::Reminder => report.reminders += 1,
                }
            }
        }
    }
    report.overdue_orders = overdue_orders(state, &rules, now).await?;
    if state.sweep_due(now) {
        report.flags = crate::app::jobs::sweep::run(state, now).await?;
    }
    purge(state, now).await?;
    // Refused reads and anonymous refusals of each closed hour: one audit entry per subject and hour.
    crate::app::refusals::write_closed_hours(state).await?;
    report.verifications = crate::app::jobs::verification::run_pending(state).await?;
    crate::app::jobs::checkpoint::write_if_moved(state, now).await?;
    if report.overdue + report.reminders > 0 {
        state.wake_delivery();
    }
    Ok(report)
}

/// Raises one alert in its own transaction; false when another run (or process) already did, or the ticket
/// moved on since it was read.
async fn raise(
    state: &AppState,
    rules: &Rules,
    ticket_id: i64,
    kind: DeadlineKind,
    deadline: Deadline,
    alert: Alert,
    now: DateTime<Utc>,
) -> hcp_store::Result<bool> {
    let mut tx = state.store().begin().await?;
    let Some(ticket) = tickets::load(&mut tx, ticket_id, None).await? else { return Ok(false) };
    if !ticket.facts.pending_deadlines().contains(&(kind, deadline)) {
        return Ok(false);
    }
    if !tickets::claim_alert(&mut tx, ticket_id, alert.code(), kind, ms(deadline.at), ms(now)).await? {
        return Ok(false);
    }
    let a = &ticket.attribution;
    // The bureau owns review deadlines and misconduct reports; the window owns the rest.
    let bureau_owned = kind == DeadlineKind::Review || ticket.kind == hcp_core::ticket::TicketKind::Misconduct;
    let mut to = if bureau_owned {
        users::over_path(&mut tx, Role::Supervisor, &a.org_path).await?
    } else {
        users::responsible(&mut tx, a.department_id, a.window_id, a.staff_id).await?
    };
    let when = deadline.local().format("%Y年%m月%d日 %H:%M");
    let details = json!({"deadline_kind": kind.code(), "deadline": deadline.to_rfc3339()});
    let (subject, body) = match alert {
        Alert::Overdue => {
            crate::app::tickets::lifecycle::mark_overdue(&mut tx, ticket_id, now).await?;
            if !bureau_owned {
                to.extend(users::over_path(&mut tx, Role::Supervisor, &a.org_path).await?);
            }
            (
                format!("工单逾期督办（{ticket_id}）"),
                format!("工单{ticket_id}的{}（{when}）已过，已标记逾期并上报政务服务局督办。", kind.label()),
            )
        }
        Alert::Reminder => {
            (format!("工单即将到期（{ticket_id}）"), format!("工单{ticket_id}的{}为{when}，请抓紧办理。", kind.label()))
        }
    };
    tickets::add_event(
        &mut tx,
        &tickets::NewEvent {
            ticket_id,
            at_ms: ms(now),
            actor_user_id: None,
            actor: ACTOR,
            action: alert.code(),
            from_state: Some(ticket.facts.state()),
            to_state: Some(ticket.facts.state()),
            details: &details,
            public: false,
        },
    )
    .await?;
    audit::append(&mut tx, now, ACTOR, &format!("ticket.{}", alert.code()), &format!("ticket:{ticket_id}"), &details)
        .await?;
    let notice = Notice { subject, body, ticket_id: Some(ticket_id), order_id: None };
    notify::users(&mut tx, &rules.notify, &to, &notice, ms(now)).await?;
    match tx.commit().await {
        Ok(()) => Ok(true),
        // Another process committed the same alert first (PostgreSQL serialises the unique key).
        Err(e) if hcp_store::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(StoreError::from(e)),
    }
}

/// Rectification orders past their deadline without a report escalate like tickets: flagged once (the update
/// itself decides which process does it) and the supervisors over the target are told.
async fn overdue_orders(state: &AppState, rules: &Rules, now: DateTime<Utc>) -> hcp_store::Result<usize> {
    let mut tx = state.store().begin().await?;
    let ids = hcp_store::supervision::flag_overdue(&mut tx, ms(now)).await?;
    for id in &ids {
        let path: String = hcp_store::sqlx::query_scalar("SELECT org_path FROM supervision_orders WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let to = users::over_path(&mut tx, Role::Supervisor, &path).await?;
        let notice = Notice {
            subject: format!("督办事项逾期（{id}）"),
            body: format!("督办事项{id}已过整改报告期限，尚未提交整改报告。"),
            ticket_id: None,
            order_id: Some(*id),
        };
        notify::users(&mut tx, &rules.notify, &to, &notice, ms(now)).await?;
        audit::append(&mut tx, now, ACTOR, "supervision.overdue", &format!("order:{id}"), &json!({})).await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// Expired sessions, sign-in failures past the lockout window and week-old idempotency keys are of no further
/// use.
async fn purge(state: &AppState, now: DateTime<Utc>) -> hcp_store::Result<()> {
    let mut tx = state.store().begin().await?;
    // Sessions expire on the real clock (see `app::session`), idempotency keys on the service's.
    let real_now = state.system_now();
    hcp_store::sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(ms(real_now)).execute(&mut *tx).await?;
    let lockout_window = Duration::minutes(state.config().security.lockout.window_minutes.into());
    hcp_store::lockouts::forget_stale(&mut tx, real_now, lockout_window).await?;
    // A password step never completed by its second factor leaves nothing behind once it expired.
    hcp_store::sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at < $1")
        .bind(ms(real_now))
        .execute(&mut *tx)
        .await?;
    hcp_store::sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(ms(now - Duration::days(7)))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Runs the scheduler every `interval_seconds` until the state shuts down.
pub async fn run(state: AppState) {
    let seconds = state.config().scheduler.interval_seconds;
    if seconds == 0 {
        return;
    }
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(seconds));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(err) = tick(&state).await {
            tracing::error!(error = %err, "scheduler run failed; will retry");
        }
    }
}
