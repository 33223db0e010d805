//! Loads the demo jurisdiction of [`plan`] into an empty database, through the same intake code as
//! real submissions (so demo evaluations are encrypted, audited and ticketed like real ones).

use chrono::{DateTime, Utc};
use hcp_core::complaint::NewComplaint;
use hcp_core::evaluation::NewEvaluation;
use hcp_core::role::Role;
use hcp_store::crypto::DataKey;
use hcp_store::org::{self, NewCase};
use hcp_store::{Store, StoreError, audit};

pub mod bulk;
pub mod clock;
pub mod history;
pub mod plan;

use crate::app::accounts::{self, NewAccount};
use crate::app::intake::{self, Submitter};
use plan::DemoEvent;

/// Events committed per transaction while loading one by one, and with the bulk path.
const CHUNK: usize = 2000;
const BULK_CHUNK: usize = 20_000;

/// From this many evaluations `hcp demo` takes the bulk path.
pub const BULK_FROM: u64 = 100_000;

#[derive(Debug, Default)]
pub struct DemoSummary {
    pub org_units: usize,
    pub windows: usize,
    pub staff: usize,
    pub cases: u64,
    pub evaluations: u64,
    pub bad_reviews: u64,
    pub complaints: u64,
    /// Tickets given a past course (verified, rectified, answered, revisited …).
    pub histories: usize,
    /// Evaluations of the planted brushing campaign and malicious evaluator, for supervisors to find.
    pub planted: usize,
    /// (username, password, role label) of the demo users, when created.
    pub users: Vec<(String, String, String)>,
}

impl From<hcp_store::sqlx::Error> for DemoError {
    fn from(err: hcp_store::sqlx::Error) -> Self {
        DemoError::Store(err.into())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("数据库中已有组织机构数据，演示数据只能载入空数据库")]
    NotEmpty,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("演示数据无效：{0}")]
    Invalid(String),
}

pub struct DemoOptions {
    pub now: DateTime<Utc>,
    /// Roughly how many evaluations to generate over the period.
    pub evaluations: u64,
    /// Create one user per role (`<role>` / `<role>-demo`). Only with `--demo`.
    pub create_users: bool,
    /// Write cases and good evaluations with multi-row statements ([`bulk`]).
    pub bulk: bool,
    /// Full months of history before the current one (3 by default; a large data set spans a year: 12).
    pub months: i32,
}

