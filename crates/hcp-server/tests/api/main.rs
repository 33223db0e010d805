//! The JSON API end to end against the real server, one module per story group. Each story runs on SQLite;
//! its PostgreSQL variant (`<module>::postgres::<story>`) is ignored unless asked for:
//! `HCP_TEST_POSTGRES_URL=postgres://… cargo test -p hcp-server --test api -- --include-ignored postgres`.

mod accounts;
mod admin;
mod api;
mod audit_events;
mod audit_story;
mod audit_trail;
mod demo;
mod fuzz;
mod hostile;
mod hostile_files;
mod inbox;
mod integrity;
mod ledgers;
mod lifecycle;
mod limits;
mod lockout;
mod mail;
mod notify;
mod passwords;
mod second_factor;
mod separation;
mod session_security;
mod stats;
mod tokens;
mod upward;
