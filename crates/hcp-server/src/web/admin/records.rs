//! A record's own page (org unit, department, staff member, service item; a window's page shows the same parts):
//! its facts, the form that edits it, the button that deactivates or reactivates it (a window names where its
//! citizens go instead), and its history. Each form calls the same use case as the API.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::org::OrgKind;

use super::org::Choice;
use super::{ADMIN, Done, FormView, OrgData, done};
use crate::app::admin::changes::{
    self, Closure, DepartmentChange, OrgRecord, OrgUnitChange, ServiceItemChange, StaffChange, WindowChange,
};
use crate::app::admin::history::history;
use crate::app::state::AppState;
use crate::web::FormPairs;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::local_text;
use crate::web::signed_in::SignedIn;

const EDIT_FORM: &str = "admin_record_edit";
form_name!(EditForm, EDIT_FORM);
const STATUS_FORM: &str = "admin_record_status";
form_name!(StatusForm, STATUS_FORM);

/// Where a kind's pages live.
pub fn base(record: OrgRecord) -> &'static str {
    match record {
        OrgRecord::OrgUnit => "/admin/org/units",
        OrgRecord::Department => "/admin/org/departments",
        OrgRecord::Window => "/admin/windows",
        OrgRecord::Staff => "/admin/staff",
        OrgRecord::ServiceItem => "/admin/items",
    }
}

fn kind_label(record: OrgRecord) -> &'static str {
    match record {
        OrgRecord::OrgUnit => "机构",
        OrgRecord::Department => "部门",
        OrgRecord::Window => "窗口",
        OrgRecord::Staff => "工作人员",
        OrgRecord::ServiceItem => "政务服务事项",
    }
}

/// One field of the edit form: a text box, or a list to choose from when `choices` is set.
pub struct EditField {
    pub name: &'static str,
    pub label: &'static str,
    pub max: usize,
    pub choices: Option<Vec<Choice>>,
    /// The list's empty choice ("" for none).
    pub empty: &'static str,
}

fn text_field(name: &'static str, label: &'static str, max: usize) -> EditField {
    EditField { name, label, max, choices: None, empty: "" }
}

fn list_field(name: &'static str, label: &'static str, choices: Vec<Choice>, empty: &'static str) -> EditField {
    EditField { name, label, max: 0, choices: Some(choices), empty }
}

pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub changes: Vec<String>,
}

/// What the record's page shows of it, besides what only a window's page has.
pub struct RecordParts {
    pub kind: &'static str,
    pub name: String,
    pub code: String,
    pub base: String,
    pub facts: Vec<(&'static str, String)>,
    /// "2026年10月12日 09:00" when deactivated.
    pub deactivated: Option<String>,
    /// A closed window: what its QR page tells citizens.
    pub closed_notice: Option<String>,
    pub fields: Vec<EditField>,
    pub form: FormView,
    pub status_form: FormView,
    /// A window's choices of where its citizens go instead; empty for other kinds.
    pub replacements: Vec<Choice>,
    pub is_window: bool,
    /// What the code is called ("工号" for staff).
    pub code_label: String,
    /// When deactivation is refused, in words.
    pub refusal_rule: &'static str,
    pub edit_csrf: String,
    pub status_csrf: String,
    pub history: Vec<HistoryRow>,
}

fn not_found(record: OrgRecord) -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "记录不存在", format!("未找到该{}，请从列表进入。", kind_label(record)))
}

fn named(name: &str, code: &str) -> String {
    format!("{name}（{code}）")
}

fn millis_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| local_text(&t.to_rfc3339())).unwrap_or_default()
}

fn unit_choices(org: &OrgData) -> Vec<Choice> {
    org.units
        .iter()
        .filter(|u| u.deactivated_at.is_none())
        .map(|u| Choice { value: u.code.clone(), label: named(&u.name, &u.code) })
        .collect()
}

fn department_choices(org: &OrgData) -> Vec<Choice> {
    org.departments
        .iter()
        .filter(|d| d.deactivated_at.is_none())
        .map(|d| {
            let hall = org.unit(d.org_unit_id).map(|u| u.name.as_str()).unwrap_or_default();
            Choice { value: d.code.clone(), label: format!("{hall} · {}", named(&d.name, &d.code)) }
        })
        .collect()
}

