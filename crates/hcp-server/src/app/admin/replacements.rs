//! 责令更换: a replacement order tells the stationed department to replace a staff member. The organisation data
//! belongs to the system administrator, so the administrator makes the move (to another window, or off duty)
//! from the order, and the order records it as the department's action, for the supervisor and the heads to see.
//! The administrator sees of the order only whom it concerns, never its evidence or reasons (DESIGN §7).

use hcp_core::role::Role;
use hcp_store::supervision::{self, OrderRow};
use hcp_store::{AnyConnection, org};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::audited;
use super::changes::{self, OrgRecord};
use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult, ErrorCode};
use crate::app::jobs::notify::{self, Notice};
use crate::app::state::AppState;
use crate::app::views::local_time;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplacementOrder {
    pub order_id: i64,
    /// Whom the order names, as issued.
    pub target: String,
    /// The month the concentration was found in.
    pub period: String,
    pub issued_at: String,
    pub state_label: &'static str,
    pub staff_no: String,
    pub staff_name: String,
    /// Where the staff member works now: "窗口名（编号）", or "不在窗口".
    pub current_window: String,
    /// The code of that window, if any.
    pub current_window_code: Option<String>,
    /// The move recorded on the order, in words; None until made.
    pub staff_move: Option<String>,
    pub staff_moved_at: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffMoveBody {
    /// The window the staff member moves to; omit, null or empty for off duty (调离窗口).
    #[schema(value_type = Option<hcp_core::org::Code>)]
    pub window_code: Option<String>,
}

fn window_text(window: Option<&org::Window>) -> String {
    window.map(|w| format!("{}（{}）", w.name, w.code)).unwrap_or_else(|| "不在窗口".to_owned())
}

async fn view(conn: &mut AnyConnection, o: OrderRow) -> AppResult<ReplacementOrder> {
    let gone = || AppError::internal("replacement order without its staff member");
    let staff = org::staff_by_id(conn, o.staff_id.ok_or_else(gone)?).await?.ok_or_else(gone)?;
    let window = match staff.window_id {
        Some(id) => org::window_by_id(conn, id).await?,
        None => None,
    };
    Ok(ReplacementOrder {
        order_id: o.id,
        target: o.target_name,
        period: o.period,
        issued_at: local_time(o.issued_at)?,
        state_label: o.state.label(),
        staff_no: staff.staff_no,
        staff_name: staff.name,
        current_window: window_text(window.as_ref()),
        current_window_code: window.map(|w| w.code),
        staff_move: o.staff_move,
        staff_moved_at: o.staff_moved_at.map(local_time).transpose()?,
    })
}

/// Replacement orders naming a staff member, newest first (administrator).
pub async fn list(state: &AppState, user: &CurrentUser) -> AppResult<Vec<ReplacementOrder>> {
    user.require(&[Role::Admin])?;
    let mut conn = state.store().reader().await?;
    let mut out = Vec::new();
    for row in supervision::replacement_orders(&mut conn).await? {
        out.push(view(&mut conn, row).await?);
    }
    Ok(out)
}

/// Moves the staff member a replacement order names, and records the move on the order (once). The staff
/// member's open tickets stay with the window they were recorded at, whose head answers them.
pub async fn move_staff(
    state: &AppState,
    user: &CurrentUser,
    order_id: i64,
    body: &StaffMoveBody,
) -> AppResult<ReplacementOrder> {
    user.require(&[Role::Admin])?;
    let now = state.now();
    let mut tx = state.store().begin().await?;
    let order = supervision::replacement_orders(&mut tx)
        .await?
        .into_iter()
        .find(|o| o.id == order_id)
        .ok_or_else(|| AppError::not_found("责令更换督办事项"))?;
    if let Some(done) = &order.staff_move {
        return Err(AppError::new(ErrorCode::Conflict, format!("该督办事项已记录调岗：{done}")));
    }
    let staff = org::staff_by_id(&mut tx, order.staff_id.unwrap_or_default())
        .await?
        .ok_or_else(|| AppError::not_found("工作人员"))?;
    let to = body.window_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let from = match staff.window_id {
        Some(id) => org::window_by_id(&mut tx, id).await?,
        None => None,
    };
    if to == from.as_ref().map(|w| w.code.as_str()) {
        return Err(AppError::invalid_field("window_code", "请调至其他窗口，或调离窗口"));
    }
    let mut details = changes::move_staff(&mut tx, &staff, &staff.name, to).await?;
    let after = details["after"]["window"].as_str().unwrap_or_default().to_owned();
    let who = format!("{}（{}）", staff.name, staff.staff_no);
    let text = match to {
        Some(_) => format!("{who}由{}调至{after}", window_text(from.as_ref())),
        None => format!("{who}由{}调离窗口", window_text(from.as_ref())),
    };
    details["order"] = json!(format!("第 {order_id} 号督办（责令更换窗口人员）"));
    supervision::record_move(&mut tx, order_id, &text, hcp_store::ms(now)).await?;
    audited(&mut tx, user, now, "staff.move", changes::target(OrgRecord::Staff, staff.id), details).await?;
    audited(&mut tx, user, now, "supervision.staff_move", format!("order:{order_id}"), json!({"move": text})).await?;
    // The department and window heads learn that their action is done; the supervisor sees it on the order.
    let heads = hcp_store::users::responsible(&mut tx, order.department_id, order.window_id, None).await?;
    let notice = Notice {
        subject: format!("责令更换已落实（{}）", order.target_name),
        body: format!("系统管理员已按督办要求为部门办理调岗：{text}。"),
        ticket_id: None,
        order_id: Some(order_id),
    };
    notify::users(&mut tx, &state.rules().notify, &heads, &notice, hcp_store::ms(now)).await?;
    let order = supervision::replacement_orders(&mut tx)
        .await?
        .into_iter()
        .find(|o| o.id == order_id)
        .ok_or_else(|| AppError::not_found("责令更换督办事项"))?;
    let answer = view(&mut tx, order).await?;
    tx.commit().await?;
    state.wake_delivery();
    Ok(answer)
}
