//! User accounts as the security administrator (安全管理员) creates and lists them (`hcp user add` does the same at
//! the command line). Administrator accounts (系统管理员, 安全管理员, 审计管理员) are created only at the command line:
//! the security administrator cannot make a system or audit administrator of their choosing (三员分立).

use hcp_core::role::Role;
use hcp_store::users;
pub use hcp_store::users::User;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::accounts::{self, NewAccount};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::password_policy::broken_rules;
use crate::app::state::AppState;
use hcp_core::FieldErrors;

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub id: i64,
    pub username: String,
    /// The generated temporary password, shown once; absent when the administrator chose it (never echoed) and
    /// for an integration account, which has none that anyone knows.
    pub password: Option<String>,
    /// For an integration account: that it never signs in and who issues its tokens.
    pub note: Option<String>,
}

/// Who keeps accounts: the security administrator (三员分立).
pub const KEEPERS: &[Role] = &[Role::SecurityAdmin];

/// The refusal of an administrator role given or taken through a request.
pub fn administrator_role_refused() -> AppError {
    AppError::invalid_field(
        "role",
        "管理员账号（系统管理员、安全管理员、审计管理员）只能由运维人员在服务器上用命令行创建",
    )
}

/// Creates a user with a role and scope; the password is generated unless given (and shown once).
pub async fn add(state: &AppState, user: &CurrentUser, req: &NewAccount) -> AppResult<CreatedUser> {
    user.require(KEEPERS)?;
    if Role::from_code(req.role.trim()).is_some_and(Role::is_administrator) {
        return Err(administrator_role_refused());
    }
    let chosen = req.password.as_deref().map(str::trim).filter(|p| !p.is_empty());
    // A chosen password follows the policy too (temporary, but in use until the first sign-in); its broken rules
    // are listed beside the form's other errors.
    let broken = chosen.map(|p| broken_rules(&state.config().security.password, &req.username, p)).unwrap_or_default();
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let created = accounts::create(&mut tx, req, &user.actor(), now).await;
    let (id, password) = match (created, broken.is_empty()) {
        (Ok(created), true) => created,
        (Ok(_), false) => return Err(AppError::invalid_field("password", broken.join("；"))),
        (Err(mut error), false) if error.code == ErrorCode::ValidationFailed => {
            let mut fields = FieldErrors::single("password", broken.join("；"));
            for (field, message) in std::mem::take(&mut error.fields).0 {
                fields.add(field, message);
            }
            return Err(error.with_fields(fields));
        }
        (Err(error), _) => return Err(error),
    };
    tx.commit().await?;
    let note = password.is_none().then(|| accounts::INTEGRATION_NO_SIGN_IN.to_owned());
    let password = password.filter(|_| chosen.is_none());
    Ok(CreatedUser { id, username: req.username.trim().to_owned(), password, note })
}

/// All users (without password hashes).
pub async fn list(state: &AppState, user: &CurrentUser) -> AppResult<Vec<User>> {
    user.require(KEEPERS)?;
    Ok(users::list(&mut *state.store().reader().await?).await?)
}
