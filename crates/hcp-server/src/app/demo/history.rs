//! Histories for the demo's tickets, so the halls look lived in: older bad reviews and complaints were
//! verified, rectified, answered and revisited (a few appealed, a few answered late, a few reopened), recent ones
//! are still being worked on, and complaints without a known window wait for dispatch. Every step goes through
//! the real lifecycle at a plausible past instant, so deadlines, timelines and the audit log are genuine.

use chrono::{DateTime, Duration, Utc};
use hcp_core::lifecycle::{Classification, Outcome, Satisfaction};
use hcp_store::{AnyConnection, Store, from_ms};

use crate::app::error::AppError;
use crate::app::tickets::lifecycle::{Actor, Command, Rules, perform_in};
use hcp_core::lifecycle::ReviewReason;
use hcp_core::ticket::TicketKind;

/// Tickets received more than this many working days ago have finished their course.
const SETTLED_AFTER_WORKING_DAYS: u32 = 10;

/// A stable pseudo-random percentile per ticket, so every demo database tells the same story.
fn percentile(id: i64, salt: u64) -> u64 {
    ((id as u64).wrapping_mul(2_654_435_761).wrapping_add(salt.wrapping_mul(40_503)) >> 7) % 100
}

pub async fn replay(store: &Store, rules: &Rules, now: DateTime<Utc>) -> Result<usize, AppError> {
    let open: Vec<(i64, i64)> = hcp_store::sqlx::query_as(
        "SELECT id, received_at FROM tickets WHERE state = 'dispatched' AND kind <> 'misconduct' ORDER BY id",
    )
    .fetch_all(&mut *store.reader().await?)
    .await?;
    let mut replayed = 0;
    // Committed in chunks: every step appends to the audit chain, whose head row PostgreSQL would otherwise
    // update hundreds of thousands of times in one transaction, each update slower than the last.
    for chunk in open.chunks(200) {
        let mut tx = store.begin().await?;
        for (id, received) in chunk {
            let received = from_ms(*received)?;
            let age = rules.calendar.working_days_between(local_date(received), local_date(now));
            if history(&mut tx, rules, *id, received, age, now).await? {
                replayed += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(replayed)
}

fn local_date(t: DateTime<Utc>) -> chrono::NaiveDate {
    t.with_timezone(&hcp_core::clock::shanghai()).date_naive()
}

async fn history(
    conn: &mut AnyConnection,
    rules: &Rules,
    id: i64,
    received: DateTime<Utc>,
    age: u32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let head = Actor::system("窗口负责人（演示）");
    let bureau = Actor::system("督查人员（演示）");
    let hotline = Actor::system("12345热线（演示）");
    let step = |hours: i64| received + Duration::hours(hours);
    let before_now = |at: DateTime<Utc>| at < now;
    if age < 2 {
        return Ok(false);
    }
    let roll = percentile(id, 1);

    // A few bad reviews were appealed within the window; half of those were overturned.
    let is_bad_review = {
        let kind: String = hcp_store::sqlx::query_scalar("SELECT kind FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
        kind == TicketKind::BadReview.code()
    };
    if is_bad_review && roll < 8 {
        let statement = "当日系统故障导致无法办理，已向群众说明，非本人服务原因";
        let appeal =
            Command::Appeal { reason: ReviewReason::MisEvaluation, statement: statement.into(), attachments: vec![] };
        perform_in(conn, rules, &Actor::system("窗口工作人员（演示）"), None, id, &appeal, step(3)).await?;
        if age < 4 {
            return Ok(true);
        }
        let outcome = if roll < 4 { Outcome::Overturned } else { Outcome::Upheld };
        let decision = Command::Decide {
            outcome,
            reason: (outcome == Outcome::Overturned).then_some(ReviewReason::MisEvaluation),
            explanation: "调取窗口录像和系统日志核实".into(),
            attachments: vec![],
        };
        perform_in(conn, rules, &bureau, None, id, &decision, step(26)).await?;
        if outcome == Outcome::Overturned {
            return Ok(true);
        }
    }

    let classification = match percentile(id, 2) {
        0..60 => Classification::Immediate,
        60..90 => Classification::Complex,
        _ => Classification::NoLegalBasis,
    };
    let finding = match classification {
        Classification::Immediate => "经核实，工作人员未一次性告知所需材料，情况属实",
        Classification::Complex => "经核实，涉及跨部门数据共享，需协调相关部门",
        Classification::NoLegalBasis => "经核实，群众诉求超出法定办理条件",
    };
    perform_in(conn, rules, &head, None, id, &Command::Verify { classification, finding: finding.into() }, step(28))
        .await?;
    if age < SETTLED_AFTER_WORKING_DAYS && percentile(id, 3) < 60 {
        // Still in hand: some verified only, a few already past their deadline (the scheduler flags them).
        return Ok(true);
    }
    let late = percentile(id, 4) < 10;
    let answer_after = match (classification, late) {
        (_, true) => 24 * 13,
        (Classification::Immediate, false) => 30,
        _ => 24 * 4,
    };
    if classification != Classification::NoLegalBasis {
        let measures = "已对当事人批评教育，修订一次性告知单并在窗口公示";
        perform_in(
            conn,
            rules,
            &head,
            None,
            id,
            &Command::Rectify { measures: measures.into(), attachments: vec![] },
            step(29),
        )
        .await?;
    }
    let feedback_at = step(answer_after);
    if !before_now(feedback_at) {
        return Ok(true);
    }
    if late {
        crate::app::tickets::lifecycle::mark_overdue(conn, id, feedback_at).await?;
    }
    let text = match classification {
        Classification::NoLegalBasis => "您反映的事项不符合法定办理条件，已向您说明政策依据，感谢理解",
        _ => "您反映的问题已整改，感谢您的监督",
    };
    perform_in(conn, rules, &head, None, id, &Command::Feedback { text: text.into() }, feedback_at).await?;
    let revisit_at = feedback_at + Duration::hours(20);
    if !before_now(revisit_at) {
        return Ok(true);
    }
    let satisfaction = match percentile(id, 5) {
        0..80 => Satisfaction::Satisfied,
        80..95 => Satisfaction::BasicallySatisfied,
        _ => Satisfaction::Unsatisfied,
    };
    perform_in(conn, rules, &hotline, None, id, &Command::Revisit { satisfaction, note: None }, revisit_at).await?;
    if satisfaction == Satisfaction::Unsatisfied && before_now(revisit_at + Duration::days(3)) {
        let again = "再次整改：安排专人跟进办理";
        perform_in(
            conn,
            rules,
            &head,
            None,
            id,
            &Command::Rectify { measures: again.into(), attachments: vec![] },
            revisit_at + Duration::hours(20),
        )
        .await?;
        perform_in(
            conn,
            rules,
            &head,
            None,
            id,
            &Command::Feedback { text: "已安排专人跟进，问题已解决".into() },
            revisit_at + Duration::days(2),
        )
        .await?;
        let close = Command::Revisit { satisfaction: Satisfaction::Satisfied, note: None };
        perform_in(conn, rules, &hotline, None, id, &close, revisit_at + Duration::days(3)).await?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_spread_over_the_range() {
        let values: Vec<u64> = (1..=1000).map(|id| percentile(id, 2)).collect();
        assert!(values.iter().all(|v| *v < 100));
        let low = values.iter().filter(|v| **v < 60).count();
        assert!((500..700).contains(&low), "{low}");
    }
}
