//! The public organisation: the tree every window shows anyway (names, window codes, staff numbers), and where
//! a window or a case is, for the citizen's evaluation form.

use std::collections::HashMap;

use hcp_core::org::OrgKind;
pub use hcp_store::org::{Department, OrgUnit, Staff, Window};
use hcp_store::{AnyConnection, evaluations, org};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::CurrentUser;
use super::error::AppResult;
use super::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct OrgTree {
    pub org_units: Vec<OrgNode>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgNode {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub kind_label: &'static str,
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
pub async fn tree(state: &AppState) -> AppResult<OrgTree> {
    let mut conn = state.store().reader().await?;
    let units = org::list_org_units(&mut conn).await?;
    let departments = org::list_departments(&mut conn).await?;
    let windows = org::list_windows(&mut conn).await?;
    let staff = org::list_staff(&mut conn).await?;

    let mut staff_by_window: HashMap<i64, Vec<StaffNode>> = HashMap::new();
    // The public tree shows what is open today; deactivated records keep their history elsewhere.
    let units: Vec<_> = units.into_iter().filter(|u| u.deactivated_at.is_none()).collect();
    let departments = departments.into_iter().filter(|d| d.deactivated_at.is_none());
    let windows = windows.into_iter().filter(|w| w.deactivated_at.is_none());
    for s in staff.into_iter().filter(|s| s.deactivated_at.is_none()) {
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
        let mut node_children = children.remove(&unit.id).unwrap_or_default();
        node_children.reverse();
        let node = OrgNode {
            code: unit.code,
            name: unit.name,
            kind_label: unit.kind.label(),
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
    Ok(OrgTree { org_units: roots })
}

/// Where the window is: shown at the top of the form so the citizen knows whom they rate.
#[derive(Clone)]
pub struct WindowInfo {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department: String,
    pub hall: String,
    /// A closed window: that it is closed and where to go instead.
    pub closed: Option<String>,
}

/// The window of a QR code, where it is.
pub async fn window(state: &AppState, code: &str) -> AppResult<Option<WindowInfo>> {
    let mut conn = state.store().reader().await?;
    match org::window_by_code(&mut conn, code.trim()).await? {
        Some(window) => Ok(Some(describe(&mut conn, window).await?)),
        None => Ok(None),
    }
}

async fn describe(conn: &mut AnyConnection, window: org::Window) -> AppResult<WindowInfo> {
    let department = org::department_by_id(conn, window.department_id).await?;
    let hall = match &department {
        Some(d) => org::org_unit_by_id(conn, d.org_unit_id).await?,
        None => None,
    };
    let closed = match window.deactivated_at {
        Some(_) => Some(closed_notice(conn, &window).await?),
        None => None,
    };
    Ok(WindowInfo {
        closed,
        id: window.id,
        code: window.code,
        name: window.name,
        department: department.map(|d| d.name).unwrap_or_default(),
        hall: hall.map(|h| h.name).unwrap_or_default(),
    })
}

/// The case an evaluation is bound to (一事一评).
#[derive(Clone)]
pub struct CaseInfo {
    pub case_no: String,
    pub item: String,
    /// "李强（工号 S002）", if the case names who handled it.
    pub staff: Option<String>,
}

/// What the form rates: a window (the citizen may say who served them) or one case.
#[derive(Clone)]
pub struct Subject {
    pub window: WindowInfo,
    pub case: Option<CaseInfo>,
    /// (staff number, name) of the staff placed at the window; empty for a case, which names its staff.
    pub staff: Vec<(String, String)>,
    /// The case already has its evaluation.
    pub evaluated: bool,
}

/// A window's evaluation form: the window and the staff placed there.
pub async fn window_subject(state: &AppState, code: &str) -> AppResult<Option<Subject>> {
    let Some(window) = window(state, code).await? else { return Ok(None) };
    let mut conn = state.store().reader().await?;
    // The org is small (a hall's staff), so filtering the whole list is fine.
    let staff = org::list_staff(&mut conn)
        .await?
        .into_iter()
        .filter(|s| s.window_id == Some(window.id) && s.deactivated_at.is_none())
        .map(|s| (s.staff_no, s.name))
        .collect();
    Ok(Some(Subject { window, case: None, staff, evaluated: false }))
}

/// A case's evaluation form (一事一评): the case, its window, who handled it, and whether it was evaluated.
pub async fn case_subject(state: &AppState, case_no: &str) -> AppResult<Option<Subject>> {
    let mut conn = state.store().reader().await?;
    let Some(case) = org::case_by_no(&mut conn, case_no.trim()).await? else { return Ok(None) };
    let Some(window) = org::window_by_id(&mut conn, case.window_id).await? else { return Ok(None) };
    let window = describe(&mut conn, window).await?;
    let item = org::list_service_items(&mut conn)
        .await?
        .into_iter()
        .find(|i| i.id == case.item_id)
        .map(|i| i.name)
        .unwrap_or_default();
    let staff = match case.staff_id {
        Some(id) => org::staff_by_id(&mut conn, id).await?.map(|s| format!("{}（工号 {}）", s.name, s.staff_no)),
        None => None,
    };
    let (first, _) = evaluations::of_case(&mut conn, case.id).await?;
    Ok(Some(Subject {
        window,
        case: Some(CaseInfo { case_no: case.case_no, item, staff }),
        staff: Vec::new(),
        evaluated: first.is_some(),
    }))
}

/// The whole organisation, read once per page.
pub struct Organisation {
    pub units: Vec<OrgUnit>,
    pub departments: Vec<Department>,
    pub windows: Vec<Window>,
    pub staff: Vec<Staff>,
}

impl Organisation {
    /// Everything, for a page's lists and choices (what `GET /org` shows, with ids to join on).
    pub async fn load(state: &AppState) -> AppResult<Organisation> {
        let mut conn = state.store().reader().await?;
        let conn = &mut *conn;
        Ok(Organisation {
            units: org::list_org_units(conn).await?,
            departments: org::list_departments(conn).await?,
            windows: org::list_windows(conn).await?,
            staff: org::list_staff(conn).await?,
        })
    }

    pub fn unit(&self, id: i64) -> Option<&OrgUnit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn department(&self, id: i64) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn window(&self, id: i64) -> Option<&Window> {
        self.windows.iter().find(|w| w.id == id)
    }

    pub fn staff_member(&self, id: i64) -> Option<&Staff> {
        self.staff.iter().find(|s| s.id == id)
    }

    /// Hall and department names of a window.
    pub fn placement(&self, window: &Window) -> (String, String) {
        let department = self.department(window.department_id);
        let hall = department.and_then(|d| self.unit(d.org_unit_id));
        (hall.map(|h| h.name.clone()).unwrap_or_default(), department.map(|d| d.name.clone()).unwrap_or_default())
    }
}

/// The org units a user may choose in a filter: their own and those below, parents first.
pub async fn units_within(state: &AppState, user: &CurrentUser) -> AppResult<Vec<OrgUnit>> {
    let Some(path) = user.org_path() else { return Ok(Vec::new()) };
    let mut units: Vec<OrgUnit> = org::list_org_units(&mut *state.store().reader().await?)
        .await?
        .into_iter()
        .filter(|u| hcp_core::org::path_contains(path, &u.path))
        .collect();
    units.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(units)
}

/// What a closed window tells the citizen: that it is closed and where to go instead.
pub async fn closed_notice(conn: &mut AnyConnection, window: &org::Window) -> AppResult<String> {
    let mut text = format!("{}（编号 {}）已停止服务。", window.name, window.code);
    if let Some(id) = window.replacement_window_id
        && let Some(other) = org::window_by_id(conn, id).await?
    {
        text.push_str(&format!("请前往{}（编号 {}）办理和评价。", other.name, other.code));
    }
    if let Some(note) = window.closed_note.as_deref().filter(|n| !n.trim().is_empty()) {
        text.push_str(note.trim());
    }
    Ok(text)
}
