//! A local HTTP receiver standing in for a webhook or the upward-report endpoint.

use std::sync::{Arc, Mutex};

use serde_json::Value;

/// A local HTTP receiver at `path` that answers 500 to the first `failures` calls, then 200, recording the JSON
/// bodies it accepted. Returns its URL and the bodies.
pub async fn flaky_endpoint(path: &str, failures: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    use axum::http::StatusCode as AxumStatus;
    let received = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(0usize));
    let store = received.clone();
    let app = axum::Router::new().route(
        path,
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let (store, calls) = (store.clone(), calls.clone());
            async move {
                let mut n = calls.lock().unwrap();
                *n += 1;
                if *n <= failures {
                    return AxumStatus::INTERNAL_SERVER_ERROR;
                }
                store.lock().unwrap().push(body);
                AxumStatus::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}
