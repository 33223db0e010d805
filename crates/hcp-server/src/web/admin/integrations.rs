//! `/admin/integrations` (系统对接): the integration accounts (created by the security administrator) with their
//! API tokens, the form issuing one (same rules as `POST /api/v1/admin/tokens`) and a 吊销 button per live token
//! (as `DELETE /api/v1/admin/tokens/{id}`); also the tokens made for people before issue 16, to revoke. A new
//! token is shown once, on the answer to the form itself (never in an address or a redirect).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::org::Choice;
use super::{ADMIN, Done, FormView, done, done_message};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::app::tokens::{self, IssueRequest, IssuedToken, TokenStatus, TokenView};
use crate::edge::status;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const PATH: &str = "/admin/integrations";
const ISSUE_FORM: &str = "admin_token_issue";
form_name!(IssueForm, ISSUE_FORM);
const REVOKE_FORM: &str = "admin_token_revoke";
form_name!(RevokeForm, REVOKE_FORM);
const FIELDS: &[&str] = &["username", "name", "days"];
const DONE: &[(&str, &str)] = &[("revoked", "访问令牌已吊销，使用它的请求从现在起被拒绝。")];

/// A token as a row of the page.
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub role: String,
    pub created: String,
    pub created_by: String,
    pub expires: String,
    pub last_used: String,
    pub status: String,
    /// When and by whom it was revoked, if it was.
    pub revoked: String,
    pub live: bool,
}

impl TokenRow {
    fn new(token: TokenView) -> TokenRow {
        let revoked = match (&token.revoked_at, &token.revoked_by) {
            (Some(at), Some(by)) if !by.is_empty() => format!("{} 由 {by} 吊销", short(at)),
            (Some(at), _) => format!("{} 吊销", short(at)),
            _ => String::new(),
        };
        TokenRow {
            id: token.id,
            live: token.status == TokenStatus::Active,
            name: token.name,
            username: token.username,
            role: token.role_label,
            created: short(&token.created_at),
            created_by: if token.created_by.is_empty() { "—".to_owned() } else { token.created_by },
            expires: token.expires_at.as_deref().map_or_else(|| "—".to_owned(), short),
            last_used: token.last_used_at.as_deref().map_or_else(|| "从未使用".to_owned(), short),
            status: token.status_label,
            revoked,
        }
    }
}

/// An RFC 3339 instant of the API as the page shows it: "2026-11-29 10:05".
fn short(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map_or_else(|_| rfc3339.to_owned(), |at| at.format("%Y-%m-%d %H:%M").to_string())
}

pub struct AccountBlock {
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub tokens: Vec<TokenRow>,
}

#[derive(Template)]
#[template(path = "admin_integrations.html")]
pub struct IntegrationsPage {
    pub chrome: Chrome,
    pub issued: Option<IssuedToken>,
    pub issued_expires: String,
    /// A success message (after a revocation) or a refusal of a 吊销 button.
    pub done: Option<String>,
    pub alert: Option<String>,
    pub accounts: Vec<AccountBlock>,
    pub choices: Vec<Choice>,
    pub legacy: Vec<TokenRow>,
    pub default_days: u32,
    pub max_days: u32,
    pub form: FormView,
    pub csrf: String,
    pub revoke_csrf: String,
}

#[derive(Default)]
struct Outcome {
    issued: Option<IssuedToken>,
    done: Option<String>,
    alert: Option<String>,
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    outcome: Outcome,
    form: FormView,
) -> Result<Response, PageError> {
    let overview = tokens::integrations(state, &me.user).await?;
    let choices: Vec<Choice> = overview
        .accounts
        .iter()
        .filter(|a| !a.disabled)
        .map(|a| Choice {
            value: a.username.clone(),
            label: if a.display_name.trim().is_empty() || a.display_name == a.username {
                a.username.clone()
            } else {
                format!("{}（{}）", a.display_name, a.username)
            },
        })
        .collect();
    let accounts = overview
        .accounts
        .into_iter()
        .map(|a| AccountBlock {
            username: a.username,
            display_name: a.display_name,
            disabled: a.disabled,
            tokens: a.tokens.into_iter().map(TokenRow::new).collect(),
        })
        .collect();
    // With one account to choose, the form has it chosen.
    let form = match choices.as_slice() {
        [only] if form.v("username").is_empty() => {
            let mut typed: Vec<(&str, &str)> = FIELDS.iter().map(|f| (*f, form.v(f))).collect();
            typed.retain(|(f, _)| *f != "username");
            typed.push(("username", only.value.as_str()));
            let mut view = FormView::with(&typed);
            view.general = form.general.clone();
            view
        }
        _ => form,
    };
    let page = IntegrationsPage {
        chrome: me.chrome(state, "系统对接"),
        issued_expires: outcome.issued.as_ref().map(|t| short(&t.expires_at)).unwrap_or_default(),
        issued: outcome.issued,
        done: outcome.done,
        alert: outcome.alert,
        accounts,
        choices,
        legacy: overview.legacy.into_iter().map(TokenRow::new).collect(),
        default_days: overview.default_days,
        max_days: overview.max_days,
        form,
        csrf: me.token(state, ISSUE_FORM),
        revoke_csrf: me.token(state, REVOKE_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    flag: Result<Query<Done>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let outcome = Outcome { done: done_message(flag, DONE).map(str::to_owned), ..Outcome::default() };
    render_page(&state, &me, StatusCode::OK, outcome, FormView::default()).await
}

/// Issues a token; the answer shows it once.
pub async fn issue(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<IssueForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let days = form.text("days");
    let days = days.trim();
    let parsed_days = if days.is_empty() { Ok(None) } else { days.parse::<i64>().map(Some) };
    let Ok(days) = parsed_days else {
        let view = FormView::from_pairs(&form, FIELDS)
            .field_error("days", "有效天数应为整数")
            .message(crate::web::form_view::CHECK_FIELDS);
        return render_page(&state, &me, StatusCode::UNPROCESSABLE_ENTITY, Outcome::default(), view).await;
    };
    let request = IssueRequest { username: form.text("username"), name: form.text("name"), days };
    match tokens::issue(&state, &me.user, &request).await {
        Ok(issued) => {
            let outcome = Outcome { issued: Some(issued), ..Outcome::default() };
            render_page(&state, &me, StatusCode::OK, outcome, FormView::default()).await
        }
        Err(err) => {
            let code = status::of(err.code);
            let view = FormView::refused(&form, FIELDS, err)?;
            render_page(&state, &me, code, Outcome::default(), view).await
        }
    }
}

/// Revokes a token at once; a token already revoked is said so on the page.
pub async fn revoke(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<String>,
    CsrfForm(_form, _): CsrfForm<RevokeForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let id = id.parse::<i64>().map_err(|_| PageError::from(AppError::not_found("访问令牌")))?;
    match tokens::revoke(&state, &me.user, id).await {
        Ok(_) => Ok(done(PATH, "revoked")),
        Err(err) if status::of(err.code).is_client_error() => {
            let code = status::of(err.code);
            let outcome = Outcome { alert: Some(err.message), ..Outcome::default() };
            render_page(&state, &me, code, outcome, FormView::default()).await
        }
        Err(err) => Err(err.into()),
    }
}
