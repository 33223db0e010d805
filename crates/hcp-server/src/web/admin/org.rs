//! `/admin/org`: the organisation tree (org units → departments → windows) and the forms that add to it.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::org::OrgKind;

use super::{ADMIN, Done, FormView, OrgData, done, unprocessable};
use crate::app::admin::org::{self as admin, NewDepartment, NewOrgUnit, NewWindow};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const UNIT_FORM: &str = "admin_org_unit";
form_name!(UnitForm, UNIT_FORM);
const DEPARTMENT_FORM: &str = "admin_department";
form_name!(DepartmentForm, DEPARTMENT_FORM);
const WINDOW_FORM: &str = "admin_window";
form_name!(WindowForm, WINDOW_FORM);

/// One entry of the tree in pre-order. `before` is the list markup that opens or closes levels before it
/// (fixed tags only, never data).
pub struct TreeNode {
    pub before: String,
    pub kind: &'static str,
    pub class: &'static str,
    pub code: String,
    pub name: String,
    pub detail: String,
    pub link: Option<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin_org.html")]
pub struct OrgPage {
    pub chrome: Chrome,
    pub message: Option<&'static str>,
    pub tree: Vec<TreeNode>,
    pub tail: String,
    pub kinds: Vec<Choice>,
    pub units: Vec<Choice>,
    pub departments: Vec<Choice>,
    pub unit_form: FormView,
    pub department_form: FormView,
    pub window_form: FormView,
    pub unit_csrf: String,
    pub department_csrf: String,
    pub window_csrf: String,
}

/// The tree's mark of a deactivated record.
fn off(deactivated_at: Option<i64>) -> &'static str {
    if deactivated_at.is_some() { " · 已停用" } else { "" }
}

fn tree(org: &OrgData) -> (Vec<TreeNode>, String) {
    // Depth-first over units (children by parent), each unit's departments, each department's windows.
    let mut flat: Vec<(usize, TreeNode)> = Vec::new();
    fn visit(org: &OrgData, parent: Option<i64>, depth: usize, flat: &mut Vec<(usize, TreeNode)>) {
        for unit in org.units.iter().filter(|u| u.parent_id == parent) {
            let kind = format!("{}{}", unit.kind.label(), off(unit.deactivated_at));
            let link = Some(format!("/admin/org/units/{}", unit.code));
            flat.push((depth, node("机构", "unit", &unit.code, &unit.name, kind, link)));
            for dept in org.departments.iter().filter(|d| d.org_unit_id == unit.id) {
                let link = Some(format!("/admin/org/departments/{}", dept.code));
                let detail = off(dept.deactivated_at).trim_start_matches(' ').to_owned();
                flat.push((depth + 1, node("部门", "department", &dept.code, &dept.name, detail, link)));
                for w in org.windows.iter().filter(|w| w.department_id == dept.id) {
                    let staff =
                        org.staff.iter().filter(|s| s.window_id == Some(w.id) && s.deactivated_at.is_none()).count();
                    let link = Some(format!("/admin/windows/{}", w.code));
                    let detail = format!("{staff} 名工作人员{}", off(w.deactivated_at));
                    flat.push((depth + 2, node("窗口", "window", &w.code, &w.name, detail, link)));
                }
            }
            visit(org, Some(unit.id), depth + 1, flat);
        }
    }
    fn node(
        kind: &'static str,
        class: &'static str,
        code: &str,
        name: &str,
        detail: String,
        link: Option<String>,
    ) -> TreeNode {
        TreeNode { before: String::new(), kind, class, code: code.to_owned(), name: name.to_owned(), detail, link }
    }
    visit(org, None, 0, &mut flat);
    let mut nodes = Vec::with_capacity(flat.len());
    let mut previous: Option<usize> = None;
    for (depth, mut n) in flat {
        n.before = match previous {
            None => "<ul class=\"org-tree\">".to_owned(),
            Some(p) if depth > p => "<ul>".to_owned(),
            Some(p) => format!("{}</li>", "</li></ul>".repeat(p - depth)),
        };
        previous = Some(depth);
        nodes.push(n);
    }
    let tail = previous.map_or(String::new(), |p| "</li></ul>".repeat(p + 1));
    (nodes, tail)
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    message: Option<&'static str>,
    forms: [FormView; 3],
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let (tree, tail) = tree(&org);
    let [unit_form, department_form, window_form] = forms;
    let page = OrgPage {
        chrome: me.chrome(state, "组织机构"),
        message,
        tree,
        tail,
        kinds: OrgKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: k.label().into() }).collect(),
        units: org
            .units
            .iter()
            .filter(|u| u.deactivated_at.is_none())
            .map(|u| Choice { value: u.code.clone(), label: format!("{}（{}）", u.name, u.code) })
            .collect(),
        departments: org
            .departments
            .iter()
            .filter(|d| d.deactivated_at.is_none())
            .map(|d| {
                let hall = org.unit(d.org_unit_id).map(|u| u.name.as_str()).unwrap_or_default();
                Choice { value: d.code.clone(), label: format!("{} · {}（{}）", hall, d.name, d.code) }
            })
            .collect(),
        unit_form,
        department_form,
        window_form,
        unit_csrf: me.token(state, UNIT_FORM),
        department_csrf: me.token(state, DEPARTMENT_FORM),
        window_csrf: me.token(state, WINDOW_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let message = super::done_message(
        done,
        &[("unit", "机构已添加。"), ("department", "部门已添加。"), ("window", "窗口已添加。")],
    );
    render_page(&state, &me, StatusCode::OK, message, Default::default()).await
}

fn blank(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

pub async fn add_unit(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<UnitForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let req = NewOrgUnit {
        code: form.text("code"),
        name: form.text("name"),
        kind: form.text("kind"),
        parent_code: blank(form.get("parent_code")),
    };
    match admin::add_org_unit(&state, &me.user, &req).await {
        Ok(_) => Ok(done("/admin/org", "unit")),
        Err(err) => {
            let view = FormView::refused(&form, &["code", "name", "kind", "parent_code"], err)?;
            render_page(&state, &me, unprocessable(), None, [view, FormView::default(), FormView::default()]).await
        }
    }
}

pub async fn add_department(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<DepartmentForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let req = NewDepartment { code: form.text("code"), name: form.text("name"), org_code: form.text("org_code") };
    match admin::add_department(&state, &me.user, &req).await {
        Ok(_) => Ok(done("/admin/org", "department")),
        Err(err) => {
            let view = FormView::refused(&form, &["code", "name", "org_code"], err)?;
            render_page(&state, &me, unprocessable(), None, [FormView::default(), view, FormView::default()]).await
        }
    }
}

pub async fn add_window(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<WindowForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let req = NewWindow {
        code: form.text("code"),
        name: form.text("name"),
        department_code: form.text("department_code"),
        head_staff_no: blank(form.get("head_staff_no")),
    };
    match admin::add_window(&state, &me.user, &req).await {
        Ok(_) => Ok(done("/admin/org", "window")),
        Err(err) => {
            let view = FormView::refused(&form, &["code", "name", "department_code", "head_staff_no"], err)?;
            render_page(&state, &me, unprocessable(), None, [FormView::default(), FormView::default(), view]).await
        }
    }
}
