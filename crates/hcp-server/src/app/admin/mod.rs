//! Administration (the system administrator): the organisation model, cases and the calendar; user accounts are
//! the security administrator's (`users`, `users_lifecycle`). The
//! administrator configures but does not read case contents (DESIGN §7). Every write is audited.

pub mod calendar;
pub mod cases;
pub mod changes;
pub mod history;
pub mod org;
pub mod replacements;
pub mod users;
pub mod users_lifecycle;

use chrono::{DateTime, Utc};
use hcp_core::FieldErrors;
use hcp_core::org::{Code, parse_name};
use hcp_store::{AnyConnection, audit};

use super::auth::CurrentUser;
use super::error::AppResult;

pub(super) fn code(errors: &mut FieldErrors, field: &str, text: &str) -> String {
    match Code::parse(text) {
        Ok(code) => code.as_str().to_owned(),
        Err(message) => {
            errors.add(field, message);
            String::new()
        }
    }
}

pub(super) fn name(errors: &mut FieldErrors, field: &str, text: &str, max: usize) -> String {
    parse_name(text, max).unwrap_or_else(|message| {
        errors.add(field, message);
        String::new()
    })
}

/// Records a field error when a looked-up row is missing, and passes the lookup through.
pub(super) fn required<T>(
    errors: &mut FieldErrors,
    field: &str,
    message: impl Into<String>,
    found: Option<T>,
) -> Option<T> {
    if found.is_none() {
        errors.add(field, message);
    }
    found
}

pub(super) fn optional_text(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(super) async fn audited(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    now: DateTime<Utc>,
    action: &str,
    target: String,
    details: serde_json::Value,
) -> AppResult<()> {
    audit::append(conn, now, &user.actor(), action, &target, &details).await?;
    Ok(())
}
