//! Reads of the database behind the server, for assertions, and writes the API does not offer.

use hcp_server::app::accounts::{self, NewAccount};
use hcp_store::sqlx::{self, AssertSqlSafe};

use crate::{PASSWORD, TestApp};

impl TestApp {
    /// The single integer `sql` selects (e.g. `SELECT COUNT(*) FROM windows`).
    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.state.store().reader().await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql.to_owned())).fetch_one(&mut *conn).await.unwrap()
    }

    /// The single, possibly NULL, integer `sql` selects (e.g. `SELECT staff_id FROM evaluations`).
    pub async fn scalar(&self, sql: &str) -> Option<i64> {
        let mut conn = self.state.store().reader().await.unwrap();
        sqlx::query_scalar(AssertSqlSafe(sql.to_owned())).fetch_one(&mut *conn).await.unwrap()
    }

    /// `hcp audit verify` over this server's database finds nothing: every covered record it wrote matches the
    /// digest of its last audited write.
    pub async fn assert_audit_clean(&self) {
        let keys = hcp_store::audit_key::test_keyring();
        let report = hcp_store::audit::verify(self.state.store(), &keys, &[]).await.unwrap();
        assert!(report.clean(), "audit verification found: {:#?}", report.findings);
    }

    /// The number of rows in `table`.
    pub async fn row_count(&self, table: &str) -> i64 {
        assert!(table.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "not a table name: {table}");
        self.count(&format!("SELECT COUNT(*) FROM {table}")).await
    }

    /// Creates a user as the CLI would (actor `test`, at [`crate::start`]), with the password [`PASSWORD`]
    /// unless `account` names one.
    pub async fn add_user(&self, mut account: NewAccount) {
        account.password.get_or_insert_with(|| PASSWORD.into());
        // Test users sign in straight away, as the demo's do (the password stories use the admin API).
        account.demo = true;
        let mut tx = self.state.store().begin().await.unwrap();
        accounts::create(&mut tx, &account, "test", crate::start()).await.unwrap();
        tx.commit().await.unwrap();
    }
}

/// The window roll-ups answer the coarse groupings exactly as the full rows would, over periods that cut
/// months and periods of whole months, open or bounded.
pub async fn assert_rollups_agree(conn: &mut hcp_store::AnyConnection) {
    use chrono::{Datelike, Duration, NaiveDate};
    use hcp_core::stats::Counters;
    use hcp_store::stats::{Filter, GroupBy, StatKey, all_rows, query};
    let rows = all_rows(conn).await.unwrap();
    let Some(first) = rows.iter().map(|(k, _)| k.day.clone()).min() else { return };
    let last = rows.iter().map(|(k, _)| k.day.clone()).max().unwrap();
    let d = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap();
    let s = |t: NaiveDate| Some(t.format("%Y-%m-%d").to_string());
    let (d0, d1) = (d(&first), d(&last));
    let periods = [
        (None, None),
        (s(d0), s(d1)),
        (s(d0 - Duration::days(45)), s(d0 + Duration::days(1))),
        (s(d0.with_day(1).unwrap()), s(d1 + Duration::days(62))),
        (s(d0 + Duration::days(1)), None),
        (None, s(d1 - Duration::days(1))),
    ];
    let key_of = |k: &StatKey, group_by: GroupBy| match group_by {
        GroupBy::None => "all".to_owned(),
        GroupBy::Department => k.department_id.to_string(),
        GroupBy::Window => k.window_id.to_string(),
        GroupBy::Day => k.day.clone(),
        GroupBy::Month => k.day[..7].to_owned(),
        _ => unreachable!(),
    };
    for (from, to) in periods {
        for group_by in [GroupBy::None, GroupBy::Department, GroupBy::Window, GroupBy::Day, GroupBy::Month] {
            let mut expected: std::collections::BTreeMap<String, Counters> = Default::default();
            for (k, c) in &rows {
                if from.as_ref().is_none_or(|f| &k.day >= f) && to.as_ref().is_none_or(|t| &k.day <= t) {
                    expected.entry(key_of(k, group_by)).or_default().add(c);
                }
            }
            expected.retain(|_, c| !c.is_zero());
            let filter = Filter { org_path: None, from_day: from.clone(), to_day: to.clone() };
            let got: std::collections::BTreeMap<String, Counters> =
                query(conn, &filter, None, group_by).await.unwrap().into_iter().filter(|(_, c)| !c.is_zero()).collect();
            assert!(got == expected, "{group_by:?} over {from:?}..{to:?}");
        }
    }
}
