//! Keeping the statistics aggregate in step: every write path that changes an evaluation or its ticket reads
//! the evaluation's contribution before the change and applies the difference after it, in the same
//! transaction. `recount` computes the same sums from the raw records, which tests compare with the aggregate.

use std::collections::BTreeMap;

use hcp_core::evaluation::Adoption;
use hcp_core::stats::{Counters, EvaluationFacts, case_contribution, evaluation_contribution};
use hcp_store::stats::{EvaluationRow as Row, StatKey, apply, day_of, evaluation_row, evaluation_rows};
use hcp_store::{AnyConnection, StoreError};

/// A record's place in the aggregate and what it adds there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub key: StatKey,
    pub counters: Counters,
}

pub fn contribution(row: &Row) -> Result<Contribution, StoreError> {
    let facts = EvaluationFacts {
        level: row.level,
        adopted: row.adoption == Adoption::Adopted,
        active: row.channel.is_online(),
        real_name: row.evaluator_kind.is_some(),
    };
    Ok(Contribution {
        key: StatKey {
            day: day_of(row.evaluated_at)?,
            org_path: row.org_path.clone(),
            org_unit_id: row.org_unit_id,
            department_id: row.department_id,
            window_id: row.window_id,
            staff_id: row.staff_id.unwrap_or(0),
            channel: row.channel.code().to_owned(),
            item_id: row.item_id.unwrap_or(0),
        },
        counters: evaluation_contribution(&facts, row.facts.as_ref()),
    })
}

/// The evaluation's current contribution.
pub async fn of_evaluation(conn: &mut AnyConnection, evaluation_id: i64) -> hcp_store::Result<Option<Contribution>> {
    evaluation_row(conn, evaluation_id).await?.as_ref().map(contribution).transpose()
}

/// Applies the difference between `before` (None: a new record) and the evaluation's contribution now.
pub async fn settle(
    conn: &mut AnyConnection,
    evaluation_id: i64,
    before: Option<Contribution>,
) -> hcp_store::Result<()> {
    let after = of_evaluation(conn, evaluation_id).await?;
    match (before, after) {
        (Some(b), Some(a)) if b.key == a.key => apply(conn, &a.key, &Counters::delta(&b.counters, &a.counters)).await,
        (before, after) => {
            if let Some(b) = before {
                apply(conn, &b.key, &Counters::delta(&b.counters, &Counters::default())).await?;
            }
            if let Some(a) = after {
                apply(conn, &a.key, &a.counters).await?;
            }
            Ok(())
        }
    }
}

/// The aggregate as it should be, computed from every evaluation, ticket and finished case.
pub async fn recount(conn: &mut AnyConnection) -> hcp_store::Result<BTreeMap<StatKey, Counters>> {
    let mut sums: BTreeMap<StatKey, Counters> = BTreeMap::new();
    for row in &evaluation_rows(conn).await? {
        let c = contribution(row)?;
        sums.entry(c.key).or_default().add(&c.counters);
    }
    for (window_id, staff_id, item_id, finished_at) in hcp_store::stats::finished_cases(conn).await? {
        let place = hcp_store::org::placement(conn, window_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("window {window_id}")))?;
        let key = hcp_store::stats::case_key(&place, staff_id, item_id, finished_at)?;
        sums.entry(key).or_default().add(&case_contribution());
    }
    sums.retain(|_, c| !c.is_zero());
    Ok(sums)
}

/// Replaces the aggregate by a full recount, in one transaction: for a database that predates the aggregate,
/// or after a manual repair. Returns the number of rows written.
pub async fn rebuild(store: &hcp_store::Store) -> hcp_store::Result<usize> {
    let mut tx = store.begin().await?;
    let sums = recount(&mut tx).await?;
    hcp_store::stats::clear(&mut tx).await?;
    for (key, counters) in &sums {
        apply(&mut tx, key, counters).await?;
    }
    tx.commit().await?;
    Ok(sums.len())
}

/// At start: a database whose evaluations predate the aggregate gets it built once.
pub async fn ensure_built(store: &hcp_store::Store) -> hcp_store::Result<Option<usize>> {
    let mut conn = store.reader().await?;
    // Existence checks, not counts: a count of ten million evaluations would slow every start.
    let built: Option<i64> =
        hcp_store::sqlx::query_scalar("SELECT 1 FROM stat_daily LIMIT 1").fetch_optional(&mut *conn).await?;
    let records: Option<i64> = hcp_store::sqlx::query_scalar(
        "SELECT 1 FROM evaluations UNION ALL SELECT 1 FROM cases WHERE finished_at IS NOT NULL LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    drop(conn);
    if built.is_some() || records.is_none() {
        return Ok(None);
    }
    tracing::info!("building the statistics aggregate for existing records");
    Ok(Some(rebuild(store).await?))
}
