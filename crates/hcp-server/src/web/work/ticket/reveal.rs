//! The ticket page's reveal form (`POST /work/tickets/{id}/reveal`): a supervisor or hotline operator states
//! why they need the citizen's contact (for the revisit) and gets the ticket page back with it in clear, once,
//! in that answer only (never in a URL); `app::tickets::reveal` checks the role, the scope and the reason and
//! audits it, as `POST /api/v1/tickets/{id}/reveal`.

use axum::http::StatusCode;
use axum::response::Response;

use super::{Attempt, build};
use crate::app::evaluations::RevealBody;
use crate::app::state::AppState;
use crate::app::tickets::reveal;
use crate::edge::status;
use crate::web::FormPairs;
use crate::web::errors::PageError;
use crate::web::form_view::FormView;
use crate::web::signed_in::SignedIn;

/// The URL segment of the reveal form (not a lifecycle action: the ticket does not change).
pub const SEGMENT: &str = "reveal";

pub async fn submit(state: &AppState, me: &SignedIn, id: i64, form: &FormPairs) -> Result<Response, PageError> {
    let body = RevealBody { reason: form.get("reason").map(str::to_owned) };
    match reveal::reveal(state, &me.user, id, &body).await {
        Ok(contact) => {
            let mut page = build(state, me, id, None, Attempt::default()).await?;
            page.revealed = Some(contact);
            Ok(me.render(StatusCode::OK, &page))
        }
        // Not allowed or not visible: the error page, as for the other forms.
        Err(err) if matches!(status::of(err.code).as_u16(), 401 | 403 | 404) => Err(err.into()),
        Err(err) if status::of(err.code).is_client_error() => {
            let typed = form.text("reason");
            let view = FormView::with(&[("reason", typed.as_str())]).named_errors(&err);
            let page = build(state, me, id, None, Attempt { action: SEGMENT.to_owned(), form: view }).await?;
            Ok(me.render(status::of(err.code), &page))
        }
        Err(err) => Err(err.into()),
    }
}
