//! Real-browser stories in headless Chromium through chromedriver, one module per story.
//!
//! Ignored by a plain `cargo test`; run them with
//! `HCP_BROWSER_TESTS=1 cargo test -p hcp-server --test browser -- --ignored` (they fail, naming the packages
//! to install, when `chromedriver` is missing). Screenshots go to `<target dir>/screenshots/`.

mod harness;

mod appeal;
mod auditor;
mod citizen;
mod elder;
mod inbox;
mod lockout;
mod password;
mod revisit;
mod ticket;
mod tour;
mod upload;
