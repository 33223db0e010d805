//! Application services: the use cases that HTTP handlers and CLI commands share. They combine the pure domain
//! with storage inside one transaction each.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod calendar;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod evaluations;
pub mod filters;
pub mod health;
pub mod import;
pub mod inbox;
pub mod intake;
pub mod integrity;
pub mod integrity_sweep;
pub mod ledger;
pub mod notify;
pub mod org;
pub mod paging;
pub mod scheduler;
pub mod session;
pub mod settings;
pub mod smtp;
pub mod state;
pub mod stats;
pub mod supervision;
pub mod tickets;
pub mod track;
pub mod upward;
pub mod views;
