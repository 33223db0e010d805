//! The pages of hotline operators (12345热线话务员) and registrars (评价登记员): fast keyboard entry of what reaches
//! them off-line — hotline calls, paper evaluation forms, complaint-box records — and of hotline complaints, and
//! the batch upload of a CSV/XLSX file with its per-row report. Everything goes through the API's own intake and
//! import functions (`routes::evaluations`, `routes::complaints`), so the rules, audit and messages are the same.

mod complaint;
mod form;
mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use hcp_core::role::Role;

use super::FormPairs;
use super::errors::PageError;
use super::layout::Chrome;
use super::signed_in::SignedIn;
use crate::app::error::{AppError, ErrorCode};
use crate::app::intake::{self, Origin, Receipt, Submittable};
use crate::app::org::{Organisation, Staff, Window};
use crate::app::state::AppState;

/// Who may use these pages: the roles the API lets register off-line records.
pub const ENTRY_ROLES: &[Role] = &[Role::HotlineOperator, Role::Registrar];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/entry", get(form::page).post(form::submit))
        .route("/entry/complaint", get(complaint::page).post(complaint::submit))
        // The upload handler reads the body itself, bounded by the configured import limit.
        .route("/entry/upload", get(upload::page).post(upload::submit).layer(DefaultBodyLimit::disable()))
        .route("/entry/template.csv", get(upload::template_csv))
        .route("/entry/template.xlsx", get(upload::template_xlsx))
}

/// The page's header and menu.
pub fn chrome(me: &SignedIn, state: &AppState, title: &str) -> Chrome {
    me.chrome(state, title)
}

/// One choice of a `<select>` or `<datalist>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Windows and staff as the entry forms offer them (code first, so typing the code finds it).
pub struct Directory {
    pub windows: Vec<Window>,
    pub window_labels: Vec<String>,
    pub staff: Vec<Staff>,
    pub staff_labels: Vec<String>,
}

impl Directory {
    pub async fn load(state: &AppState) -> Result<Directory, PageError> {
        let Organisation { windows, departments, staff, .. } = Organisation::load(state).await?;
        // Only what is in service can be chosen on a new entry.
        let windows: Vec<_> = windows.into_iter().filter(|w| w.deactivated_at.is_none()).collect();
        let staff: Vec<_> = staff.into_iter().filter(|s| s.deactivated_at.is_none()).collect();
        let department_name =
            |id: i64| departments.iter().find(|d| d.id == id).map(|d| d.name.as_str()).unwrap_or_default();
        let window_labels =
            windows.iter().map(|w| format!("{}（{}）", w.name, department_name(w.department_id))).collect();
        let staff_labels = staff
            .iter()
            .map(|s| {
                let window = s.window_id.and_then(|id| windows.iter().find(|w| w.id == id));
                match window {
                    Some(w) => format!("{}（{}）", s.name, w.name),
                    None => s.name.clone(),
                }
            })
            .collect();
        Ok(Directory { windows, window_labels, staff, staff_labels })
    }

    pub fn window_choices(&self) -> Vec<Choice> {
        self.window_choices_where(|_| true)
    }

    pub fn staff_choices(&self) -> Vec<Choice> {
        self.staff_choices_where(|_| true)
    }

    /// The windows of one department (the complaint form narrows to the department the caller names).
    pub fn window_choices_of(&self, department_id: i64) -> Vec<Choice> {
        self.window_choices_where(|w| w.department_id == department_id)
    }

    /// The staff of one department's windows.
    pub fn staff_choices_of(&self, department_id: i64) -> Vec<Choice> {
        self.staff_choices_where(|s| self.department_of(s) == Some(department_id))
    }

    fn window_choices_where(&self, keep: impl Fn(&Window) -> bool) -> Vec<Choice> {
        self.windows
            .iter()
            .zip(&self.window_labels)
            .filter(|(w, _)| keep(w))
            .map(|(w, label)| Choice { value: w.code.clone(), label: label.clone(), selected: false })
            .collect()
    }

    fn staff_choices_where(&self, keep: impl Fn(&Staff) -> bool) -> Vec<Choice> {
        self.staff
            .iter()
            .zip(&self.staff_labels)
            .filter(|(s, _)| keep(s))
            .map(|(s, label)| Choice { value: s.staff_no.clone(), label: label.clone(), selected: false })
            .collect()
    }

