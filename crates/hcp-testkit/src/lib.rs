//! What the integration tests of `hcp-server` share (one test binary per surface: `api`, `pages`, `browser`).
//!
//! - [`TestApp`]: the real server on port 0 over a fresh database on either [`Backend`], with a manual clock;
//!   stop, restart, a second server over the same data.
//! - [`seed`]: a small jurisdiction with one user per role (user name = role code, password [`PASSWORD`]).
//! - JSON helpers on [`TestApp`] (`get`, `post`, `send`, `login`, `evaluate`, [`TestApp::bad_review`]) and the
//!   error code of an answer ([`code`]).
//! - [`hostile`]: the corpus of hostile files (`crates/hcp-server/tests/corpus`) plus the large ones generated
//!   here (zip bombs, a megabyte CSV field, 100 000 columns), each with the answer the import must give.
//! - [`pages`]: a browser without JavaScript (cookies, forms, CSRF fields).
//! - Database reads for assertions ([`TestApp::count`], [`TestApp::scalar`]), [`assert_rollups_agree`], and
//!   [`flaky_endpoint`], a local receiver for webhooks and upward reports.
//! - [`SmtpSink`]: a local SMTP server for the mail relay, accepting or refusing ([`Refusal`]) what it gets.
//!
//! Stories run on both backends through [`hcp_store::on_both_backends!`]; the PostgreSQL variants are ignored
//! unless asked for (`-- --include-ignored postgres` with `HCP_TEST_POSTGRES_URL` set).

mod api;
mod app;
mod db;
mod endpoint;
pub mod hostile;
pub mod pages;
mod seed;
mod smtp;
pub mod totp;

pub use api::{BadReview, Receipt, code};
pub use app::{Options, TestApp};
pub use db::assert_rollups_agree;
pub use endpoint::flaky_endpoint;
pub use hcp_store::Backend;
pub use seed::seed;
pub use smtp::{ReceivedMail, Refusal, SmtpSink};

use chrono::{DateTime, TimeZone, Utc};

/// The password of every seeded user.
pub const PASSWORD: &str = "test-password-1";

/// Where the manual clock starts: 2026-10-12 10:00 +08:00, a Monday.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 12, 2, 0, 0).unwrap()
}
