//! `/admin/policy`: the deadlines and thresholds.

use axum::extract::State;
use axum::response::Response;

use super::ADMIN;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::signed_in::SignedIn;

pub async fn page(State(_state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    Err(PageError::not_found())
}

pub async fn save(State(_state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    Err(PageError::not_found())
}
