//! Pure domain of 好差评 (hcp): the vocabulary of DESIGN.md §2, the working-day calendar and deadline rule of §3,
//! validation of what citizens and staff submit, masking of evaluator data and the audit hash chain.
//!
//! Nothing in this crate performs I/O: time comes from an injected [`clock::Clock`], randomness and storage live in
//! the outer crates.

pub mod audit;
pub mod calendar;
pub mod channel;
pub mod clock;
pub mod code;
pub mod complaint;
pub mod error;
pub mod evaluation;
pub mod integrity;
pub mod level;
pub mod lifecycle;
pub mod org;
pub mod privacy;
pub mod role;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod stats;
pub mod supervision;
pub mod tags;
pub mod text;
pub mod ticket;
pub mod upward;

pub use error::FieldErrors;
