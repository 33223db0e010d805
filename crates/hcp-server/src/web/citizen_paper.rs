//! `/e/{window_code}/form`: the printable paper evaluation form (评价表) of a window, on A4, with the window's
//! QR code for those who prefer their phone. Filled forms go into the hall's box and are entered by a registrar
//! (channel `paper`). Public, like the QR code itself.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::citizen::{LevelOption, TagGroup, level_options, tag_groups, window_info};
use super::errors::PageError;
use super::layout::Chrome;
use super::{guessed_address_warning, public_base, qr, render};
use crate::app::org::WindowInfo;
use crate::app::state::AppState;

#[derive(Template)]
#[template(path = "citizen_paper.html")]
pub struct PaperPage {
    pub chrome: Chrome,
    pub window: WindowInfo,
    /// The address behind the QR code, printed beside it.
    pub url: String,
    /// Inline `<svg>`, if the address fits a QR code.
    pub qr: Option<String>,
    /// On screen only: the QR code carries a guessed address (no `public_url` configured).
    pub warning: Option<String>,
    pub levels: Vec<LevelOption>,
    pub tag_groups: Vec<TagGroup>,
}

pub async fn paper_form(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let window = window_info(&state, &code).await?;
    let base = public_base(&state, &headers);
    let url = format!("{base}/e/{}", window.code);
    let page = PaperPage {
        chrome: Chrome::public(format!("评价表：{}", window.name)),
        qr: qr::svg(&url, 160),
        warning: guessed_address_warning(&state, &base),
        url,
        window,
        levels: level_options(None),
        tag_groups: tag_groups(&[]),
    };
    Ok(render(StatusCode::OK, &page))
}
