//! HTTP side of hcp: the JSON API under `/api/v1`, its OpenAPI description, the application services shared
//! with the CLI (intake, import, demo data, users) and the state they run on.

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
    let app = api::router(state.clone());
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

/// The scheduler and the outbox delivery as background tasks.
pub fn start_background(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(app::scheduler::run(state.clone())), tokio::spawn(app::delivery::run(state.clone()))]
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
