//! What the JSON API and the pages share of HTTP: who the caller is (session cookie or bearer token), the
//! client's address, reading a bounded request body, and the status each error code answers with. Neither
//! adapter imports the other; both import this.

pub mod body;
pub mod caller;
pub mod client;
pub mod forwarded;
pub mod hsts;
pub mod refusals;
pub mod status;
pub mod text;