/// Fills an empty database. `progress` is called with the number of evaluations stored so far.
pub async fn load(
    store: &Store,
    key: &DataKey,
    rules: &crate::app::tickets::lifecycle::Rules,
    options: &DemoOptions,
    mut progress: impl FnMut(u64),
) -> Result<DemoSummary, DemoError> {
    let now = options.now;
    let mut summary = DemoSummary::default();
    // Months of past notices would only flood the inboxes: the demo's history is loaded without them.
    let notify = crate::config::NotifyConfig { muted: true, ..(*rules.notify).clone() };
    let quiet = crate::app::tickets::lifecycle::Rules { notify: std::sync::Arc::new(notify), ..rules.clone() };
    let rules = &quiet;
    let mut tx = store.begin().await?;
    if !org::list_org_units(&mut tx).await?.is_empty() {
        return Err(DemoError::NotEmpty);
    }
    let plan = plan::org();
    let mut units = std::collections::HashMap::new();
    for unit in &plan.org_units {
        let parent = unit.parent_code.as_ref().and_then(|c| units.get(c));
        let created = org::create_org_unit(&mut tx, &unit.code, &unit.name, unit.kind, parent, now).await?;
        units.insert(unit.code.clone(), created);
    }
    let mut departments = std::collections::HashMap::new();
    for d in &plan.departments {
        let unit = units.get(&d.org_unit_code).ok_or_else(|| DemoError::Invalid(d.org_unit_code.clone()))?;
        departments.insert(d.code.clone(), org::create_department(&mut tx, &d.code, &d.name, unit.id, now).await?);
    }
    let mut windows = std::collections::HashMap::new();
    for w in &plan.windows {
        let d = departments.get(&w.department_code).ok_or_else(|| DemoError::Invalid(w.department_code.clone()))?;
        windows.insert(w.code.clone(), org::create_window(&mut tx, &w.code, &w.name, d.id, now).await?);
    }
    let mut staff = std::collections::HashMap::new();
    for s in &plan.staff {
        let w = windows.get(&s.window_code).ok_or_else(|| DemoError::Invalid(s.window_code.clone()))?;
        staff.insert(s.staff_no.clone(), org::create_staff(&mut tx, &s.staff_no, &s.name, Some(w.id), now).await?);
    }
    for w in &plan.windows {
        if let Some(head) = &w.head_staff_no {
            org::set_window_head(&mut tx, windows[&w.code].id, staff.get(head).map(|s| s.id)).await?;
        }
    }
    let mut items = std::collections::HashMap::new();
    for i in &plan.items {
        let d = departments.get(&i.department_code).map(|d| d.id);
        items.insert(i.code.clone(), org::create_service_item(&mut tx, &i.code, &i.name, d, now).await?.id);
    }
    audit::append(
        &mut tx,
        now,
        "demo",
        "demo.org",
        "org:demo",
        &serde_json::json!({"org_units": units.len(), "departments": departments.len(), "windows": windows.len(),
            "staff": staff.len(), "items": items.len()}),
    )
    .await?;
    summary.org_units = units.len();
    summary.windows = windows.len();
    summary.staff = staff.len();

    if options.create_users {
        summary.users = create_demo_users(&mut tx, now).await?;
    }
    tx.commit().await?;

    let (start, end) = plan::period_of_months(now, options.months);
    let submitter =
        Submitter { user_id: None, actor: "demo".into(), scope_path: None, client_index: None, client_ip: None };
    let directory = bulk::Directory {
        windows: {
            let mut places = std::collections::HashMap::new();
            let mut conn = store.reader().await?;
            for (code, w) in &windows {
                let place = org::placement(&mut conn, w.id).await?.ok_or_else(|| DemoError::Invalid(code.clone()))?;
                places.insert(code.clone(), place);
            }
            places
        },
        staff: staff.iter().map(|(no, s)| (no.clone(), (s.id, s.window_id))).collect(),
        items: items.clone(),
    };
    let mut bulk = options.bulk.then(|| bulk::Bulk::new(key, &directory));
    let chunk = if options.bulk { BULK_CHUNK } else { CHUNK };
    let mut tx = store.begin().await?;
    let mut in_tx = 0;
    let mut last_at = now;
    for event in plan::events(plan::DEMO_SEED, start, end, options.evaluations) {
        last_at = event.at();
        match event {
            DemoEvent::Case(case) => {
                summary.cases += 1;
                if let Some(bulk) = bulk.as_mut() {
                    bulk.push_case(&case)?;
                } else {
                    let window =
                        windows.get(&case.window_code).ok_or_else(|| DemoError::Invalid(case.window_code.clone()))?;
                    let item = *items.get(&case.item_code).ok_or_else(|| DemoError::Invalid(case.item_code.clone()))?;
                    org::create_case(
                        &mut tx,
                        &NewCase {
                            case_no: &case.case_no,
                            item_id: item,
                            window_id: window.id,
                            staff_id: staff.get(&case.staff_no).map(|s| s.id),
                            accepted_at: case.accepted_at,
                            finished_at: case.finished_at,
                        },
                        case.accepted_at,
                    )
                    .await?;
                }
            }
            DemoEvent::Evaluation(e) => {
                let parsed =
                    NewEvaluation::parse(&e.input, e.received_at).map_err(|f| DemoError::Invalid(f.summary()))?;
                summary.evaluations += 1;
                if let Some(bulk) = bulk.as_mut().filter(|_| bulk::Bulk::takes(&parsed)) {
                    bulk.push_evaluation(parsed, e.received_at);
                } else {
                    // The case or the first evaluation this one refers to must be written first.
                    if let Some(bulk) = bulk.as_mut()
                        && e.input.case_no.as_deref().is_some_and(|no| bulk.holds(no))
                    {
                        bulk.flush(&mut tx, last_at).await?;
                    }
                    let receipt =
                        intake::record_evaluation(&mut tx, key, rules, &parsed, &submitter, e.received_at, None)
                            .await
                            .map_err(|err| DemoError::Invalid(format!("{err:?}")))?;
                    summary.bad_reviews += u64::from(receipt.ticket_id.is_some());
                }
            }
            DemoEvent::Complaint(c) => {
                let parsed = NewComplaint::parse(&c.input).map_err(|f| DemoError::Invalid(f.summary()))?;
                intake::record_complaint(&mut tx, key, rules, &parsed, None, &submitter, c.received_at)
                    .await
                    .map_err(|err| DemoError::Invalid(format!("{err:?}")))?;
                summary.complaints += 1;
            }
        }
        in_tx += 1;
        if in_tx >= chunk {
            if let Some(bulk) = bulk.as_mut() {
                bulk.flush(&mut tx, last_at).await?;
            }
            tx.commit().await?;
            tx = store.begin().await?;
            in_tx = 0;
            progress(summary.evaluations);
        }
    }
    if let Some(bulk) = bulk.as_mut() {
        bulk.flush(&mut tx, last_at).await?;
    }
    tx.commit().await?;
    progress(summary.evaluations);
    summary.planted = plant_integrity_cases(store, key, &quiet, now).await?;
    summary.histories = history::replay(store, &quiet, now)
        .await
        .map_err(|e| DemoError::Invalid(format!("工单处理记录：{}", e.message)))?;
    Ok(summary)
}

