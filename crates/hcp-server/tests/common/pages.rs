//! A browser without JavaScript for page tests: keeps cookies, follows nothing, reads forms' CSRF fields.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};

use super::{PASSWORD, TestApp};

/// A browser's cookies, enough for these pages.
#[derive(Default)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub html: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let location = response.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned());
        let content_type =
            response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        Page { status, location, content_type, html: response.text().await.unwrap() }
    }

    pub async fn get(&mut self, app: &TestApp, path: &str) -> Page {
        let response = client().get(app.url(path)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.finish(response).await
    }

    pub async fn post(&mut self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let response = client()
            .post(app.url(path))
            .header("cookie", self.cookie_header())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }
}

/// The value of the hidden CSRF field of the (first) form.
pub fn csrf(html: &str) -> String {
    between(html, "name=\"csrf_token\" value=\"", "\"").expect("csrf field")
}

pub fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let from = html.find(start)? + start.len();
    Some(html[from..from + html[from..].find(end)?].to_owned())
}

impl Browser {
    /// Signs in through the `/login` page as the seeded user `username`.
    pub async fn sign_in(&mut self, app: &TestApp, username: &str) {
        self.sign_in_with(app, username, PASSWORD).await;
    }

    pub async fn sign_in_with(&mut self, app: &TestApp, username: &str, password: &str) {
        let page = self.get(app, "/login").await;
        let token = csrf(&page.html);
        let page =
            self.post(app, "/login", &[("csrf_token", &token), ("username", username), ("password", password)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in as {username}: {}", page.html);
    }
}
