//! Signing in and out and who the caller is (API tokens of integration accounts: `tokens`).

use chrono::Duration;
use hcp_core::role::{Role, Scope};
use hcp_store::crypto::{new_token, token_hash, verify_password};
use hcp_store::{audit, org, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{CurrentUser, resolve};
use super::client::Client;
use super::error::{AppError, AppResult};
use super::lockout;
use super::second_factor;
use super::state::AppState;

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub role_label: &'static str,
    #[schema(value_type = Object)]
    pub scope: Option<Scope>,
    /// For staff and window heads: their own staff number.
    pub staff_no: Option<String>,
}

/// The signed-in user, role and scope.
pub async fn me(state: &AppState, user: &CurrentUser) -> AppResult<MeView> {
    let staff_no = match user.user.staff_id {
        Some(id) => org::staff_by_id(&mut *state.store().reader().await?, id).await?.map(|s| s.staff_no),
        None => None,
    };
    Ok(MeView {
        id: user.user.id,
        username: user.user.username.clone(),
        display_name: user.user.display_name.clone(),
        role: user.role,
        role_label: user.role.label(),
        scope: user.scope.clone(),
        staff_no,
    })
}

/// A new session: the token for the cookie, and how long it lives.
pub struct Session {
    pub user: CurrentUser,
    pub token: String,
    pub max_age_seconds: i64,
}

/// What a right password leads to: a session, or for a user with a second factor a pending sign-in that
/// [`second_factor::complete`] finishes with a code.
pub enum SignIn {
    Session(Box<Session>),
    SecondFactor {
        pending_token: String,
    },
    /// The user's role must have a second factor and they have none yet: enrolment comes first.
    EnrolmentRequired {
        pending_token: String,
    },
}

/// Checks the credentials (rate-limited per address) and stores a new session, audited with the client's
/// address and user agent. The API's `POST /session` and the `/login` page share it, so both give the same
/// session. An account whose role may not sign in (an integration account, token only) is refused exactly like
/// a wrong password, and counted for the lockout alike; only the audit entry says why.
pub async fn open(state: &AppState, client: &Client, request: &LoginRequest) -> AppResult<SignIn> {
    let ip = client.address;
    state
        .limiter()
        .check(&format!("login:{ip}"), state.config().rate_limit.logins_per_minute)
        .map_err(AppError::rate_limited)?;
    // Per-account lockout (issue 15): a locked name is refused before its password is checked.
    lockout::refuse_if_locked(state, &request.username, client).await?;
    let mut conn = state.store().reader().await?;
    let user = users::by_username(&mut conn, request.username.trim()).await?;
    // Verify even for unknown users so timing does not reveal which user names exist.
    let phc = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.clone());
    let password = request.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false);
    let refusal = match &user {
        None => Some("unknown_user"),
        Some(_) if !ok => Some("wrong_password"),
        Some(user) if user.disabled != 0 => Some("disabled"),
        Some(user) if !user.role.may_sign_in() => Some("role_may_not_sign_in"),
        Some(_) => None,
    };
    let user = match (user, refusal) {
        (Some(user), None) => user,
        (known, reason) => {
            drop(conn);
            let reason = reason.unwrap_or("wrong_password");
            return Err(lockout::failed(state, &request.username, known.as_ref(), client, reason).await?);
        }
    };
    let current = resolve(&mut conn, user).await?;
    let enrolled = second_factor::is_enrolled(&mut conn, current.user.id).await?;
    // One connection per sign-in: the reader goes back before the count is reset and anything is written.
    drop(conn);
    lockout::succeeded(state, &request.username).await?;
    // Second factor: an enrolled user gets no session yet, only a pending sign-in that a code completes.
    if enrolled {
        return Ok(SignIn::SecondFactor { pending_token: second_factor::pending(state, current.user.id).await? });
    }
    if second_factor::required_for(state, &current) {
        return Ok(SignIn::EnrolmentRequired { pending_token: second_factor::pending(state, current.user.id).await? });
    }
    Ok(SignIn::Session(Box::new(create(state, current, client).await?)))
}

/// Stores a new session for a signed-in user, audited; `client` is where it was opened from (shown to its
/// owner, and in the `session.create` entry).
pub async fn create(state: &AppState, current: CurrentUser, client: &Client) -> AppResult<Session> {
    let now = state.now();
    let (token, hash) = new_token();
    let ttl = Duration::hours(i64::from(state.config().session.ttl_hours));
    // A session lives on the real clock: moving the training clock must not end it (nor extend it).
    let opened = state.system_now();
    let mut tx = state.store().begin().await?;
    users::create_session(&mut tx, &hash, current.user.id, opened, opened + ttl).await?;
    // The id the owner sees and ends it by on the account page (issue 15), and where it was opened from.
    let session_id = super::own_account::new_session_id();
    let address = client.address.to_string();
    hcp_store::users_security::describe_session(&mut tx, &hash, &session_id, &address, &client.user_agent).await?;
    audit::append(
        &mut tx,
        now,
        &current.actor(),
        "session.create",
        &format!("user:{}", current.user.id),
        &client.with(serde_json::json!({"session": session_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(Session { user: current, token, max_age_seconds: ttl.num_seconds() })
}

/// An argon2id hash of a random password, used to spend the same time on unknown user names.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    hcp_store::crypto::hash_password(&hcp_store::crypto::generate_password()).unwrap_or_default()
});

/// Ends the session of this cookie's token, if it is one (audited, with where the sign-out came from).
pub async fn close(state: &AppState, token: Option<String>, client: &Client) -> AppResult<()> {
    if let Some(token) = token {
        let mut tx = state.store().begin().await?;
        let hash = token_hash(&token);
        let user = users::session_user(&mut tx, &hash, state.system_now()).await?;
        // The row goes whatever state the session is in (expired, its account deactivated): no sign-out leaves
        // a session token behind. Only a live session's end is audited.
        users::delete_session(&mut tx, &hash).await?;
        if let Some(user) = user {
            audit::append(
                &mut tx,
                state.now(),
                &user.username,
                "session.delete",
                &format!("user:{}", user.id),
                &client.details(),
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
