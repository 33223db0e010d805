//! `/entry`: one evaluation from a hotline call, a paper form or a box record, typed by an operator or registrar.
//! The same parse, intake and idempotency store as `POST /api/v1/evaluations` with the user as submitter.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, NaiveTime};
use hcp_core::channel::Channel;
use hcp_core::clock::shanghai;
use hcp_core::evaluation::{EvaluationInput, EvaluatorInput};
use hcp_core::level::Level;
use hcp_core::role::Role;

use super::super::errors::PageError;
use super::super::form_view::FormView;
use super::super::layout::Chrome;
use super::super::levels::{LevelOption, TagGroup, form_choices};
use super::super::signed_in::SignedIn;
use super::{Choice, Directory, ENTRY_ROLES, EntryForm, new_submit_key, save};
use crate::app::intake::Receipt;
use crate::app::state::AppState;
use crate::edge::client::ClientAddr;
use crate::edge::status;
use crate::web::form::{CsrfForm, form_name};

const FORM: &str = "entry";
form_name!(EvaluationEntryForm, FORM);

/// The channels entered on someone's behalf, in the order offered.
pub const ENTRY_CHANNELS: [Channel; 3] = [Channel::Phone, Channel::Paper, Channel::Box];

fn default_channel(role: Role) -> Channel {
    if role == Role::HotlineOperator { Channel::Phone } else { Channel::Paper }
}

/// The message above the form when its fields carry the messages.
const NOT_SAVED: &str = "未保存：请按提示修改。";

/// The fields as the API names them → as the form names them.
const FIELDS: &[(&str, &str)] = &[
    ("channel", "channel"),
    ("case_no", "case_no"),
    ("window_code", "window"),
    ("staff_no", "staff"),
    ("level", "level"),
    ("tags", "tags"),
    ("comment", "comment"),
    ("evaluator.name", "name"),
    ("evaluator.phone", "phone"),
    ("evaluated_at", "when"),
];

/// [`FIELDS`] for what was typed.
fn fields_for(form: &FormView) -> Vec<(&'static str, &'static str)> {
    // "case number or window" without a case number: shown at the window field, which comes first.
    let case_at_window = form.v("case_no").trim().is_empty();
    FIELDS
        .iter()
        .map(|&(api, name)| if api == "case_no" && case_at_window { (api, "window") } else { (api, name) })
        .collect()
}

const SAVE: EntryForm = EntryForm {
    scope: "entry",
    key_reused: "这张表单已经保存过一次，内容已有改动。如需作为新记录保存，请再次点击保存。",
};

/// The id of the first field with an error, for autofocus.
fn first_field(form: &FormView) -> Option<&'static str> {
    let order = ["channel", "window", "staff", "case_no", "level", "tags", "comment", "name", "phone", "when"];
    form.first_error(&order).map(|name| match name {
        "level" | "tags" => "level-5",
        "when" => "date",
        other => other,
    })
}

/// The record just saved, shown above the next form.
pub struct Saved {
    pub receipt: Receipt,
    pub replayed: bool,
    pub channel_label: &'static str,
    pub level_label: &'static str,
    pub hotline: bool,
}

#[derive(Template)]
#[template(path = "entry_form.html")]
pub struct EntryPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub submit_key: String,
    pub channels: Vec<Choice>,
    pub windows: Vec<Choice>,
    pub staff: Vec<Choice>,
    pub levels: Vec<LevelOption>,
    pub tag_groups: Vec<TagGroup>,
    /// What was typed, re-shown after an error, or kept for the next record.
    pub form: FormView,
    pub saved: Option<Saved>,
    /// The field that gets the cursor.
    pub focus: &'static str,
}

impl EntryPage {
    fn new(me: &SignedIn, state: &AppState, directory: &Directory, form: FormView, saved: Option<Saved>) -> EntryPage {
        let channels = ENTRY_CHANNELS
            .iter()
            .map(|c| Choice { value: c.code().into(), label: c.label().into(), selected: form.is("channel", c.code()) })
            .collect();
        let (levels, tag_groups) = form_choices(&form);
        // The cursor goes where typing continues: the first error, else the first field not kept.
        let focus = first_field(&form).unwrap_or(if saved.is_some() && !form.v("window").is_empty() {
            "staff"
        } else {
            "channel"
        });
        EntryPage {
            chrome: super::chrome(me, state, "评价录入"),
            csrf: me.token(state, FORM),
            submit_key: new_submit_key(),
            channels,
            windows: directory.window_choices(),
            staff: directory.staff_choices(),
            levels,
            tag_groups,
            form,
            saved,
            focus,
        }
    }
}

pub async fn page(State(state): State<AppState>, me: SignedIn) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let directory = Directory::load(&state).await?;
    let form = FormView::with(&[("channel", default_channel(me.user.role).code())]);
    let page = EntryPage::new(&me, &state, &directory, form, None);
    Ok(me.render(StatusCode::OK, &page))
}

