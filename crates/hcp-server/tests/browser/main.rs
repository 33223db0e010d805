//! Real-browser stories in headless Chromium through chromedriver, one module per story.
//!
//! Skipped (with a message) when `chromedriver` is not installed, unless `HCP_BROWSER_TESTS=1` demands it.
//! Screenshots go to `<target dir>/screenshots/`.

#[path = "../common/mod.rs"]
mod common;
mod harness;

mod appeal;
mod citizen;
mod ticket;
mod tour;
mod upload;
