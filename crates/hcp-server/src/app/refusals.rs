//! Refused requests in the audit (GB/T 22239 8.1.4.3). A refused state-changing request of a known user is one
//! `request.refused` entry; refused reads of a known user and refused state-changing requests without
//! credentials are only counted per subject and hour (`refused_counts`), and the scheduler writes one
//! `request.refused_reads` / `request.refused_anonymous` entry per closed hour — so neither reads nor an
//! anonymous client can turn requests into a write storm on the audit chain.

use chrono::{DateTime, Utc};
use hcp_store::crypto::token_hash;
use hcp_store::refusals::{self, KIND_ANONYMOUS, KIND_READ, RefusedCount};
use hcp_store::{audit, from_ms, ms, users};

use super::tokens::TokenStatus;

use super::client::Client;
use super::error::AppResult;
use super::state::AppState;

const HOUR_MS: i64 = 3_600_000;

/// Paths are cut to this many characters before they are stored.
const PATH_CHARS: usize = 200;

/// At most this many closed hours are written per scheduler run (the rest at the next).
const ROWS_PER_RUN: i64 = 500;

/// The caller of a refused request, as far as its credentials name one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub id: i64,
    pub username: String,
}

/// A refused request, as the audit describes it. `path` carries no query (it may hold personal data).
pub struct Refused<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub code: &'a str,
    pub client: &'a Client,
}

fn short_path(path: &str) -> String {
    path.chars().take(PATH_CHARS).collect()
}

/// Who a session cookie or a bearer token names, looked up once for a refusal that came before any extractor
/// resolved the caller. A bearer token that no longer works (revoked, expired) still names its owner for
/// `token_owner`; `user` is only a caller whose credentials are valid.
pub async fn identify(
    state: &AppState,
    session: Option<&str>,
    bearer: Option<&str>,
) -> AppResult<(Option<Known>, Option<Known>)> {
    let mut conn = state.store().reader().await?;
    if let Some(token) = bearer {
        let Some(presented) = hcp_store::tokens::by_hash(&mut conn, &token_hash(token)).await? else {
            return Ok((None, None));
        };
        let owner = Known { id: presented.user.id, username: presented.user.username.clone() };
        let status = TokenStatus::at(presented.revoked_at, presented.expires_at, state.system_now());
        let usable = status == TokenStatus::Active && presented.user.disabled == 0;
        return Ok((usable.then(|| owner.clone()), Some(owner)));
    }
    if let Some(token) = session {
        let user = users::session_user(&mut conn, &token_hash(token), state.system_now()).await?;
        return Ok((user.map(|u| Known { id: u.id, username: u.username }), None));
    }
    Ok((None, None))
}

/// One `request.refused` entry, in its own transaction (the refused request wrote nothing).
pub async fn audit_refused(state: &AppState, user: &Known, refused: &Refused<'_>) -> AppResult<()> {
    let details = refused.client.with(serde_json::json!({
        "method": refused.method,
        "path": short_path(refused.path),
        "status": refused.status,
        "code": refused.code,
    }));
    let mut tx = state.store().begin().await?;
    audit::append(&mut tx, state.now(), &user.username, "request.refused", &format!("user:{}", user.id), &details)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Counts a refused read of a known user in this hour (on the real clock).
pub async fn count_read(state: &AppState, user: &Known, path: &str) -> AppResult<()> {
    count(state, &format!("user:{}", user.id), KIND_READ, path).await
}

/// Counts a refused state-changing request without (valid) credentials from this address in this hour.
pub async fn count_anonymous(state: &AppState, client: &Client, path: &str) -> AppResult<()> {
    count(state, &format!("address:{}", client.address), KIND_ANONYMOUS, path).await
}

async fn count(state: &AppState, subject: &str, kind: &str, path: &str) -> AppResult<()> {
    let now = ms(state.system_now());
    let mut tx = state.store().begin().await?;
    refusals::count(&mut tx, subject, kind, hour_start(now), now, &short_path(path)).await?;
    tx.commit().await?;
    Ok(())
}

fn hour_start(at_ms: i64) -> i64 {
    at_ms - at_ms.rem_euclid(HOUR_MS)
}

/// The scheduler's step: one entry for each counted hour that has closed and is not audited yet, each with
/// its row marked in the same transaction (a row another process marked first is skipped). Audited rows older
/// than a week are removed. Returns how many entries were written.
pub async fn write_closed_hours(state: &AppState) -> hcp_store::Result<usize> {
    let now = state.system_now();
    let open_hour = hour_start(ms(now));
    let rows = refusals::closed_unaudited(&mut *state.store().reader().await?, open_hour, ROWS_PER_RUN).await?;
    let mut written = 0;
    for row in rows {
        if write_hour(state, &row).await? {
            written += 1;
        }
    }
    if written > 0 {
        let mut tx = state.store().begin().await?;
        refusals::purge_audited(&mut tx, open_hour - 7 * 24 * HOUR_MS).await?;
        tx.commit().await?;
    }
    Ok(written)
}

async fn write_hour(state: &AppState, row: &RefusedCount) -> hcp_store::Result<bool> {
    let mut tx = state.store().begin().await?;
    let Some(count) = refusals::mark_audited(&mut tx, &row.subject, &row.kind, row.hour).await? else {
        return Ok(false);
    };
    let hour = local_hour(from_ms(row.hour)?);
    let first_at = super::views::local(from_ms(row.first_at)?);
    let (actor, action, details) = if row.kind == KIND_READ {
        let user_id = row.subject.strip_prefix("user:").and_then(|id| id.parse::<i64>().ok());
        let username = match user_id {
            Some(id) => users::by_id(&mut tx, id).await?.map(|u| u.username),
            None => None,
        };
        let details = serde_json::json!({"hour": hour, "count": count, "sample_path": row.sample_path,
            "first_at": first_at});
        (username.unwrap_or_else(|| "系统".to_owned()), "request.refused_reads", details)
    } else {
        let address = row.subject.strip_prefix("address:").unwrap_or(&row.subject);
        let details = serde_json::json!({"hour": hour, "count": count, "sample_path": row.sample_path,
            "first_at": first_at, "address": address});
        ("系统".to_owned(), "request.refused_anonymous", details)
    };
    audit::append(&mut tx, state.now(), &actor, action, &row.subject, &details).await?;
    tx.commit().await?;
    Ok(true)
}

/// `2026-11-29T10:00+08:00`: the hour's start in China Standard Time.
fn local_hour(at: DateTime<Utc>) -> String {
    at.with_timezone(&hcp_core::clock::shanghai()).format("%Y-%m-%dT%H:%M%:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_start_on_the_hour_and_read_in_china_time() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T02:34:56.789Z").unwrap().with_timezone(&Utc);
        let start = hour_start(ms(at));
        assert_eq!(local_hour(from_ms(start).unwrap()), "2026-11-29T10:00+08:00");
        assert_eq!(hour_start(start), start);
    }
}
