//! `/entry/complaint`: a complaint from a hotline call or the complaint box, registered like
//! `POST /api/v1/complaints` with the signed-in operator or registrar as submitter.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use hcp_core::FieldErrors;
use hcp_core::complaint::{ComplaintChannel, ComplaintInput, ContactInput, NewComplaint};
use hcp_core::role::Role;
use hcp_store::org;

use super::super::FormPairs;
use super::super::errors::PageError;
use super::super::layout::Chrome;
use super::super::signed_in::SignedIn;
use super::{Choice, Directory, ENTRY_ROLES, new_submit_key, submitted_key};
use crate::error::ApiError;
use crate::routes::evaluations::{intake_error, scoped_idempotency, submitter_for};
use crate::service::intake::{IntakeError, IntakeRequest, Outcome, Receipt, Submission};
use crate::state::AppState;

const FORM: &str = "entry-complaint";

const CHANNELS: [ComplaintChannel; 2] = [ComplaintChannel::Phone, ComplaintChannel::Box];

fn default_channel(role: Role) -> ComplaintChannel {
    if role == Role::HotlineOperator { ComplaintChannel::Phone } else { ComplaintChannel::Box }
}

#[derive(Default, Clone)]
pub struct Values {
    pub channel: String,
    pub org: String,
    pub department: String,
    pub window: String,
    pub staff: String,
    pub content: String,
    pub name: String,
    pub phone: String,
}

#[derive(Default)]
pub struct Errors {
    pub general: Option<String>,
    pub channel: Option<String>,
    pub org: Option<String>,
    pub department: Option<String>,
    pub window: Option<String>,
    pub staff: Option<String>,
    pub content: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
}

impl Errors {
    fn from_fields(fields: &FieldErrors) -> Errors {
        let mut errors = Errors::default();
        let mut other = Vec::new();
        for (field, message) in &fields.0 {
            let slot = match field.as_str() {
                "channel" => &mut errors.channel,
                "org_code" => &mut errors.org,
                "department_code" => &mut errors.department,
                "window_code" => &mut errors.window,
                "staff_no" => &mut errors.staff,
                "content" => &mut errors.content,
                "contact.name" => &mut errors.name,
                "contact.phone" => &mut errors.phone,
                _ => {
                    other.push(message.clone());
                    continue;
                }
            };
            *slot = Some(message.clone());
        }
        errors.general =
            Some(if other.is_empty() { "未保存：请按提示修改。".to_owned() } else { other.join("；") });
        errors
    }

    fn first_field(&self) -> Option<&'static str> {
        [
            (&self.channel, "channel"),
            (&self.org, "org"),
            (&self.department, "department"),
            (&self.window, "window"),
            (&self.staff, "staff"),
            (&self.content, "content"),
            (&self.name, "name"),
            (&self.phone, "phone"),
        ]
        .into_iter()
        .find(|(e, _)| e.is_some())
        .map(|(_, id)| id)
    }
}

pub struct Saved {
    pub receipt: Receipt,
    pub replayed: bool,
    pub channel_label: &'static str,
    pub hotline: bool,
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
    pub windows: Vec<Choice>,
    pub staff: Vec<Choice>,
    pub values: Values,
    pub errors: Errors,
    pub saved: Option<Saved>,
    pub focus: &'static str,
}

/// Org units and departments for the two selects.
struct Places {
    orgs: Vec<org::OrgUnit>,
    departments: Vec<org::Department>,
}

impl Places {
    async fn load(state: &AppState) -> Result<Places, PageError> {
        let mut conn = state.store().reader().await.map_err(ApiError::from)?;
        Ok(Places {
            orgs: org::list_org_units(&mut conn).await.map_err(ApiError::from)?,
            departments: org::list_departments(&mut conn).await.map_err(ApiError::from)?,
        })
    }
}

fn page_for(
    me: &SignedIn,
    state: &AppState,
    places: &Places,
    directory: &Directory,
    values: Values,
    errors: Errors,
    saved: Option<Saved>,
) -> ComplaintPage {
    let choice = |value: &str, label: String, current: &str| Choice {
        value: value.to_owned(),
        label,
        selected: value == current,
    };
    ComplaintPage {
        chrome: super::chrome(me, state, "投诉登记"),
        csrf: me.token(state, FORM),
        submit_key: new_submit_key(),
        channels: CHANNELS.iter().map(|c| choice(c.code(), c.label().to_owned(), &values.channel)).collect(),
        orgs: places.orgs.iter().map(|o| choice(&o.code, format!("{} {}", o.code, o.name), &values.org)).collect(),
        departments: places
            .departments
            .iter()
            .map(|d| choice(&d.code, format!("{} {}", d.code, d.name), &values.department))
            .collect(),
        windows: directory.window_choices(),
        staff: directory.staff_choices(),
        focus: errors.first_field().unwrap_or("channel"),
        values,
        errors,
        saved,
    }
}

