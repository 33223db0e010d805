//! The idle timeout of sessions (`[security.session] idle_minutes`, GB/T 22239-2019 8.1.4.1 b): a session not
//! used for that long ends, beside its absolute lifetime. Both run on the real clock, never the training clock.

use chrono::Duration;
use hcp_store::users::User;
use hcp_store::{AnyConnection, users_sessions};

use super::error::AppResult;
use super::state::AppState;

/// Activity is written at most this often per session: a page load makes several requests, and a write each
/// would cost more than the minute of precision is worth.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The user of the session with this token hash if it is alive, recording the activity.
pub async fn active_user(state: &AppState, conn: &mut AnyConnection, hash: &str) -> AppResult<Option<User>> {
    let now = state.system_now();
    let idle = state.config().security.session.idle_minutes;
    let idle_since = (idle > 0).then(|| now - Duration::minutes(i64::from(idle)));
    let Some((user, last_seen)) = users_sessions::active_session_user(conn, hash, now, idle_since).await? else {
        return Ok(None);
    };
    if now - last_seen >= TOUCH_EVERY {
        let mut tx = state.store().begin().await?;
        users_sessions::touch_session(&mut tx, hash, now).await?;
        tx.commit().await?;
    }
    Ok(Some(user))
}
