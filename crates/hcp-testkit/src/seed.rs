//! The small jurisdiction most stories start from.

use hcp_core::org::OrgKind;
use hcp_server::AppState;
use hcp_server::app::accounts::{self, NewAccount};
use hcp_store::org::{self, NewCase};

use crate::PASSWORD;

/// A small jurisdiction: the district center with two departments and a street center; three cases; one user per
/// role (user name = role code, window head and staff at window `W-SC-01`).
pub async fn seed(state: &AppState) {
    let now = crate::start();
    let mut tx = state.store().begin().await.unwrap();
    let root = org::create_org_unit(&mut tx, "JK", "吉林经开区政务服务中心", OrgKind::Center, None, now).await.unwrap();
    let street =
        org::create_org_unit(&mut tx, "JK-JZ", "九站街道便民服务中心", OrgKind::StreetCenter, Some(&root), now)
            .await
            .unwrap();
    let scjg = org::create_department(&mut tx, "SCJG", "市场监督管理局", root.id, now).await.unwrap();
    let rs = org::create_department(&mut tx, "JZ-RS", "九站街道社保所", street.id, now).await.unwrap();
    let w1 = org::create_window(&mut tx, "W-SC-01", "市场主体登记窗口", scjg.id, now).await.unwrap();
    let w2 = org::create_window(&mut tx, "W-JZ-01", "社保医保窗口", rs.id, now).await.unwrap();
    let head = org::create_staff(&mut tx, "S001", "王芳", Some(w1.id), now).await.unwrap();
    let clerk = org::create_staff(&mut tx, "S002", "李强", Some(w1.id), now).await.unwrap();
    org::create_staff(&mut tx, "S101", "赵敏", Some(w2.id), now).await.unwrap();
    org::set_window_head(&mut tx, w1.id, Some(head.id)).await.unwrap();
    let item = org::create_service_item(&mut tx, "QYSL", "企业设立登记", Some(scjg.id), now).await.unwrap();
    for (no, staff) in [("C-001", clerk.id), ("C-002", clerk.id), ("C-003", head.id)] {
        org::create_case(
            &mut tx,
            &NewCase {
                case_no: no,
                item_id: item.id,
                window_id: w1.id,
                staff_id: Some(staff),
                accepted_at: now - chrono::Duration::days(2),
                finished_at: Some(now - chrono::Duration::days(1)),
            },
            now,
        )
        .await
        .unwrap();
    }
    let accounts = [
        ("admin", "admin", None, None, None),
        ("security_admin", "security_admin", None, None, None),
        ("auditor", "auditor", None, None, None),
        ("integration", "integration", None, None, None),
        ("supervisor", "supervisor", None, None, None),
        ("discipline", "discipline", None, None, None),
        ("hotline_operator", "hotline_operator", None, None, None),
        ("registrar", "registrar", None, None, None),
        ("street_registrar", "registrar", Some("JK-JZ"), None, None),
        ("dept_head", "dept_head", None, Some("SCJG"), None),
        ("window_head", "window_head", None, None, Some(("W-SC-01", "S001"))),
        ("staff", "staff", None, None, Some(("", "S002"))),
    ];
    for (username, role, org_code, department, window) in accounts {
        let account = NewAccount {
            username: username.into(),
            role: role.into(),
            org_code: org_code.map(Into::into),
            department_code: department.map(Into::into),
            window_code: window.map(|w| w.0.to_owned()).filter(|w| !w.is_empty()),
            staff_no: window.map(|w| w.1.to_owned()),
            password: Some(PASSWORD.into()),
            // The seeded world's users sign in as the demo's do: no forced change, no expiry.
            demo: true,
            ..Default::default()
        };
        accounts::create(&mut tx, &account, "test", now).await.unwrap();
    }
    tx.commit().await.unwrap();
}
