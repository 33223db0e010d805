//! The TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, ±1 step accepted) with ten one-time
//! recovery codes. Enrolment shows a secret and its `otpauth://` address (as a QR code) and turns the factor on
//! only once a code from it is typed. A sign-in of an enrolled user stops after the password at a short-lived
//! pending sign-in that a code completes. Every code is taken once (the last accepted step is kept); the secret
//! is stored encrypted with the data key, recovery codes as keyed hashes. All of it is audited.

use chrono::Duration;
use hcp_store::crypto::{CODE_ALPHABET, fill_random, new_token, random_code, token_hash};
use hcp_store::users_second_factor::{self as store, SecondFactor};
use hcp_store::{AnyConnection, audit, users};
use serde::{Deserialize, Serialize};
use totp_rs::{Builder, Secret, Totp};
use utoipa::ToSchema;

use super::auth::{CurrentUser, resolve};
use super::error::{AppError, AppResult, ErrorCode};
use super::state::AppState;

/// How long the second step of a sign-in may take.
pub const PENDING_MINUTES: i64 = 5;
const RECOVERY_CODES: usize = 10;
/// Wrong codes per pending sign-in (or per user when enrolling) per minute: 10⁶ codes cannot be tried.
const ATTEMPTS_PER_MINUTE: u32 = 5;
const ISSUER: &str = "政务服务好差评";

#[derive(Serialize, ToSchema)]
pub struct EnrolmentView {
    /// The secret in base32, for typing into the authenticator app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` address the QR code carries.
    pub otpauth_uri: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The 6-digit code of the authenticator app, or (to sign in or disable) a recovery code.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesView {
    /// Shown once: each signs in once when the phone is lost.
    pub recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusView {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

fn totp(secret: Vec<u8>) -> AppResult<Totp> {
    Builder::new()
        .with_secret(Secret::from(secret))
        .build()
        .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))
}

fn secret_context(user_id: i64) -> String {
    format!("second_factor.secret:{user_id}")
}

fn secret_bytes(state: &AppState, factor: &SecondFactor) -> AppResult<Vec<u8>> {
    let base32 = state.key().decrypt(&factor.key_id, &factor.secret, &secret_context(factor.user_id))?;
    Secret::try_from_base32(&base32)
        .map(|s| s.as_ref().to_vec())
        .map_err(|_| AppError::internal(std::io::Error::other("stored TOTP secret is not base32")))
}

fn recovery_hash(state: &AppState, user_id: i64, code: &str) -> String {
    state.key().blind_index(&format!("recovery_code:{user_id}:{}", normalise(code)))
}

/// Codes are typed with spaces or dashes and in either case.
fn normalise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Whether the user has a confirmed second factor.
pub async fn is_enrolled(conn: &mut AnyConnection, user_id: i64) -> AppResult<bool> {
    Ok(store::second_factor(conn, user_id).await?.is_some_and(|f| f.confirmed_at.is_some()))
}

pub async fn status(state: &AppState, user: &CurrentUser) -> AppResult<StatusView> {
    let mut conn = state.store().reader().await?;
    let enabled = is_enrolled(&mut conn, user.user.id).await?;
    let recovery_codes_left = store::unused_recovery_codes(&mut conn, user.user.id).await?;
    Ok(StatusView { enabled, recovery_codes_left })
}

/// A new secret for the signed-in user (not yet on: [`confirm`] turns it on).
pub async fn begin(state: &AppState, user: &CurrentUser) -> AppResult<EnrolmentView> {
    let mut tx = state.store().begin().await?;
    if is_enrolled(&mut tx, user.user.id).await? {
        return Err(AppError::new(ErrorCode::Conflict, "双因素认证已启用；如需更换手机，请先停用再重新绑定"));
    }
    let mut bytes = [0u8; 20];
    fill_random(&mut bytes);
    let secret = Secret::from(bytes).to_base32();
    let sealed = state.key().encrypt(&secret, &secret_context(user.user.id));
    store::begin_enrolment(&mut tx, user.user.id, state.key().key_id(), &sealed).await?;
    tx.commit().await?;
    Ok(enrolment_view(secret, &user.user.username))
}

fn enrolment_view(secret: String, username: &str) -> EnrolmentView {
    let label: String = form_urlencoded::byte_serialize(format!("{ISSUER}:{username}").as_bytes()).collect();
    let issuer: String = form_urlencoded::byte_serialize(ISSUER.as_bytes()).collect();
    let otpauth_uri =
        format!("otpauth://totp/{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits=6&period=30");
    EnrolmentView { secret, otpauth_uri }
}

/// The enrolment under way (secret not yet confirmed), to show it again after a wrong code.
pub async fn current_enrolment(state: &AppState, user: &CurrentUser) -> AppResult<Option<EnrolmentView>> {
    let mut conn = state.store().reader().await?;
    match store::second_factor(&mut conn, user.user.id).await? {
        Some(factor) if factor.confirmed_at.is_none() => {
            let secret = state.key().decrypt(&factor.key_id, &factor.secret, &secret_context(factor.user_id))?;
            Ok(Some(enrolment_view(secret, &user.user.username)))
        }
        _ => Ok(None),
    }
}

/// Turns the factor on with a code from the new secret and returns the recovery codes (shown once).
pub async fn confirm(state: &AppState, user: &CurrentUser, request: &CodeRequest) -> AppResult<RecoveryCodesView> {
    limit(state, &format!("second_factor:user:{}", user.user.id))?;
    let mut tx = state.store().begin().await?;
    let factor = store::second_factor(&mut tx, user.user.id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Conflict, "请先生成密钥并用手机扫码"))?;
    if factor.confirmed_at.is_some() {
        return Err(AppError::new(ErrorCode::Conflict, "双因素认证已启用"));
    }
    if !accept_totp(state, &mut tx, &factor, &request.code, true).await? {
        drop(tx);
        return Err(refused(state, &user.user.username, user.user.id, "second_factor.enrol_failed").await?);
    }
    let codes = issue_recovery_codes(state, &mut tx, user.user.id, &user.actor()).await?;
    tx.commit().await?;
    Ok(RecoveryCodesView { recovery_codes: codes })
}

