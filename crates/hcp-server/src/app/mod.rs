//! The use cases of hcp, shared by the JSON API, the pages and the command line. No HTTP here: a use case
//! takes the state, the caller and a typed input, checks the caller's role and scope, combines the pure domain
//! (`hcp_core`) with storage (`hcp_store`) inside one transaction, and answers with a read model or an
//! [`error::AppError`].
//!
//! Where things are: the caller and errors ([`auth`], [`error`]); shared filters and pages ([`filters`],
//! [`paging`]); the masked read models ([`views`]); one module per area of the mechanism (intake, tickets,
//! evaluations, track, supervision, integrity, stats, ledger, upward, admin, settings, session, inbox, org,
//! calendar, import, demo); background work ([`jobs`]); and what every request runs on ([`state`]).

pub mod accounts;
pub mod admin;
pub mod audit_trail;
pub mod auth;
pub mod calendar;
pub mod choices;
pub mod client;
pub mod csv_cell;
pub mod demo;
pub mod error;
pub mod evaluations;
pub mod filters;
pub mod flag_groups;
pub mod health;
pub mod import;
pub mod inbox;
pub mod intake;
pub mod integrity;
pub mod jobs;
pub mod ledger;
pub mod lockout;
pub mod org;
pub mod own_account;
pub mod paging;
pub mod password_policy;
pub mod refusals;
pub mod second_factor;
pub mod session;
pub mod session_idle;
pub mod settings;
pub mod state;
pub mod stats;
pub mod supervision;
pub mod tickets;
pub mod tokens;
pub mod track;
pub mod upward;
pub mod views;
