//! The one adapter shape of the three intake endpoints (evaluations, complaints, misconduct reports): the
//! caller, the client address and the `Idempotency-Key` header in, `201` with the receipt out.

use std::net::IpAddr;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::intake::{self, Origin, Receipt, Submittable};
use crate::app::state::AppState;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

pub async fn submit<S: Submittable>(
    state: &AppState,
    user: Option<&CurrentUser>,
    ip: IpAddr,
    headers: &HeaderMap,
    input: &S,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let idempotency_key =
        match headers.get(IDEMPOTENCY_HEADER) {
            None => None,
            Some(value) => Some(value.to_str().map(str::to_owned).map_err(|_| {
                AppError::new(ErrorCode::InvalidIdempotencyKey, "Idempotency-Key 应为1至200个可见字符")
            })?),
        };
    let submitted = intake::submit(state, &Origin { user, ip, idempotency_key }, input).await?;
    Ok((StatusCode::CREATED, Json(submitted.receipt)))
}