/// Phone of the planted brushing campaign (刷好评): six identical praises within half an hour.
pub const CAMPAIGN_PHONE: &str = "13812345678";
/// Phone of the planted malicious evaluator: bad reviews of three different windows.
pub const MALICIOUS_PHONE: &str = "13987654321";

/// Plants what the integrity rules must catch: a brushing campaign for the focus window's staff member ten days
/// ago, and one caller giving bad reviews to three windows of different departments over three weeks.
async fn plant_integrity_cases(
    store: &Store,
    key: &DataKey,
    rules: &crate::app::tickets::lifecycle::Rules,
    now: DateTime<Utc>,
) -> Result<usize, DemoError> {
    use hcp_core::evaluation::EvaluationInput;
    let focus = plan::focus();
    let submitter =
        Submitter { user_id: None, actor: "demo".into(), scope_path: None, client_index: None, client_ip: None };
    let mut planted = Vec::new();
    let campaign_start = now - chrono::Duration::days(10);
    for i in 0..6 {
        let input = EvaluationInput {
            channel: Some("mobile".into()),
            window_code: Some(focus.window_code.clone()),
            staff_no: Some(focus.staff_no.clone()),
            level: Some(5),
            comment: Some("服务热情周到，办事效率非常高，必须点赞！".into()),
            evaluator: Some(hcp_core::evaluation::EvaluatorInput {
                phone: Some(CAMPAIGN_PHONE.into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        planted.push((input, campaign_start + chrono::Duration::minutes(5 * i)));
    }
    let mut tx = store.begin().await?;
    let mut windows = org::list_windows(&mut tx).await?;
    windows.sort_by_key(|w| w.id);
    let mut departments = std::collections::HashSet::new();
    let targets: Vec<String> =
        windows.into_iter().filter(|w| departments.insert(w.department_id)).take(3).map(|w| w.code).collect();
    for (i, window) in targets.into_iter().enumerate() {
        let input = EvaluationInput {
            channel: Some("pc".into()),
            window_code: Some(window),
            level: Some(1),
            tags: vec![serde_json::json!(113)],
            comment: Some("态度恶劣，效率低下".into()),
            evaluator: Some(hcp_core::evaluation::EvaluatorInput {
                phone: Some(MALICIOUS_PHONE.into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        planted.push((input, now - chrono::Duration::days(20 - 7 * i as i64)));
    }
    let count = planted.len();
    for (input, at) in planted {
        let parsed = NewEvaluation::parse(&input, at).map_err(|f| DemoError::Invalid(f.summary()))?;
        intake::record_evaluation(&mut tx, key, rules, &parsed, &submitter, at, None)
            .await
            .map_err(|err| DemoError::Invalid(format!("{err:?}")))?;
    }
    tx.commit().await?;
    Ok(count)
}

/// The demo users: one per role, named after it, password `<role>-demo`. The staff and window-head users work
/// at the focus window, so one window can be followed through every role.
async fn create_demo_users(
    conn: &mut hcp_store::AnyConnection,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String)>, DemoError> {
    let focus = plan::focus();
    let mut created = Vec::new();
    for role in Role::ALL {
        let mut account = NewAccount {
            username: role.code().to_owned(),
            role: role.code().to_owned(),
            password: Some(format!("{}-demo", role.code())),
            // The public demo passwords: exempt from the policy and expiry, never temporary.
            demo: true,
            ..Default::default()
        };
        match role {
            Role::Staff => account.staff_no = Some(focus.staff_no.clone()),
            Role::WindowHead => {
                account.window_code = Some(focus.window_code.clone());
                account.staff_no = Some(focus.head_staff_no.clone());
            }
            Role::DeptHead => account.department_code = Some(focus.department_code.clone()),
            _ => {}
        }
        if !role.may_sign_in() {
            // The integration account signs in with nothing: its tokens come from the system administrator.
            account.password = None;
        }
        let (_, password) =
            accounts::create(conn, &account, "demo", now).await.map_err(|e| DemoError::Invalid(e.summary()))?;
        let password = password.unwrap_or_else(|| "（不可登录）".to_owned());
        created.push((role.code().to_owned(), password, role.label().to_owned()));
    }
    Ok(created)
}
