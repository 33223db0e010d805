//! `/entry/complaint`: a complaint from a hotline call or the complaint box, registered like
//! `POST /api/v1/complaints` with the signed-in operator or registrar as submitter.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::complaint::{ComplaintChannel, ComplaintInput, ContactInput};
use hcp_core::role::Role;

use super::super::errors::PageError;
use super::super::form_view::FormView;
use super::super::layout::Chrome;
use super::super::signed_in::SignedIn;
use super::{Choice, Directory, ENTRY_ROLES, EntryForm, new_submit_key, save};
use crate::app::intake::Receipt;
use crate::app::org::{Department, OrgUnit, Organisation};
use crate::app::state::AppState;
use crate::edge::client::ClientAddr;
use crate::edge::status;
use crate::web::form::{CsrfForm, form_name};

const FORM: &str = "entry-complaint";
form_name!(ComplaintEntryForm, FORM);

const CHANNELS: [ComplaintChannel; 2] = [ComplaintChannel::Phone, ComplaintChannel::Box];

fn default_channel(role: Role) -> ComplaintChannel {
    if role == Role::HotlineOperator { ComplaintChannel::Phone } else { ComplaintChannel::Box }
}

/// The message above the form when its fields carry the messages.
const NOT_SAVED: &str = "未保存：请按提示修改。";

/// The fields as the API names them → as the form names them.
const FIELDS: &[(&str, &str)] = &[
    ("channel", "channel"),
    ("org_code", "org"),
    ("department_code", "department"),
    ("window_code", "window"),
    ("staff_no", "staff"),
    ("content", "content"),
    ("contact.name", "name"),
    ("contact.phone", "phone"),
];

const SAVE: EntryForm = EntryForm {
    scope: "entry-complaint",
    key_reused: "这张表单已经保存过一次，内容已有改动。如需作为新投诉保存，请再次点击保存。",
};

/// The form's fields in page order: the cursor goes to the first with an error.
const ORDER: &[&str] = &["channel", "org", "department", "window", "staff", "content", "name", "phone"];

pub struct Saved {
    pub receipt: Receipt,
    pub replayed: bool,
    pub channel_label: &'static str,
    pub hotline: bool,
    /// Whom the complaint is about, as registered, for the operator to read back to the caller.
    pub target: Target,
}

/// The department, window and staff member a saved complaint names ("名称（编号）"), each if known.
pub struct Target {
    pub department: Option<String>,
    pub window: Option<String>,
    pub staff: Option<String>,
}

impl Target {
    /// The target as intake completes it from what was typed (see `Directory::resolved`).
    fn of(input: &ComplaintInput, places: &Places, directory: &Directory) -> Target {
        let (window, staff) = directory.resolved(input.window_code.as_deref(), input.staff_no.as_deref());
        let department = match window {
            Some(w) => places.departments.iter().find(|d| d.id == w.department_id),
            None => input.department_code.as_deref().and_then(|code| places.department(code)),
        };
        Target {
            department: department.map(|d| d.name.clone()),
            window: window.map(|w| format!("{}（{}）", w.name, w.code)),
            staff: staff.map(|s| format!("{}（{}）", s.name, s.staff_no)),
        }
    }

    pub fn is_known(&self) -> bool {
        self.department.is_some() || self.window.is_some() || self.staff.is_some()
    }
}

#[derive(Template)]
#[template(path = "entry_complaint.html")]
pub struct ComplaintPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub submit_key: String,
    pub channels: Vec<Choice>,
    pub orgs: Vec<Choice>,
    pub departments: Vec<Choice>,
    /// The chosen department's windows and staff (none before a department is chosen: 48 windows and over a
    /// hundred staff are too many to pick from while the caller waits).
    pub windows: Vec<Choice>,
    pub staff: Vec<Choice>,
    /// The department the lists are narrowed to, by name.
    pub narrowed_to: Option<String>,
    /// What was typed, re-shown with the errors next to the fields.
    pub form: FormView,
    pub saved: Option<Saved>,
    pub focus: &'static str,
}

/// Org units and departments for the two selects.
struct Places {
    orgs: Vec<OrgUnit>,
    departments: Vec<Department>,
}

impl Places {
    async fn load(state: &AppState) -> Result<Places, PageError> {
        let org = Organisation::load(state).await?;
        // Only what is in service can be chosen on a new complaint.
        Ok(Places {
            orgs: org.units.into_iter().filter(|u| u.deactivated_at.is_none()).collect(),
            departments: org.departments.into_iter().filter(|d| d.deactivated_at.is_none()).collect(),
        })
    }

