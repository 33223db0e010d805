//! Tickets (差评工单): the work item for every bad review and every complaint. The lifecycle of DESIGN §4 is
//! built on these names; intake only ever creates `registered` tickets.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    BadReview,
    Complaint,
    Misconduct,
}

impl TicketKind {
    pub fn code(self) -> &'static str {
        match self {
            TicketKind::BadReview => "bad_review",
            TicketKind::Complaint => "complaint",
            TicketKind::Misconduct => "misconduct",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketKind::BadReview => "差评",
            TicketKind::Complaint => "投诉",
            TicketKind::Misconduct => "违规举报",
        }
    }

    pub fn parse(text: &str) -> Option<TicketKind> {
        [TicketKind::BadReview, TicketKind::Complaint, TicketKind::Misconduct]
            .into_iter()
            .find(|kind| kind.code() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Registered,
    Dispatched,
    Rectifying,
    Explaining,
    UnderReview,
    FeedbackGiven,
    Reopened,
    Overturned,
    Closed,
}

impl TicketState {
    pub const ALL: [TicketState; 9] = [
        TicketState::Registered,
        TicketState::Dispatched,
        TicketState::Rectifying,
        TicketState::Explaining,
        TicketState::UnderReview,
        TicketState::FeedbackGiven,
        TicketState::Reopened,
        TicketState::Overturned,
        TicketState::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TicketState::Registered => "registered",
            TicketState::Dispatched => "dispatched",
            TicketState::Rectifying => "rectifying",
            TicketState::Explaining => "explaining",
            TicketState::UnderReview => "under_review",
            TicketState::FeedbackGiven => "feedback_given",
            TicketState::Reopened => "reopened",
            TicketState::Overturned => "overturned",
            TicketState::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketState::Registered => "已登记",
            TicketState::Dispatched => "已分派",
            TicketState::Rectifying => "整改中",
            TicketState::Explaining => "解释说明中",
            TicketState::UnderReview => "复核中",
            TicketState::FeedbackGiven => "已反馈",
            TicketState::Reopened => "重新整改",
            TicketState::Overturned => "已改判",
            TicketState::Closed => "已办结",
        }
    }

    pub fn parse(text: &str) -> Option<TicketState> {
        TicketState::ALL.into_iter().find(|state| state.code() == text)
    }
}
