//! The server-rendered pages over HTTP, as a browser without JavaScript uses them, one module per surface. Each
//! story runs on SQLite; its PostgreSQL variant (`<module>::postgres::<story>`) is ignored unless asked for:
//! `HCP_TEST_POSTGRES_URL=postgres://… cargo test -p hcp-server --test pages -- --include-ignored postgres`.

mod web;
mod web_account;
mod web_accounts;
mod web_admin;
mod web_audit;
mod web_audit_events;
mod web_citizen;
mod web_citizen_track;
mod web_demo;
mod web_entry;
mod web_hostile;
mod web_inbox;
mod web_integrations;
mod web_printouts;
mod web_second_factor;
mod web_supervise;
mod web_ticket;
mod web_work;