    fn department(&self, code: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.code == code)
    }
}

/// The button that lists the chosen department's windows and staff instead of saving (no script needed).
const NARROW: &str = "narrow";

fn page_for(
    me: &SignedIn,
    state: &AppState,
    places: &Places,
    directory: &Directory,
    form: FormView,
    saved: Option<Saved>,
    focus: &'static str,
) -> ComplaintPage {
    let choice = |value: &str, label: String, current: &str| Choice {
        value: value.to_owned(),
        label,
        selected: value == current,
    };
    let department = places.department(form.v("department"));
    ComplaintPage {
        chrome: super::chrome(me, state, "投诉登记"),
        csrf: me.token(state, FORM),
        submit_key: new_submit_key(),
        channels: CHANNELS.iter().map(|c| choice(c.code(), c.label().to_owned(), form.v("channel"))).collect(),
        orgs: places.orgs.iter().map(|o| choice(&o.code, format!("{} {}", o.code, o.name), form.v("org"))).collect(),
        departments: places
            .departments
            .iter()
            .map(|d| choice(&d.code, format!("{} {}", d.code, d.name), form.v("department")))
            .collect(),
        windows: department.map(|d| directory.window_choices_of(d.id)).unwrap_or_default(),
        staff: department.map(|d| directory.staff_choices_of(d.id)).unwrap_or_default(),
        narrowed_to: department.map(|d| d.name.clone()),
        focus: form.first_error(ORDER).unwrap_or(focus),
        form,
        saved,
    }
}

pub async fn page(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let (places, directory) = (Places::load(&state).await?, Directory::load(&state).await?);
    let form = FormView::with(&[("channel", default_channel(me.user.role).code())]);
    let page = page_for(&me, &state, &places, &directory, form, None, "channel");
    Ok(me.render(StatusCode::OK, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    me: SignedIn,
    ClientAddr(ip): ClientAddr,
    CsrfForm(form, _): CsrfForm<ComplaintEntryForm>,
) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let (places, directory) = (Places::load(&state).await?, Directory::load(&state).await?);
    let values = FormView::from_pairs(&form, ORDER);
    let again = |view: FormView, status: StatusCode| {
        me.render(status, &page_for(&me, &state, &places, &directory, view, None, "channel"))
    };
    // "列出该部门的窗口和人员": the same form again, as typed, with the department's lists; nothing is saved.
    if form.get("step") == Some(NARROW) {
        let focus = if places.department(values.v("department")).is_some() { "window" } else { "department" };
        let page = page_for(&me, &state, &places, &directory, values, None, focus);
        return Ok(me.render(StatusCode::OK, &page));
    }
    // Online complaints are the citizens' own page; here only the hotline and the box.
    let Some(channel) = form.get("channel").and_then(ComplaintChannel::parse).filter(|c| c.is_registered()) else {
        let view = values.message(NOT_SAVED).field_error("channel", "请选择来源：12345热线或意见箱");
        return Ok(again(view, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let window_code = directory.window_code(values.v("window"));
    let (name, phone) = (form.get("name"), form.get("phone"));
    let input = ComplaintInput {
        channel: form.get("channel").map(str::to_owned),
        org_code: form.get("org").map(str::to_owned),
        department_code: form.get("department").map(str::to_owned),
        staff_no: directory.staff_no(values.v("staff"), window_code.as_deref()),
        window_code,
        content: form.get("content").map(str::to_owned),
        contact: (name.is_some() || phone.is_some())
            .then(|| ContactInput { name: name.map(str::to_owned), phone: phone.map(str::to_owned) }),
    };
    let target = Target::of(&input, &places, &directory);
    let (receipt, replayed) = match save(&state, &me, ip, &SAVE, &form, &input).await? {
        Ok(saved) => saved,
        Err(err) => return Ok(again(values.api_error(&err, FIELDS, NOT_SAVED), status::of(err.code))),
    };
    let hotline = channel == ComplaintChannel::Phone;
    let saved = Saved { receipt, replayed, channel_label: channel.label(), hotline, target };
    let next = FormView::with(&[("channel", values.v("channel"))]);
    let page = page_for(&me, &state, &places, &directory, next, Some(saved), "channel");
    Ok(me.render(StatusCode::OK, &page))
}
