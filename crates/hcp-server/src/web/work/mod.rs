//! The work pages of staff, window heads and department heads, and the ticket page every signed-in role uses:
//! the ticket inbox, one ticket with the forms of the actions the user may take, the evaluations of one's
//! window or department, and the supervision orders addressed to the user. Every page reads and acts through
//! the API's own functions (`routes::tickets`, `routes::evaluations`, `routes::supervision`), so scope, rules,
//! audit and masking are the API's.

pub mod evaluations;
pub mod inbox;
pub mod orders;
pub mod ticket;

use crate::app::state::AppState;
pub use crate::web::listing::{Due, Pager};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work/tickets", get(inbox::page))
        .route("/work/tickets/{id}", get(ticket::page))
        // Rectify and appeal forms may carry a photo or scan: the handler reads the body with the configured
        // attachment limit itself.
        .route("/work/tickets/{id}/{action}", post(ticket::submit).layer(DefaultBodyLimit::disable()))
        .route("/work/evaluations", get(evaluations::page))
        .route("/work/orders", get(orders::page))
        .route("/work/orders/{id}/report", post(orders::report))
}