/// The date and time fields as intake reads them: a date alone (the paper form's), a date and time (a call's),
/// or a time alone meaning today. What cannot be read goes on as typed, so intake names the problem.
fn evaluated_at(date: &str, time: &str, today: NaiveDate) -> Option<String> {
    let (date, time) = (date.trim(), time.trim());
    let parsed_time = (!time.is_empty())
        .then(|| NaiveTime::parse_from_str(time, "%H:%M").or_else(|_| NaiveTime::parse_from_str(time, "%H:%M:%S")));
    match (date.is_empty(), parsed_time) {
        (true, None) => None,
        (false, None) => Some(date.to_owned()),
        (_, Some(Err(_))) => Some(format!("{date} {time}").trim().to_owned()),
        (_, Some(Ok(t))) => {
            let day = if date.is_empty() { Some(today) } else { NaiveDate::parse_from_str(date, "%Y-%m-%d").ok() };
            match day {
                Some(day) => Some(format!("{}T{}+08:00", day.format("%Y-%m-%d"), t.format("%H:%M:%S"))),
                None => Some(format!("{date} {time}")),
            }
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    me: SignedIn,
    ClientAddr(ip): ClientAddr,
    CsrfForm(form, _): CsrfForm<EvaluationEntryForm>,
) -> Result<Response, PageError> {
    me.require(ENTRY_ROLES)?;
    let directory = Directory::load(&state).await?;
    let names = ["channel", "window", "staff", "case_no", "level", "comment", "name", "phone", "date", "time"];
    let values = FormView::from_pairs(&form, &names).keep_all(&form, "tags");
    let again = |view: FormView, status: StatusCode| {
        let page = EntryPage::new(&me, &state, &directory, view, None);
        me.render(status, &page)
    };

    // Only the off-line channels here: the online ones are the citizens' own.
    let Some(channel) = form.get("channel").and_then(Channel::parse).filter(|c| ENTRY_CHANNELS.contains(c)) else {
        let view = values.message(NOT_SAVED).field_error("channel", "请选择来源：12345热线、纸质评价表或意见箱");
        return Ok(again(view, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let window_code = directory.window_code(values.v("window"));
    let (name, phone) = (form.get("name"), form.get("phone"));
    let now = state.now();
    let input = EvaluationInput {
        channel: form.get("channel").map(str::to_owned),
        case_no: form.get("case_no").map(str::to_owned),
        staff_no: directory.staff_no(values.v("staff"), window_code.as_deref()),
        window_code,
        level: form.get("level").map(|l| l.parse().unwrap_or(0)),
        // Unknown values reach the parser as they were sent, so it names them.
        tags: form.all("tags").into_iter().map(|t| serde_json::Value::String(t.to_owned())).collect(),
        comment: form.get("comment").map(str::to_owned),
        evaluator: (name.is_some() || phone.is_some()).then(|| EvaluatorInput {
            name: name.map(str::to_owned),
            phone: phone.map(str::to_owned),
            ..Default::default()
        }),
        evaluated_at: evaluated_at(values.v("date"), values.v("time"), now.with_timezone(&shanghai()).date_naive()),
        follow_up: false,
    };
    let (receipt, replayed) = match save(&state, &me, ip, &SAVE, &form, &input).await? {
        Ok(saved) => saved,
        Err(err) => {
            let view = values.clone().api_error(&err, &fields_for(&values), NOT_SAVED);
            return Ok(again(view, status::of(err.code)));
        }
    };
    // Saved, so the level was one of the five.
    let level = input.level.and_then(Level::from_code).unwrap_or(Level::VerySatisfied);
    let saved = Saved {
        receipt,
        replayed,
        channel_label: channel.label(),
        level_label: level.label(),
        hotline: channel == Channel::Phone,
    };
    // "保存并继续录入" keeps the channel and window for the next record of the same pile; "保存" starts afresh.
    let keep = form.get("after") != Some("new");
    let next = if keep {
        FormView::with(&[("channel", values.v("channel")), ("window", values.v("window"))])
    } else {
        FormView::with(&[("channel", default_channel(me.user.role).code())])
    };
    let page = EntryPage::new(&me, &state, &directory, next, Some(saved));
    Ok(me.render(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_and_time_fields_become_what_intake_reads() {
        let today = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
        assert_eq!(evaluated_at("", "", today), None);
        assert_eq!(evaluated_at("2026-10-09", "", today).as_deref(), Some("2026-10-09"));
        assert_eq!(evaluated_at("2026-10-09", "14:30", today).as_deref(), Some("2026-10-09T14:30:00+08:00"));
        assert_eq!(evaluated_at("", "09:05", today).as_deref(), Some("2026-10-12T09:05:00+08:00"));
        assert_eq!(evaluated_at("昨天", "", today).as_deref(), Some("昨天"));
        assert_eq!(evaluated_at("2026-10-09", "25:00", today).as_deref(), Some("2026-10-09 25:00"));
    }
}
