//! The JSON API as the tests use it: requests with a session cookie, a citizen's evaluation, a bad review.

use hcp_server::app::jobs::scheduler::TickReport;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{PASSWORD, TestApp};

/// The `error.code` of an API error body (`""` when there is none).
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// Answers as (status, JSON body), `Value::Null` when the body is not JSON.
async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

impl TestApp {
    /// `GET path`, with the `Cookie` header `auth` (from [`TestApp::login`]) when given.
    pub async fn get(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        self.send(Method::GET, path, auth, &[], None).await
    }

    /// `POST path` with a JSON body, with the `Cookie` header `auth` when given.
    pub async fn post(&self, path: &str, auth: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, auth, &[], Some(body)).await
    }

    /// Any request, with extra headers (e.g. the citizen's `X-Query-Password`) and an optional JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(cookie) = auth {
            request = request.header("cookie", cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        answer(request.send().await.unwrap()).await
    }

    /// Logs the seeded user `username` in through the API and returns the session's `Cookie` header value.
    pub async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "login {username}");
        let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        cookie.split(';').next().unwrap().to_owned()
    }

    /// A new API token of the seeded integration account `integration`, issued by `admin` through
    /// `POST /api/v1/admin/tokens` for `name`; returns the token (for `Authorization: Bearer`).
    pub async fn integration_token(&self, name: &str) -> String {
        let admin = self.login("admin").await;
        let (status, body) =
            self.post("/api/v1/admin/tokens", Some(&admin), &json!({"username": "integration", "name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "issue token: {body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Any request with `Authorization: Bearer token` and an optional JSON body.
    pub async fn send_bearer(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let bearer = format!("Bearer {token}");
        self.send(method, path, None, &[("authorization", &bearer)], body).await
    }

    /// A citizen's evaluation (`POST /api/v1/evaluations`, no session).
    pub async fn evaluate(&self, body: Value) -> (StatusCode, Value) {
        self.post("/api/v1/evaluations", None, &body).await
    }

    /// Submits `review` as a citizen and returns its receipt (the submission must be taken and open a ticket).
    pub async fn bad_review(&self, review: BadReview) -> Receipt {
        let (status, receipt) = self.evaluate(review.body()).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        Receipt {
            ticket: receipt["ticket_id"].as_i64().unwrap_or_else(|| panic!("a bad review opens a ticket: {receipt}")),
            tracking_code: receipt["tracking_code"].as_str().unwrap().to_owned(),
            password: receipt["query_password"].as_str().unwrap().to_owned(),
            evaluation: receipt["id"].as_i64().unwrap(),
            json: receipt,
        }
    }

    /// The supervisor issues a rectification order to `W-SC-01` for 2026-10 (five working days) with `reason`;
    /// returns the order as the API answered it (it must be taken).
    pub async fn issue_window_order(&self, reason: &str) -> Value {
        let supervisor = self.login("supervisor").await;
        let order = serde_json::json!({"kind": "rectification_order", "level": "window", "target": "W-SC-01",
            "period": "2026-10", "reason": reason, "working_days": 5});
        let (status, issued) = self.post("/api/v1/supervision/orders", Some(&supervisor), &order).await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        issued
    }

    /// Runs the scheduler and delivers the outbox, as the background tasks would.
    pub async fn run_jobs(&self) -> TickReport {
        let report = hcp_server::app::jobs::scheduler::tick(&self.state).await.unwrap();
        hcp_server::app::jobs::delivery::deliver_due(&self.state).await.unwrap();
        report
    }
}

/// A citizen's bad review of a window's staff member. The default: by QR code, of S002 (李强) at `W-SC-01`,
/// 非常不满意 (level 1), no comment. The tag follows the level: 113 for level 1, 214 (服务态度生硬) otherwise.
#[derive(Clone, Debug)]
pub struct BadReview {
    pub channel: &'static str,
    pub window: String,
    pub staff_no: String,
    pub level: i64,
    pub comment: Option<String>,
    /// Fields merged over the body last (`null` removes one, e.g. `{"window_code": null, "case_no": ...}`).
    pub extra: Value,
}

impl Default for BadReview {
    fn default() -> Self {
        BadReview {
            channel: "qrcode",
            window: "W-SC-01".into(),
            staff_no: "S002".into(),
            level: 1,
            comment: None,
            extra: json!({}),
        }
    }
}

impl BadReview {
    pub fn channel(mut self, channel: &'static str) -> Self {
        self.channel = channel;
        self
    }

    /// Of staff member `staff_no` at `window`.
    pub fn of(mut self, window: &str, staff_no: &str) -> Self {
        (self.window, self.staff_no) = (window.into(), staff_no.into());
        self
    }

    pub fn level(mut self, level: i64) -> Self {
        self.level = level;
        self
    }

    pub fn comment(mut self, comment: &str) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Merges `extra`'s fields over the body.
    pub fn with(mut self, extra: Value) -> Self {
        if let (Some(fields), Some(extra)) = (self.extra.as_object_mut(), extra.as_object()) {
            fields.extend(extra.clone());
        }
        self
    }

    /// The request body.
    pub fn body(&self) -> Value {
        let tag = if self.level == 1 { 113 } else { 214 };
        let mut body = json!({"channel": self.channel, "window_code": self.window, "staff_no": self.staff_no,
            "level": self.level, "tags": [tag]});
        let fields = body.as_object_mut().unwrap();
        if let Some(comment) = &self.comment {
            fields.insert("comment".into(), json!(comment));
        }
        if let Some(extra) = self.extra.as_object() {
            fields.extend(extra.clone());
        }
        body
    }
}

/// The receipt of a bad review.
#[derive(Clone, Debug)]
pub struct Receipt {
    /// The ticket it opened.
    pub ticket: i64,
    pub tracking_code: String,
    /// The query password shown once.
    pub password: String,
    /// The evaluation's id.
    pub evaluation: i64,
    /// The whole answer.
    pub json: Value,
}