pub async fn page(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let (places, directory) = (Places::load(&state).await?, Directory::load(&state).await?);
    let values = Values { channel: default_channel(me.user.role).code().into(), ..Default::default() };
    let page = page_for(&me, &state, &places, &directory, values, Errors::default(), None);
    Ok(me.render(StatusCode::OK, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    me: SignedIn,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let form = FormPairs::parse(body)?;
    me.verify(&state, FORM, &form)?;
    let (places, directory) = (Places::load(&state).await?, Directory::load(&state).await?);
    let values = Values {
        channel: form.text("channel"),
        org: form.text("org"),
        department: form.text("department"),
        window: form.text("window"),
        staff: form.text("staff"),
        content: form.text("content"),
        name: form.text("name"),
        phone: form.text("phone"),
    };
    let again = |values: Values, errors: Errors, status: StatusCode| {
        me.render(status, &page_for(&me, &state, &places, &directory, values, errors, None))
    };
    // Online complaints are the citizens' own page; here only the hotline and the box.
    if !form.get("channel").and_then(ComplaintChannel::parse).is_some_and(|c| c.is_registered()) {
        let errors = Errors {
            general: Some("未保存：请按提示修改。".into()),
            channel: Some("请选择来源：12345热线或意见箱".into()),
            ..Default::default()
        };
        return Ok(again(values, errors, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let window_code = directory.window_code(&values.window);
    let (name, phone) = (form.get("name"), form.get("phone"));
    let input = ComplaintInput {
        channel: form.get("channel").map(str::to_owned),
        org_code: form.get("org").map(str::to_owned),
        department_code: form.get("department").map(str::to_owned),
        staff_no: directory.staff_no(&values.staff, window_code.as_deref()),
        window_code,
        content: form.get("content").map(str::to_owned),
        contact: (name.is_some() || phone.is_some())
            .then(|| ContactInput { name: name.map(str::to_owned), phone: phone.map(str::to_owned) }),
    };
    let complaint = match NewComplaint::parse(&input) {
        Ok(complaint) => complaint,
        Err(fields) => return Ok(again(values, Errors::from_fields(&fields), StatusCode::UNPROCESSABLE_ENTITY)),
    };
    let channel = complaint.channel;
    let submitter = submitter_for(&state, Some(&me.user), std::net::IpAddr::from([127, 0, 0, 1]), true, 0)?;
    let idempotency = submitted_key(form.get("submit_key"))
        .map(|key| scoped_idempotency(&format!("entry-complaint:{key}"), Some(&me.user), &input));
    let request = IntakeRequest {
        submission: Submission::Complaint(complaint),
        submitter,
        received_at: state.now(),
        idempotency,
        import_ref: None,
        rules: state.rules(),
    };
    let (receipt, replayed) = match state.intake().submit(request).await {
        Ok(Outcome::Created(receipt)) => (receipt, false),
        Ok(Outcome::Replayed(receipt)) => (receipt, true),
        Ok(Outcome::AlreadyImported) => return Err(PageError::internal()),
        Err(IntakeError::KeyReused) => {
            let errors = Errors {
                general: Some("这张表单已经保存过一次，内容已有改动。如需作为新投诉保存，请再次点击保存。".into()),
                ..Default::default()
            };
            return Ok(again(values, errors, StatusCode::CONFLICT));
        }
        Err(err) => {
            let err: ApiError = intake_error(err);
            if !err.status.is_client_error() {
                return Err(err.into());
            }
            let errors = if err.fields.is_empty() {
                Errors { general: Some(err.message.clone()), ..Default::default() }
            } else {
                Errors::from_fields(&err.fields)
            };
            return Ok(again(values, errors, err.status));
        }
    };
    let saved =
        Saved { receipt, replayed, channel_label: channel.label(), hotline: channel == ComplaintChannel::Phone };
    let next = Values { channel: values.channel, ..Default::default() };
    let page = page_for(&me, &state, &places, &directory, next, Errors::default(), Some(saved));
    Ok(me.render(StatusCode::OK, &page))
}
