//! Writes the audit chain's head to the checkpoint file outside the database whenever it moved since this
//! process last wrote it, so that a later truncation or recomputation of the chain in the database is found by
//! `hcp audit verify`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use hcp_store::{audit, audit_key};

use crate::app::state::AppState;

/// Last sequence number written per data directory (several test servers share one process).
static WRITTEN: Mutex<Option<HashMap<PathBuf, i64>>> = Mutex::new(None);

/// True when a checkpoint was written.
pub async fn write_if_moved(state: &AppState, now: DateTime<Utc>) -> hcp_store::Result<bool> {
    let head = audit::head(&mut *state.store().reader().await?).await?;
    let dir = state.config().data_dir.clone();
    {
        let written = WRITTEN.lock().unwrap_or_else(|e| e.into_inner());
        if written.as_ref().and_then(|m| m.get(&dir)) == Some(&head.seq) {
            return Ok(false);
        }
    }
    let keys = audit_key::installed()?;
    let Some(key) = keys.current() else { return Ok(false) };
    let checkpoint = audit::write_checkpoint(state.store(), &dir, key, now).await?;
    WRITTEN.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).insert(dir, checkpoint.seq);
    Ok(true)
}