fn window_choices(org: &OrgData, except: Option<i64>) -> Vec<Choice> {
    org.windows
        .iter()
        .filter(|w| w.deactivated_at.is_none() && Some(w.id) != except)
        .map(|w| {
            let (hall, _) = org.placement(w);
            Choice { value: w.code.clone(), label: format!("{hall} · {}", named(&w.name, &w.code)) }
        })
        .collect()
}

/// The record's current values, facts and edit fields.
struct Current {
    id: i64,
    name: String,
    values: Vec<(&'static str, String)>,
    facts: Vec<(&'static str, String)>,
    fields: Vec<EditField>,
    deactivated_at: Option<i64>,
}

async fn current(
    state: &AppState,
    me: &SignedIn,
    org: &OrgData,
    record: OrgRecord,
    code: &str,
) -> Result<Current, PageError> {
    let missing = || not_found(record);
    let name_field = |max| text_field("name", "名称", max);
    Ok(match record {
        OrgRecord::OrgUnit => {
            let u = org.units.iter().find(|u| u.code == code).ok_or_else(missing)?;
            let parent = u.parent_id.and_then(|id| org.unit(id)).map(|p| named(&p.name, &p.code));
            let kinds = OrgKind::ALL.iter().map(|k| Choice { value: k.code().into(), label: k.label().into() });
            Current {
                id: u.id,
                name: u.name.clone(),
                values: vec![("name", u.name.clone()), ("kind", u.kind.code().to_owned())],
                facts: vec![
                    ("机构类型", u.kind.label().to_owned()),
                    ("上级机构", parent.unwrap_or_else(|| "（无，本辖区的根机构）".to_owned())),
                ],
                fields: vec![name_field(100), list_field("kind", "机构类型", kinds.collect(), "")],
                deactivated_at: u.deactivated_at,
            }
        }
        OrgRecord::Department => {
            let d = org.departments.iter().find(|d| d.code == code).ok_or_else(missing)?;
            let unit = org.unit(d.org_unit_id);
            Current {
                id: d.id,
                name: d.name.clone(),
                values: vec![("name", d.name.clone()), ("org_code", unit.map(|u| u.code.clone()).unwrap_or_default())],
                facts: vec![("进驻机构", unit.map(|u| named(&u.name, &u.code)).unwrap_or_default())],
                fields: vec![name_field(100), list_field("org_code", "进驻机构（大厅）", unit_choices(org), "请选择")],
                deactivated_at: d.deactivated_at,
            }
        }
        OrgRecord::Window => {
            let w = org.windows.iter().find(|w| w.code == code).ok_or_else(missing)?;
            let department = org.department(w.department_id);
            let head = w.head_staff_id.and_then(|id| org.staff_member(id));
            let staff = org
                .staff
                .iter()
                .filter(|s| s.window_id == Some(w.id) && s.deactivated_at.is_none())
                .map(|s| Choice { value: s.staff_no.clone(), label: named(&s.name, &s.staff_no) })
                .collect();
            Current {
                id: w.id,
                name: w.name.clone(),
                values: vec![
                    ("name", w.name.clone()),
                    ("department_code", department.map(|d| d.code.clone()).unwrap_or_default()),
                    ("head_staff_no", head.map(|h| h.staff_no.clone()).unwrap_or_default()),
                ],
                facts: Vec::new(),
                fields: vec![
                    name_field(100),
                    list_field("department_code", "所属部门", department_choices(org), "请选择"),
                    list_field("head_staff_no", "窗口负责人", staff, "（不设负责人）"),
                ],
                deactivated_at: w.deactivated_at,
            }
        }
        OrgRecord::Staff => {
            let s = org.staff.iter().find(|s| s.staff_no == code).ok_or_else(missing)?;
            let window = s.window_id.and_then(|id| org.window(id));
            let head = window.is_some_and(|w| w.head_staff_id == Some(s.id));
            Current {
                id: s.id,
                name: s.name.clone(),
                values: vec![
                    ("name", s.name.clone()),
                    ("window_code", window.map(|w| w.code.clone()).unwrap_or_default()),
                ],
                facts: vec![
                    ("所在窗口", window.map(|w| named(&w.name, &w.code)).unwrap_or_else(|| "不在窗口".to_owned())),
                    ("职责", if head { "窗口负责人" } else { "工作人员" }.to_owned()),
                ],
                fields: vec![
                    text_field("name", "姓名", 50),
                    list_field("window_code", "所在窗口", window_choices(org, None), "（不在窗口）"),
                ],
                deactivated_at: s.deactivated_at,
            }
        }
        OrgRecord::ServiceItem => {
            let items = crate::app::admin::org::service_items(state, &me.user).await.map_err(PageError::from)?;
            let i = items.into_iter().find(|i| i.code == code).ok_or_else(missing)?;
            let department = i.department_id.and_then(|id| org.department(id));
            Current {
                id: i.id,
                name: i.name.clone(),
                values: vec![
                    ("name", i.name.clone()),
                    ("department_code", department.map(|d| d.code.clone()).unwrap_or_default()),
                ],
                facts: vec![(
                    "实施部门",
                    department.map(|d| named(&d.name, &d.code)).unwrap_or_else(|| "（未指定）".to_owned()),
                )],
                fields: vec![
                    name_field(200),
                    list_field("department_code", "实施部门", department_choices(org), "（未指定）"),
                ],
                deactivated_at: i.deactivated_at,
            }
        }
    })
}

/// The parts of a record's page; `form` is the edit form as submitted (None: the record's values).
pub async fn parts(
    state: &AppState,
    me: &SignedIn,
    record: OrgRecord,
    code: &str,
    form: Option<FormView>,
    status_form: FormView,
) -> Result<RecordParts, PageError> {
    let org = OrgData::load(state).await?;
    let now = current(state, me, &org, record, code).await?;
    let form = form.unwrap_or_else(|| {
        let values: Vec<(&str, &str)> = now.values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        FormView::with(&values)
    });
    let closed_notice = match (record, now.deactivated_at) {
        (OrgRecord::Window, Some(_)) => crate::app::org::window(state, code).await?.and_then(|w| w.closed),
        _ => None,
    };
    let history = history(state, &me.user, record, code)
        .await?
        .into_iter()
        .map(|h| HistoryRow { at: local_text(&h.at), actor: h.actor_label, action: h.action_label, changes: h.changes })
        .collect();
    Ok(RecordParts {
        kind: kind_label(record),
        name: now.name,
        code: code.to_owned(),
        base: format!("{}/{}", base(record), code),
        facts: now.facts,
        deactivated: now.deactivated_at.map(millis_text),
        closed_notice,
        fields: now.fields,
        form,
        status_form,
        replacements: if record == OrgRecord::Window { window_choices(&org, Some(now.id)) } else { Vec::new() },
        is_window: record == OrgRecord::Window,
        code_label: match record {
            OrgRecord::Staff => "工号".to_owned(),
            OrgRecord::Window => "窗口编号".to_owned(),
            other => format!("{}编码", kind_label(other)),
        },
        refusal_rule: match record {
            OrgRecord::OrgUnit => "仍有在用的下级机构或进驻部门时不能停用；",
            OrgRecord::Department => "仍有在用的窗口时不能停用；",
            OrgRecord::Window => "停用前须将在岗工作人员调走，并告诉群众改到哪里办理；",
            OrgRecord::Staff => "停用后不能再被选为评价、投诉和派单的对象，其窗口负责人身份一并取消；",
            OrgRecord::ServiceItem => "停用后不能再登记该事项的办件；",
        },
        edit_csrf: me.token(state, EDIT_FORM),
        status_csrf: me.token(state, STATUS_FORM),
        history,
    })
}

#[derive(Template)]
#[template(path = "admin_record.html")]
pub struct RecordPage {
    pub chrome: Chrome,
    pub message: Option<&'static str>,
    pub back: (&'static str, &'static str),
    pub parts: RecordParts,
}

/// The success message of a `?done=` flag on a record's page.
pub fn message(done: Result<Query<Done>, QueryRejection>) -> Option<&'static str> {
    match done.ok().and_then(|d| d.0.done).as_deref() {
        Some("edited") => Some("已保存修改。"),
        Some("deactivated") => Some("已停用。历史记录和统计数据仍然保留。"),
        Some("reactivated") => Some("已重新启用。"),
        _ => None,
    }
}

fn back(record: OrgRecord) -> (&'static str, &'static str) {
    match record {
        OrgRecord::OrgUnit | OrgRecord::Department => ("/admin/org", "组织机构"),
        OrgRecord::Window => ("/admin/windows", "窗口"),
        OrgRecord::Staff => ("/admin/staff", "工作人员"),
        OrgRecord::ServiceItem => ("/admin/items", "政务服务事项"),
    }
}

async fn render(
    state: &AppState,
    me: &SignedIn,
    record: OrgRecord,
    code: &str,
    status: StatusCode,
    message: Option<&'static str>,
    forms: (Option<FormView>, FormView),
) -> Result<Response, PageError> {
    if record == OrgRecord::Window {
        return super::windows::render_window(state, me, code, status, message, FormView::default(), forms).await;
    }
    let parts = parts(state, me, record, code, forms.0, forms.1).await?;
    let title = format!("{}：{}", kind_label(record), parts.name);
    let page = RecordPage { chrome: me.chrome(state, title), message, back: back(record), parts };
    Ok(me.render(status, &page))
}

pub async fn page(
    record: OrgRecord,
    State(state): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    render(&state, &me, record, &code, StatusCode::OK, message(done), (None, FormView::default())).await
}

const EDIT_FIELDS: &[&str] = &["name", "kind", "org_code", "department_code", "head_staff_no", "window_code"];

fn optional(form: &FormPairs, name: &str) -> Option<String> {
    form.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The edit form: the kind's use case with the fields it takes.
pub async fn edit(
    record: OrgRecord,
    State(state): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
    CsrfForm(form, _): CsrfForm<EditForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let (state, user, name) = (&state, &me.user, form.text("name"));
    let result = match record {
        OrgRecord::OrgUnit => {
            changes::edit_org_unit(state, user, &code, &OrgUnitChange { name, kind: form.text("kind") }).await.map(drop)
        }
        OrgRecord::Department => {
            let req = DepartmentChange { name, org_code: form.text("org_code") };
            changes::edit_department(state, user, &code, &req).await.map(drop)
        }
        OrgRecord::Window => {
            let req = WindowChange {
                name,
                department_code: form.text("department_code"),
                head_staff_no: optional(&form, "head_staff_no"),
            };
            changes::edit_window(state, user, &code, &req).await.map(drop)
        }
        OrgRecord::Staff => {
            let req = StaffChange { name, window_code: optional(&form, "window_code") };
            changes::edit_staff(state, user, &code, &req).await.map(drop)
        }
        OrgRecord::ServiceItem => {
            let req = ServiceItemChange { name, department_code: optional(&form, "department_code") };
            changes::edit_service_item(state, user, &code, &req).await.map(drop)
        }
    };
    match result {
        Ok(()) => Ok(done(&format!("{}/{code}", base(record)), "edited")),
        Err(err) => {
            let status = crate::edge::status::of(err.code);
            if status == StatusCode::NOT_FOUND {
                return Err(not_found(record));
            }
            let view = FormView::refused(&form, EDIT_FIELDS, err)?;
            render(state, &me, record, &code, status, None, (Some(view), FormView::default())).await
        }
    }
}

/// Deactivates (`active` false) or reactivates the record.
pub async fn switch(
    record: OrgRecord,
    active: bool,
    State(state): State<AppState>,
    me: SignedIn,
    Path(code): Path<String>,
    CsrfForm(form, _): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let closure =
        Closure { replacement_window_code: optional(&form, "replacement_window_code"), note: optional(&form, "note") };
    match changes::set_active(&state, &me.user, record, &code, active, &closure).await {
        Ok(()) => Ok(done(&format!("{}/{code}", base(record)), if active { "reactivated" } else { "deactivated" })),
        Err(err) => {
            let status = crate::edge::status::of(err.code);
            if status == StatusCode::NOT_FOUND {
                return Err(not_found(record));
            }
            let view = FormView::refused(&form, &["replacement_window_code", "note"], err)?;
            render(&state, &me, record, &code, status, None, (None, view)).await
        }
    }
}
