//! Storage of hcp behind one interface for both backends: an embedded SQLite file (default, one district) and
//! PostgreSQL (a province, several `hcp serve` processes). Queries are written once against sqlx's `Any` driver;
//! instants are epoch milliseconds and flags 0/1 so both backends read alike (DESIGN §9).
//!
//! Functions take `&mut AnyConnection` so that callers compose them inside one transaction.

pub mod audit;
pub mod audit_key;
pub mod audit_query;
pub mod calendar;
pub mod complaints;
pub mod crypto;
pub mod datadir;
mod db;
pub mod decode;
pub mod evaluations;
pub mod idempotency;
pub mod integrity;
pub mod ledger;
pub mod lockouts;
mod migrate;
pub mod org;
pub mod org_changes;
pub mod outbox;
pub mod records;
pub mod refusals;
pub mod scope;
pub mod settings;
pub mod sql;
pub mod stats;
pub mod supervision;
pub mod testing;
pub mod tickets;
pub mod tokens;
pub mod upward;
pub mod users;
pub mod users_lifecycle;
pub mod users_second_factor;
pub mod users_security;
pub mod users_sessions;
mod verify;

pub use db::{Backend, Store, StoreError, is_unique_violation};
pub use sqlx;
pub use sqlx::AnyConnection;

use chrono::{DateTime, Utc};

/// Instant → stored epoch milliseconds.
pub fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Stored epoch milliseconds → instant; a value no calendar can hold is corrupt data, not 1970.
pub fn from_ms(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("时间值 {ms} 超出范围")))
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
