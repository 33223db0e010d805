//! A browser without JavaScript for the page tests: keeps cookies, follows nothing, reads forms' CSRF fields.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};

use crate::{PASSWORD, TestApp};

/// A browser's cookies, enough for these pages.
#[derive(Default)]
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
}

/// An answer as a browser sees it (redirects not followed).
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub html: String,
}

/// An HTTP client that follows no redirect.
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

    /// Posts `form` URL-encoded, as a form without JavaScript does.
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

impl TestApp {
    /// A browser signed in through `/login` as the seeded user `username`.
    pub async fn browser_as(&self, username: &str) -> Browser {
        let mut browser = Browser::default();
        browser.sign_in(self, username).await;
        browser
    }
}

/// The value of the hidden CSRF field of the (first) form.
pub fn csrf(html: &str) -> String {
    between(html, "name=\"csrf_token\" value=\"", "\"").expect("csrf field")
}

/// The CSRF token of the form posting to `action` (the header's sign-out form, with its own, comes first on
/// every signed-in page).
pub fn form_csrf(html: &str, action: &str) -> String {
    let start = html.find(&format!("action=\"{action}\"")).unwrap_or_else(|| panic!("no form for {action}: {html}"));
    between(&html[start..], "name=\"csrf_token\" value=\"", "\"").expect("csrf field")
}

/// The text between the first `start` and the next `end`.
pub fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let from = html.find(start)? + start.len();
    Some(html[from..from + html[from..].find(end)?].to_owned())
}
