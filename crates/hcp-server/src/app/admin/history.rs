//! A record's history, read from the audit log: the log already holds every create with the actor and the
//! instant, is hash-chained against tampering and is what inspectors verify, so a second history table would
//! only be a copy that could disagree with it. Each change's details carry the values before and after.

use hcp_core::role::Role;
use hcp_store::audit;
use serde::Serialize;
use utoipa::ToSchema;

use super::changes::{self, OrgRecord};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::state::AppState;
use crate::app::views::local_time;

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// RFC 3339, Beijing time.
    pub at: String,
    /// Login name of who made the change (as the audit log has it).
    pub actor: String,
    /// Who made the change as people read it: "张三（系统管理员）", or the login name of an account gone since.
    pub actor_label: String,
    /// A record's: create, update, deactivate, reactivate, move. An account's: the audit action itself
    /// (`user.update`, `account.unlock`, `user.password.reset`, …).
    pub action: String,
    /// 创建, 修改, 停用, 启用, 按督办调岗; an account's: 创建账号, 修改账号, 解除锁定, 重置密码, …
    pub action_label: &'static str,
    /// What changed, in words: "名称：甲 → 乙".
    pub changes: Vec<String>,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "create" => "创建",
        "update" => "修改",
        "deactivate" => "停用",
        "reactivate" => "启用",
        "move" => "按督办调岗",
        _ => "其他",
    }
}

fn field_label(key: &str) -> &str {
    match key {
        "code" => "编码",
        "staff_no" => "工号",
        "name" => "名称",
        "kind" => "类型",
        "parent" => "上级机构",
        "org_unit" => "所属机构",
        "department" => "所属部门",
        "window" => "所在窗口",
        "head" => "负责人",
        "replacement" => "替代窗口",
        "note" => "去处说明",
        "order" => "督办事项",
        "username" => "用户名",
        "role" => "角色",
        "scope" => "管辖范围",
        "display_name" => "姓名",
        "email" => "邮箱",
        "sessions_ended" => "结束的会话",
        "tokens_revoked" => "吊销的令牌",
        "was_locked" => "此前处于锁定",
        "until" => "锁定至",
        "address" => "地址",
        "staff" => "工作人员",
        other => other,
    }
}

/// A role's code as people read it ("window_head" → 窗口负责人); other values as they are.
fn value_text(key: &str, value: &serde_json::Value) -> String {
    match (key, value.as_str().and_then(Role::from_code)) {
        ("role", Some(role)) => role.label().to_owned(),
        _ => text(value),
    }
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "（无）".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "是".to_owned(),
        serde_json::Value::Bool(false) => "否".to_owned(),
        other => other.to_string(),
    }
}

/// The readable lines of one entry's details: changed fields of a before/after pair, else its fields.
fn describe(details: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    // An account's edit: `{"changes": {"role": [old, new], …}}`.
    if let Some(changes) = details.get("changes").and_then(serde_json::Value::as_object) {
        return changes
            .iter()
            .map(|(k, pair)| {
                let side = |i: usize| pair.get(i).map_or_else(|| "（无）".to_owned(), |v| value_text(k, v));
                format!("{}：{} → {}", field_label(k), side(0), side(1))
            })
            .collect();
    }
    if let (Some(before), Some(after)) = (details.get("before"), details.get("after")) {
        let before = before.as_object().unwrap_or(&empty);
        let after = after.as_object().unwrap_or(&empty);
        let mut lines: Vec<String> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, v)| {
                let was = before.get(k).map(text).unwrap_or_else(|| "（无）".to_owned());
                format!("{}：{} → {}", field_label(k), was, text(v))
            })
            .collect();
        if let Some(order) = details.get("order") {
            lines.push(format!("{}：{}", field_label("order"), text(order)));
        }
        return lines;
    }
    details
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| format!("{}：{}", field_label(k), value_text(k, v)))
        .collect()
}

/// The history of one record, oldest first (administrator).
pub async fn history(
    state: &AppState,
    user: &CurrentUser,
    record: OrgRecord,
    code: &str,
) -> AppResult<Vec<HistoryEntry>> {
    user.require(&[Role::Admin])?;
    let id = changes::id_of(state, record, code).await?;
    let mut conn = state.store().reader().await?;
    let record_action = |action: &str| {
        let short = action.rsplit('.').next().unwrap_or_default().to_owned();
        let label = action_label(&short);
        Some((short, label))
    };
    entries(&mut conn, &changes::target(record, id), record_action).await
}

/// The audit entries of `target`, oldest first, that `name` names (action and its label; `None` leaves the
/// entry out), as history lines.
pub(crate) async fn entries(
    conn: &mut hcp_store::AnyConnection,
    target: &str,
    name: impl Fn(&str) -> Option<(String, &'static str)>,
) -> AppResult<Vec<HistoryEntry>> {
    let rows = audit::for_target(conn, target).await?;
    let rows: Vec<_> = rows.into_iter().filter_map(|row| Some((name(&row.action)?, row))).collect();
    let actors: Vec<&str> = rows.iter().map(|(_, row)| row.actor.as_str()).collect();
    let labels = crate::app::audit_trail::actor_labels(conn, &actors).await?;
    let mut out = Vec::new();
    for ((action, action_label), row) in rows {
        let details: serde_json::Value = serde_json::from_str(&row.details).unwrap_or_default();
        out.push(HistoryEntry {
            at: local_time(row.at).map_err(AppError::from)?,
            actor_label: labels.get(&row.actor).cloned().unwrap_or_else(|| row.actor.clone()),
            actor: row.actor,
            action_label,
            action,
            changes: describe(&details),
        });
    }
    Ok(out)
}