    fn department_of(&self, staff: &Staff) -> Option<i64> {
        let window = staff.window_id.and_then(|id| self.windows.iter().find(|w| w.id == id))?;
        Some(window.department_id)
    }

    /// The window and staff member a saved record names, completed as intake completes them (a staff member's
    /// window when only the staff member was given), for the operator to read back to the caller.
    pub fn resolved(&self, window_code: Option<&str>, staff_no: Option<&str>) -> (Option<&Window>, Option<&Staff>) {
        let staff = staff_no.and_then(|no| self.staff.iter().find(|s| s.staff_no == no));
        let window = match window_code {
            Some(code) => self.windows.iter().find(|w| w.code == code),
            None => staff.and_then(|s| s.window_id).and_then(|id| self.windows.iter().find(|w| w.id == id)),
        };
        (window, staff)
    }

    /// What was typed into the window field as a window code: a code as it is, else a unique window name (or
    /// "code name" as a datalist may fill in). Anything else goes on as typed, for intake to name it.
    pub fn window_code(&self, typed: &str) -> Option<String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        let first = typed.split_whitespace().next().unwrap_or(typed);
        if let Some(w) = self.windows.iter().find(|w| w.code == typed || w.code == first) {
            return Some(w.code.clone());
        }
        if let Some(w) = self.windows.iter().find(|w| w.code.eq_ignore_ascii_case(first)) {
            return Some(w.code.clone());
        }
        let named: Vec<_> = self.windows.iter().filter(|w| w.name == typed).collect();
        match named.as_slice() {
            [one] => Some(one.code.clone()),
            _ => Some(typed.to_owned()),
        }
    }

    /// Same for a staff member: a staff number, else a unique name (within the window if one is given).
    pub fn staff_no(&self, typed: &str, window_code: Option<&str>) -> Option<String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        let first = typed.split_whitespace().next().unwrap_or(typed);
        if let Some(s) = self.staff.iter().find(|s| s.staff_no == typed || s.staff_no.eq_ignore_ascii_case(first)) {
            return Some(s.staff_no.clone());
        }
        let window_id = window_code.and_then(|code| self.windows.iter().find(|w| w.code == code)).map(|w| w.id);
        let named: Vec<_> = self
            .staff
            .iter()
            .filter(|s| s.name == typed && (window_id.is_none() || s.window_id == window_id))
            .collect();
        match named.as_slice() {
            [one] => Some(one.staff_no.clone()),
            _ => Some(typed.to_owned()),
        }
    }
}

/// A fresh key for one shown form: a resubmitted form (reload, double click) replays the first answer instead
/// of registering the record twice (the API's idempotency store).
pub fn new_submit_key() -> String {
    super::csrf::random_token()
}

/// The submitted key, if it looks like one of ours.
pub fn submitted_key(text: Option<&str>) -> Option<&str> {
    text.filter(|k| (8..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// An entry form as [`save`] knows it.
pub struct EntryForm {
    /// Scopes the form's submit key (one key space per form).
    pub scope: &'static str,
    /// Shown when a form already saved comes back changed (e.g. after going back).
    pub key_reused: &'static str,
}

/// Saves a record typed on an entry form through intake, the signed-in user as submitter. The shown form's
/// submit key makes a second click a replay. `Ok(Err(..))` is a refusal to show on the form: the API's error,
/// or `key_reused` (409) for the same shown form saved before and changed since, which saves as a new record
/// on the next click (the page gives a new key).
pub async fn save<I: Submittable>(
    state: &AppState,
    me: &SignedIn,
    ip: std::net::IpAddr,
    entry: &EntryForm,
    form: &FormPairs,
    input: &I,
) -> Result<Result<(Receipt, bool), AppError>, PageError> {
    let idempotency_key = submitted_key(form.get("submit_key")).map(|key| format!("{}:{key}", entry.scope));
    let origin = Origin { user: Some(&me.user), ip, idempotency_key };
    match intake::submit(state, &origin, input).await {
        Ok(submitted) => Ok(Ok((submitted.receipt, submitted.replayed))),
        Err(err) if err.code == ErrorCode::IdempotencyKeyReused => {
            Ok(Err(AppError::new(ErrorCode::Conflict, entry.key_reused)))
        }
        Err(err) => {
            if crate::edge::status::of(err.code).is_client_error() {
                Ok(Err(err))
            } else {
                Err(err.into())
            }
        }
    }
}
