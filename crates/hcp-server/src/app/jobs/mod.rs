//! What runs beside the requests: the deadline scheduler (reminders, overdue escalations, overdue orders, the
//! hourly integrity sweep) and the delivery of the outbox (in-app inbox, SMS drop file, mail, webhooks, the
//! upward report), with notices written into the outbox inside the transaction that caused them.

pub mod checkpoint;
pub mod delivery;
pub mod notify;
pub mod scheduler;
mod smtp;
pub mod sweep;
pub mod verification;
