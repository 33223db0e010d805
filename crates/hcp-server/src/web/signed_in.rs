//! The signed-in user of a work page. Without a session the browser is sent to `/login?next=<this page>`;
//! a role that may not see the page gets the Chinese 403 page. Carries what every work page needs: the user,
//! the browser's CSRF secret and the path (for the menu).

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use hcp_core::role::{Role, Scope};

use super::FormPairs;
use super::csrf::{self, Csrf};
use super::errors::PageError;
use super::layout::Chrome;
use crate::app::auth::CurrentUser;
use crate::app::state::AppState;
use crate::edge::caller::MaybeUser;

/// The form name of the header's sign-out button (shared with `auth::logout`).
pub const LOGOUT_FORM: &str = "logout";

/// Where a user whose password is temporary or expired is sent.
pub const PASSWORD_PAGE: &str = "/account/password";

pub struct SignedIn {
    pub user: CurrentUser,
    pub csrf: Csrf,
    pub headers: HeaderMap,
    pub path: String,
    /// Unread notices, counted once per request for the header.
    pub unread: i64,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // A stale or foreign bearer header on a page is just "not signed in".
        let user = MaybeUser::from_request_parts(parts, state).await.ok().and_then(|u| u.0);
        let path = parts.uri.path().to_owned();
        let Some(user) = user else {
            let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let target =
                format!("/login?next={}", form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
            return Err(super::with_page_headers(Redirect::to(&target).into_response()));
        };
        if let Some(refused) = refused_on_pages(&user) {
            return Err(refused);
        }
        // A temporary or expired password: every page but the account's sends the user to change it first.
        if user.password_change_due && !(path == "/account" || path.starts_with("/account/")) {
            return Err(super::with_page_headers(Redirect::to(PASSWORD_PAGE).into_response()));
        }
        let unread =
            crate::app::inbox::unread_count(state, &user).await.map_err(|e| PageError::from(e).into_response())?;
        Ok(SignedIn {
            csrf: Csrf::for_request(state, &parts.headers),
            headers: parts.headers.clone(),
            user,
            path,
            unread,
        })
    }
}

/// An integration account's token pushes data through the API; it opens no page (the account never signs in):
/// the 403 page.
pub fn refused_on_pages(user: &CurrentUser) -> Option<Response> {
    (!user.role.may_sign_in()).then(|| {
        PageError::forbidden(format!("“{}”只能通过接口对接，不能使用工作页面。", user.role.label())).into_response()
    })
}

impl SignedIn {
    /// The 403 page unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(PageError::forbidden(format!("“{}”无权使用此页面。", self.user.role.label())))
        }
    }

    /// The user's part of the organisation tree; the 403 page if none was set.
    pub fn scope(&self) -> Result<&Scope, PageError> {
        self.user.scope().map_err(PageError::from)
    }

    /// Header, menu and sign-out button of a page titled `title`.
    pub fn chrome(&self, state: &AppState, title: impl Into<String>) -> Chrome {
        Chrome::signed_in(title, &self.user, self.csrf.token(state, LOGOUT_FORM), &self.path, self.unread)
    }

    /// The hidden CSRF field's value for the form named `form`.
    pub fn token(&self, state: &AppState, form: &str) -> String {
        self.csrf.token(state, form)
    }

    /// Checks a submitted form's CSRF token; a refusal is the 403 page and nothing is stored.
    pub fn verify(&self, state: &AppState, form: &str, pairs: &FormPairs) -> Result<(), PageError> {
        csrf::verify(state, &self.headers, form, pairs.get(csrf::FIELD))
    }

    /// Renders a page for this user (sets the CSRF cookie if the browser had none).
    pub fn render<T: askama::Template>(&self, status: axum::http::StatusCode, page: &T) -> Response {
        self.csrf.attach(super::render(status, page))
    }
}

/// A local path to return to after signing in; anything else (other sites, `//host`) becomes `/`.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/work/tickets?state=dispatched")), "/work/tickets?state=dispatched");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
