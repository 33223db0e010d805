//! Evidence files of a ticket (photos of a fix, a written statement): stored for a later action on the ticket,
//! read back only by those who can see the ticket. The type is told by the first bytes, not by the client.

use hcp_core::role::Role;
use hcp_store::tickets::{self, AttachmentMeta};
use sha2::{Digest, Sha256};

use super::sees_misconduct;
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::state::AppState;

/// The kinds of evidence accepted, told apart by their first bytes.
fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file as uploaded: its name as the user knows it, the type the client claims, the bytes.
pub struct Upload<'a> {
    pub filename: Option<String>,
    pub declared_type: Option<&'a str>,
    pub content: &'a [u8],
}

/// Stores one evidence file for a later action on a ticket in the caller's scope: size, sniffed type, scope and
/// audit as one.
pub async fn store(
    state: &AppState,
    user: &CurrentUser,
    ticket_id: i64,
    upload: Upload<'_>,
) -> AppResult<AttachmentMeta> {
    user.require(&[Role::Staff, Role::WindowHead, Role::DeptHead, Role::Supervisor])?;
    let body = upload.content;
    let limit = state.config().upload.max_attachment_bytes;
    if body.len() > limit {
        return Err(AppError::payload_too_large(limit));
    }
    let unsupported = || AppError::new(ErrorCode::UnsupportedFileType, "附件仅支持 JPEG、PNG 图片或 PDF 文件");
    let content_type = sniff(body).ok_or_else(unsupported)?;
    if let Some(declared) = upload.declared_type
        && declared.split(';').next().map(str::trim) != Some(content_type)
        && !declared.starts_with("application/octet-stream")
    {
        return Err(unsupported());
    }
    let filename: String = upload
        .filename
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| "附件".into())
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
        .take(120)
        .collect();
    let mut tx = state.store().begin().await?;
    tickets::get(&mut tx, ticket_id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("工单"))?;
    let sha = hex::encode(Sha256::digest(body));
    let now = state.now();
    let attachment = tickets::add_attachment(
        &mut tx,
        &tickets::NewAttachment {
            ticket_id,
            filename: &filename,
            content_type,
            sha256: &sha,
            content: body,
            uploaded_by: Some(user.user.id),
            uploaded_at_ms: hcp_store::ms(now),
        },
    )
    .await?;
    hcp_store::audit::append(
        &mut tx,
        now,
        &user.actor(),
        "attachment.upload",
        &format!("ticket:{ticket_id}"),
        &serde_json::json!({"attachment": attachment, "sha256": sha, "size": body.len(), "type": content_type}),
    )
    .await?;
    tx.commit().await?;
    tickets::attachments(&mut *state.store().reader().await?, ticket_id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment)
        .ok_or_else(|| AppError::internal("attachment vanished"))
}

/// A stored file to hand out.
pub struct Download {
    pub filename: String,
    /// One of the accepted types (anything else stored is handed out as `application/octet-stream`).
    pub content_type: &'static str,
    pub content: Vec<u8>,
}

/// Evidence, to those who can see its ticket.
pub async fn download(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Download> {
    user.require_reader()?;
    let mut conn = state.store().reader().await?;
    let (meta, content) = tickets::attachment(&mut conn, id).await?.ok_or_else(|| AppError::not_found("附件"))?;
    tickets::get(&mut conn, meta.ticket_id, user.scope()?, sees_misconduct(user.role))
        .await?
        .ok_or_else(|| AppError::not_found("附件"))?;
    let content_type = match meta.content_type.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "application/pdf" => "application/pdf",
        _ => "application/octet-stream",
    };
    Ok(Download { filename: meta.filename, content_type, content })
}
