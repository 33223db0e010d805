//! Application services: the use cases that HTTP handlers and CLI commands share. They combine the pure domain
//! with storage inside one transaction each.

pub mod accounts;
pub mod auth;
pub mod delivery;
pub mod demo;
mod demo_bulk;
pub mod demo_history;
pub mod demo_plan;
pub mod error;
pub mod hot_topics;
pub mod import;
pub mod import_file;
pub mod intake;
pub mod integrity_sweep;
pub mod ledger;
pub mod lifecycle;
pub mod notify;
pub mod scheduler;
pub mod settings;
pub mod smtp;
pub mod state;
pub mod stats;
pub mod upward;
pub mod views;