/// Ten new recovery codes for a factor just confirmed (the enrolment audited): shown once, stored hashed.
async fn issue_recovery_codes(
    state: &AppState,
    conn: &mut AnyConnection,
    user_id: i64,
    actor: &str,
) -> AppResult<Vec<String>> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| format_code(&random_code(10, CODE_ALPHABET))).collect();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(state, user_id, c)).collect();
    store::replace_recovery_codes(conn, user_id, &hashes).await?;
    audit::append(conn, state.now(), actor, "second_factor.enrol", &format!("user:{user_id}"), &serde_json::json!({}))
        .await?;
    Ok(codes)
}

/// Whether the policy requires a second factor of this user (`[security.second_factor] required_roles`). The
/// demo's public accounts are exempt: a deployment run without `--demo` has no exemption.
pub fn required_for(state: &AppState, user: &CurrentUser) -> bool {
    !state.is_demo() && state.config().security.second_factor.required_roles.contains(&user.role)
}

/// `ABCDE-FGHJK`: easier to copy by hand.
fn format_code(code: &str) -> String {
    format!("{}-{}", &code[..5], &code[5..])
}

/// Turns the factor off with a current code or a recovery code.
pub async fn disable(state: &AppState, user: &CurrentUser, request: &CodeRequest) -> AppResult<()> {
    limit(state, &format!("second_factor:user:{}", user.user.id))?;
    let mut tx = state.store().begin().await?;
    let Some(factor) = store::second_factor(&mut tx, user.user.id).await?.filter(|f| f.confirmed_at.is_some()) else {
        return Err(AppError::new(ErrorCode::Conflict, "双因素认证尚未启用"));
    };
    if !accept_any(state, &mut tx, &factor, &request.code).await? {
        drop(tx);
        return Err(refused(state, &user.user.username, user.user.id, "second_factor.disable_failed").await?);
    }
    store::remove(&mut tx, user.user.id).await?;
    audit::append(
        &mut tx,
        state.now(),
        &user.actor(),
        "second_factor.disable",
        &format!("user:{}", user.user.id),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The security administrator removes a user's second factor (a lost phone with no recovery code left); the user signs
/// in with the password alone and may enrol again (or must, if their role requires it).
pub async fn admin_reset(state: &AppState, admin: &CurrentUser, user_id: i64) -> AppResult<()> {
    admin.require(&[hcp_core::role::Role::SecurityAdmin])?;
    let mut tx = state.store().begin().await?;
    let Some(target) = users::by_id(&mut tx, user_id).await? else {
        return Err(AppError::new(ErrorCode::NotFound, "没有这个用户"));
    };
    if !store::remove(&mut tx, user_id).await? {
        return Err(AppError::new(ErrorCode::Conflict, "该用户尚未启用双因素认证"));
    }
    audit::append(
        &mut tx,
        state.now(),
        &admin.actor(),
        "second_factor.admin_reset",
        &format!("user:{user_id}"),
        &serde_json::json!({"username": target.username}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A pending sign-in for a user whose password was right: the token the second step sends back.
pub async fn pending(state: &AppState, user_id: i64) -> AppResult<String> {
    let (token, hash) = new_token();
    let mut tx = state.store().begin().await?;
    store::create_pending(&mut tx, &hash, user_id, state.system_now() + Duration::minutes(PENDING_MINUTES)).await?;
    tx.commit().await?;
    Ok(token)
}

/// A new secret for the user of a pending sign-in who must enrol before their first session.
pub async fn begin_pending(state: &AppState, pending_token: &str) -> AppResult<EnrolmentView> {
    begin(state, &pending_user(state, pending_token).await?).await
}

/// The enrolment under way of a pending sign-in's user, if they are enrolling (to show it again).
pub async fn pending_enrolment(state: &AppState, pending_token: &str) -> AppResult<Option<EnrolmentView>> {
    match pending_user(state, pending_token).await {
        Ok(user) => current_enrolment(state, &user).await,
        Err(_) => Ok(None),
    }
}

async fn pending_user(state: &AppState, pending_token: &str) -> AppResult<CurrentUser> {
    let mut conn = state.store().reader().await?;
    let user_id = store::pending_user(&mut conn, &token_hash(pending_token), state.system_now())
        .await?
        .ok_or_else(pending_expired)?;
    let user = users::by_id(&mut conn, user_id).await?.filter(|u| u.disabled == 0).ok_or_else(pending_expired)?;
    resolve(&mut conn, user).await
}

fn pending_expired() -> AppError {
    AppError::new(ErrorCode::Unauthenticated, "登录已超时，请重新输入用户名和密码")
}

/// A completed second step: the user, ready for a session, and the recovery codes when it also completed
/// an enrolment (shown once).
pub struct Completed {
    pub user: CurrentUser,
    pub recovery_codes: Option<Vec<String>>,
}

/// Completes a pending sign-in with a code (which confirms the enrolment of a user who had to enrol); a wrong
/// code is audited with the client's address and user agent.
pub async fn complete(
    state: &AppState,
    pending_token: &str,
    code: &str,
    client: &super::client::Client,
) -> AppResult<Completed> {
    let hash = token_hash(pending_token);
    limit(state, &format!("second_factor:pending:{hash}"))?;
    let expired = pending_expired;
    let mut tx = state.store().begin().await?;
    let user_id = store::pending_user(&mut tx, &hash, state.system_now()).await?.ok_or_else(expired)?;
    let user = users::by_id(&mut tx, user_id).await?.filter(|u| u.disabled == 0).ok_or_else(expired)?;
    let factor = store::second_factor(&mut tx, user_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Conflict, "请先用手机验证器扫描二维码，再输入验证码"))?;
    let recovery_codes = if factor.confirmed_at.is_none() {
        if !accept_totp(state, &mut tx, &factor, code, true).await? {
            drop(tx);
            return Err(refused_from(state, &user.username, user_id, "second_factor.enrol_failed", client).await?);
        }
        Some(issue_recovery_codes(state, &mut tx, user_id, &user.username).await?)
    } else if accept_any(state, &mut tx, &factor, code).await? {
        None
    } else {
        drop(tx);
        return Err(refused_from(state, &user.username, user_id, "second_factor.sign_in_failed", client).await?);
    };
    store::delete_pending(&mut tx, &hash).await?;
    let user = resolve(&mut tx, user).await?;
    tx.commit().await?;
    Ok(Completed { user, recovery_codes })
}

fn limit(state: &AppState, key: &str) -> AppResult<()> {
    state.limiter().check(key, ATTEMPTS_PER_MINUTE).map_err(AppError::rate_limited)
}

/// Audits a wrong code (in its own transaction: the refusal rolls the caller's back) and returns the refusal.
async fn refused(state: &AppState, actor: &str, user_id: i64, action: &str) -> AppResult<AppError> {
    refused_with(state, actor, user_id, action, serde_json::json!({})).await
}

/// [`refused`] during a sign-in: the entry says where it came from.
async fn refused_from(
    state: &AppState,
    actor: &str,
    user_id: i64,
    action: &str,
    client: &super::client::Client,
) -> AppResult<AppError> {
    refused_with(state, actor, user_id, action, client.details()).await
}

async fn refused_with(
    state: &AppState,
    actor: &str,
    user_id: i64,
    action: &str,
    details: serde_json::Value,
) -> AppResult<AppError> {
    let mut tx = state.store().begin().await?;
    audit::append(&mut tx, state.now(), actor, action, &format!("user:{user_id}"), &details).await?;
    tx.commit().await?;
    Ok(AppError::new(ErrorCode::InvalidSecondFactor, "验证码错误或已使用，请输入手机上显示的最新验证码"))
}

/// A TOTP code of the current step ±1 not accepted before, else an unused recovery code (its use audited).
async fn accept_any(state: &AppState, conn: &mut AnyConnection, factor: &SecondFactor, code: &str) -> AppResult<bool> {
    if accept_totp(state, conn, factor, code, false).await? {
        return Ok(true);
    }
    let code = normalise(code);
    if code.len() != 10 {
        return Ok(false);
    }
    let hash = recovery_hash(state, factor.user_id, &code);
    if !store::use_recovery_code(conn, factor.user_id, &hash, state.system_now()).await? {
        return Ok(false);
    }
    let actor = users::by_id(conn, factor.user_id).await?.map(|u| u.username).unwrap_or_default();
    let left = store::unused_recovery_codes(conn, factor.user_id).await?;
    audit::append(
        conn,
        state.now(),
        &actor,
        "second_factor.recovery_code_used",
        &format!("user:{}", factor.user_id),
        &serde_json::json!({"left": left}),
    )
    .await?;
    Ok(true)
}

/// A 6-digit code of the current step ±1 (on the real clock), later than the last accepted step.
async fn accept_totp(
    state: &AppState,
    conn: &mut AnyConnection,
    factor: &SecondFactor,
    code: &str,
    confirming: bool,
) -> AppResult<bool> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(false);
    }
    let now = state.system_now();
    let Some(step) = totp(secret_bytes(state, factor)?)?.check(&code, now.timestamp().max(0) as u64) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    Ok(store::accept_step(conn, factor.user_id, step, confirming.then_some(now)).await?)
}
