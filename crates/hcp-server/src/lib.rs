//! The server of hcp in three layers: `app` holds the use cases (no HTTP), `api` (JSON under `/api/v1`) and
//! `web` (Chinese pages) are thin adapters over them, and `edge` is what the two adapters share of HTTP. This
//! file is the only place that names both adapters: [`router`] composes them.

pub mod api;
pub mod app;
pub mod config;
pub mod edge;
pub mod ratelimit;
pub mod web;

pub use app::state::AppState;
pub use config::Config;

use std::net::SocketAddr;

/// Serves until the process is told to stop (Ctrl-C / SIGTERM), finishing requests in flight. The deadline
/// scheduler and the notification delivery run beside it.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    if state.config().public_url.trim().is_empty() {
        // Said once at start: posters and paper forms printed now carry whatever host the printing browser used.
        tracing::warn!(
            "public_url is not configured: QR codes on window posters and paper forms will carry the address the \
             printing browser used (e.g. http://127.0.0.1:…), which citizens' phones cannot open; set public_url \
             to the address citizens reach before printing"
        );
    }
    let app = router(state.clone());
    let background = start_background(&state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    for task in background {
        task.abort();
    }
    state.shutdown().await;
    Ok(())
}

/// The API and the pages on one state. A path that matches nothing, or a method a path does not take, is
/// answered in the API's JSON under `/api` and `/healthz`, as a Chinese page elsewhere.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .merge(api::router(&state))
        .merge(web::router())
        .fallback(|uri: axum::http::Uri| async move {
            if api::is_api_path(uri.path()) { api::not_found() } else { web::not_found() }
        })
        .method_not_allowed_fallback(|uri: axum::http::Uri| async move {
            if api::is_api_path(uri.path()) { api::method_not_allowed() } else { web::method_not_allowed() }
        })
        // Innermost, so it sees every answer of a handler or a guard (and records the 401s and 403s).
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::refusals::layer))
        .layer(axum::middleware::from_fn(refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web::training::scope))
        .layer(axum::middleware::from_fn_with_state(state.clone(), edge::hsts::layer))
        .layer(compression())
        .with_state(state)
}

/// gzip or brotli, as the browser accepts, for slow county networks: pages, stylesheets, JSON and CSV
/// exports (streamed bodies are compressed as they stream). Images and spreadsheets, already compressed, and
/// tiny bodies are sent as they are.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::const_new("application/vnd.openxmlformats"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/pdf"));
    tower_http::compression::CompressionLayer::new().compress_when(predicate)
}

/// A path or query holding a control character is answered before any handler sees it: the path names
/// nothing (404), a query parameter is named (400), in JSON under `/api` and as a page elsewhere.
async fn refuse_control_characters(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use edge::text::UriProblem;
    let api = api::is_api_path(request.uri().path());
    match edge::text::uri_problem(request.uri()) {
        None => next.run(request).await,
        Some(UriProblem::Path) => {
            if api {
                api::not_found()
            } else {
                web::not_found()
            }
        }
        Some(UriProblem::Query(fields)) => {
            let names = fields.0.keys().cloned().collect::<Vec<_>>().join("、");
            let message = format!("查询参数 {names} 包含控制字符（如 NUL）");
            if api {
                app::error::AppError::new(app::error::ErrorCode::InvalidQuery, message)
                    .with_fields(fields)
                    .into_response()
            } else {
                web::bad_request(message)
            }
        }
    }
}

/// The scheduler and the outbox delivery as background tasks.
pub fn start_background(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(app::jobs::scheduler::run(state.clone())), tokio::spawn(app::jobs::delivery::run(state.clone()))]
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
