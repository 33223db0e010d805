//! The training clock's banner. In demo mode with a training clock every page (signed-in, citizen's and error
//! pages alike) says that time there is the training clock's and what it shows, so nobody mistakes a deadline
//! on a moved clock for a real one. The layer reads the clock once per request; `base.html` shows it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::app::state::AppState;

tokio::task_local! {
    /// The training clock's time when the request came in (`None` off the training clock).
    static TRAINING_NOW: Option<DateTime<Utc>>;
}

/// Runs the request with the training clock's time at hand for the page templates.
pub async fn scope(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let now = state.training_clock().map(|_| state.now());
    TRAINING_NOW.scope(now, next.run(request)).await
}

/// The banner's time, e.g. `2026年10月12日 10:00`, when the request runs on the training clock.
pub fn banner_time() -> Option<String> {
    TRAINING_NOW.try_with(|now| now.map(format_local)).ok().flatten()
}

fn format_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&hcp_core::clock::shanghai()).format("%Y年%m月%d日 %H:%M").to_string()
}
