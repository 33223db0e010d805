//! Tickets (差评工单): the work item for every bad review and every complaint. The lifecycle of DESIGN §4 is
//! built on these names; intake only ever creates `registered` tickets.

crate::coded! {
    /// What a ticket is about.
    pub enum TicketKind {
        BadReview => "bad_review", "差评";
        Complaint => "complaint", "投诉";
        Misconduct => "misconduct", "违规举报";
    }
}

crate::coded! {
    /// Where a ticket stands in its lifecycle (DESIGN §4).
    pub enum TicketState {
        Registered => "registered", "已登记";
        Dispatched => "dispatched", "已分派";
        Rectifying => "rectifying", "整改中";
        Explaining => "explaining", "解释说明中";
        UnderReview => "under_review", "申诉复核中";
        FeedbackGiven => "feedback_given", "已反馈";
        Reopened => "reopened", "重新整改";
        Overturned => "overturned", "已改判";
        Closed => "closed", "已办结";
    }
}
