//! What the ticket page says about the appeal (申诉) to the people who may make one, instead of silently showing
//! or hiding the form: why it is still offered after the head's verification, that it was made, that its
//! deadline has passed, or that the ticket has moved past it.

use hcp_core::lifecycle::{Action, permitted};
use hcp_core::role::Role;
use hcp_core::ticket::{TicketKind, TicketState};

use crate::app::views::TicketDetail;
use crate::web::local_text;

/// The note for `role` on this ticket, if it may appeal bad reviews at all; `offered` when the form is shown.
pub fn note(detail: &TicketDetail, role: Role, offered: bool) -> Option<String> {
    let t = &detail.ticket;
    if t.kind != TicketKind::BadReview || !permitted(role, Action::Appeal) {
        return None;
    }
    if offered {
        // DESIGN §4 and 管理办法 (二)(九): the staff's right of appeal runs 2 working days from receiving the bad
        // review, whatever the head found meanwhile; the bureau, not the head, decides.
        return (t.state == TicketState::Rectifying).then(|| {
            "负责人已核实并安排整改，但被评价的工作人员认为属于误评或恶意差评的，仍可在申诉期限内申诉：申诉由政务服务局复核决定，不由窗口负责人决定。"
                .to_owned()
        });
    }
    let appealed = detail.timeline.iter().any(|e| e.action == "appeal");
    match t.state {
        TicketState::Registered | TicketState::UnderReview => None,
        _ if appealed => Some("该差评已申诉过，每条差评只能申诉一次；申诉复核结论见办理过程。".to_owned()),
        _ => match &t.deadlines.appeal_by {
            Some(d) if d.passed => Some(format!("申诉期限已于 {} 截止，不能再申诉。", local_text(&d.at))),
            _ => Some(format!("工单已处于“{}”阶段，不能再申诉：申诉须在核实、整改阶段提出。", t.state_label)),
        },
    }
}
