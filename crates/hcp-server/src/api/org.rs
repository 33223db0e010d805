//! The public organisation tree: what every window shows anyway (names, window codes, staff numbers).

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use hcp_core::org::OrgKind;
use hcp_store::org;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::error::AppResult;
use crate::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/org", get(tree))
}

#[derive(Serialize, ToSchema)]
pub struct OrgTree {
    pub org_units: Vec<OrgNode>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgNode {
    pub code: String,
    pub name: String,
    /// center, street_center, community_station, online_platform
    pub kind: String,
    pub kind_label: String,
    pub departments: Vec<DepartmentNode>,
    #[schema(no_recursion)]
    pub children: Vec<OrgNode>,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentNode {
    pub code: String,
    pub name: String,
    pub windows: Vec<WindowNode>,
}

#[derive(Serialize, ToSchema)]
pub struct WindowNode {
    pub code: String,
    pub name: String,
    pub staff: Vec<StaffNode>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffNode {
    pub staff_no: String,
    pub name: String,
}

/// The whole tree with departments, windows and staff.
#[utoipa::path(get, path = "/api/v1/org", tag = "org", responses((status = 200, body = OrgTree)))]
pub async fn tree(State(state): State<AppState>) -> AppResult<Json<OrgTree>> {
    let mut conn = state.store().reader().await?;
    let units = org::list_org_units(&mut conn).await?;
    let departments = org::list_departments(&mut conn).await?;
    let windows = org::list_windows(&mut conn).await?;
    let staff = org::list_staff(&mut conn).await?;

    let mut staff_by_window: HashMap<i64, Vec<StaffNode>> = HashMap::new();
    for s in staff {
        if let Some(w) = s.window_id {
            staff_by_window.entry(w).or_default().push(StaffNode { staff_no: s.staff_no, name: s.name });
        }
    }
    let mut windows_by_dept: HashMap<i64, Vec<WindowNode>> = HashMap::new();
    for w in windows {
        let staff = staff_by_window.remove(&w.id).unwrap_or_default();
        windows_by_dept.entry(w.department_id).or_default().push(WindowNode { code: w.code, name: w.name, staff });
    }
    let mut depts_by_unit: HashMap<i64, Vec<DepartmentNode>> = HashMap::new();
    for d in departments {
        let windows = windows_by_dept.remove(&d.id).unwrap_or_default();
        depts_by_unit.entry(d.org_unit_id).or_default().push(DepartmentNode { code: d.code, name: d.name, windows });
    }
    // Units come ordered by path, parents first; build bottom-up by walking in reverse.
    let mut children: HashMap<i64, Vec<OrgNode>> = HashMap::new();
    let mut roots = Vec::new();
    for unit in units.into_iter().rev() {
        let kind = OrgKind::parse(&unit.kind);
        let mut node_children = children.remove(&unit.id).unwrap_or_default();
        node_children.reverse();
        let node = OrgNode {
            code: unit.code,
            name: unit.name,
            kind_label: kind.map(|k| k.label().to_owned()).unwrap_or_default(),
            kind: unit.kind,
            departments: depts_by_unit.remove(&unit.id).unwrap_or_default(),
            children: node_children,
        };
        match unit.parent_id {
            Some(parent) => children.entry(parent).or_default().push(node),
            None => roots.push(node),
        }
    }
    roots.reverse();
    Ok(Json(OrgTree { org_units: roots }))
}
