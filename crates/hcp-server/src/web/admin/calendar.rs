//! `/admin/calendar`: a year of the working-day calendar as twelve month grids (official holidays, 调休 make-up
//! working days and local days marked apart), the import of a year's State Council arrangement (holiday-cn
//! JSON file) and the local days. Each change recomputes open tickets' deadlines, as the API does.

use askama::Template;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Weekday};

use super::{ADMIN, FormView, done, unprocessable};
use crate::app::admin::calendar::{LocalDayBody, import_year, local_days, remove_day, set_day, years};
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::multipart;
use crate::web::signed_in::SignedIn;

/// A holiday-cn file is a few KB; this leaves room and keeps the form route small.
pub const UPLOAD_LIMIT: usize = 1024 * 1024;

const IMPORT_FORM: &str = "admin_calendar_import";
const LOCAL_FORM: &str = "admin_local_day";
form_name!(LocalDayForm, LOCAL_FORM);
const REMOVE_FORM: &str = "admin_local_day_remove";
form_name!(RemoveDayForm, REMOVE_FORM);

/// A day as the page shows it: `2026年10月1日（周四）`.
fn day_text(date: NaiveDate) -> String {
    const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    format!("{}（周{}）", date.format("%Y年%-m月%-d日"), WEEKDAYS[date.weekday().num_days_from_monday() as usize])
}

#[derive(serde::Deserialize, Default)]
pub struct CalendarQuery {
    pub year: Option<String>,
    pub done: Option<String>,
    pub recomputed: Option<usize>,
}

pub struct Cell {
    pub day: u32,
    /// CSS class and the short visible mark: workday "", rest "休", holiday "休", make-up "班", local "地休/地班".
    pub class: &'static str,
    pub mark: &'static str,
    pub label: String,
    pub date: String,
}

pub struct Month {
    pub title: String,
    /// Weeks of seven cells, `None` outside the month.
    pub weeks: Vec<Vec<Option<Cell>>>,
}

pub struct Listed {
    pub date: String,
    /// The date as people read it (`2026年10月1日（周四）`).
    pub shown: String,
    pub name: String,
    pub kind: &'static str,
}

pub struct LocalRow {
    pub date: String,
    /// The date as people read it; `date` stays the form's value.
    pub shown: String,
    pub name: String,
    pub off: bool,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    pub chrome: Chrome,
    pub year: i32,
    pub known: bool,
    pub years: Vec<(i64, String)>,
    pub months: Vec<Month>,
    pub listed: Vec<Listed>,
    pub locals: Vec<LocalRow>,
    pub message: Option<String>,
    pub import_error: Option<String>,
    pub import_csrf: String,
    pub local_form: FormView,
    pub local_csrf: String,
    pub remove_csrf: String,
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

impl CalendarPage {
    fn weekdays(&self) -> &'static [&'static str; 7] {
        &WEEKDAYS
    }
}

fn year_of(state: &AppState, text: Option<&str>) -> i32 {
    text.and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| hcp_core::calendar::YEAR_RANGE.contains(y))
        .unwrap_or_else(|| state.now().with_timezone(&hcp_core::clock::shanghai()).year())
}

struct Extra {
    message: Option<String>,
    import_error: Option<String>,
    local_form: FormView,
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    year: i32,
    extra: Extra,
) -> Result<Response, PageError> {
    let calendar = state.calendar();
    let locals = local_days(state, &me.user).await?;
    let years = years(state, &me.user).await?;
    let local_dates: std::collections::HashMap<&str, bool> =
        locals.iter().map(|l| (l.date.as_str(), l.is_off_day != 0)).collect();
    let mut months = Vec::new();
    let mut listed = Vec::new();
    for month in 1..=12 {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else { continue };
        let mut weeks = vec![Vec::new()];
        for _ in 0..first.weekday().num_days_from_monday() {
            weeks[0].push(None);
        }
        let mut date = first;
        while date.month() == month {
            let info = calendar.day(date);
            let key = date.format("%Y-%m-%d").to_string();
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            let (class, mark, kind) = match (local_dates.get(key.as_str()), &info.name, info.workday) {
                (Some(true), _, _) => ("local-off", "地休", Some("本地休息日")),
                (Some(false), _, _) => ("local-work", "地班", Some("本地工作日")),
                (None, Some(_), false) => ("holiday", "休", Some("法定节假日")),
                (None, Some(_), true) => ("makeup", "班", Some("调休上班")),
                (None, None, _) if weekend => ("rest", "", None),
                (None, None, _) => ("work", "", None),
            };
            let shown = day_text(date);
            let label = match (&info.name, kind) {
                (Some(name), Some(kind)) => format!("{shown} {name}（{kind}）"),
                _ if info.workday => format!("{shown} 工作日"),
                _ => format!("{shown} 休息日"),
            };
            if let (Some(name), Some(kind)) = (&info.name, kind) {
                listed.push(Listed { date: key.clone(), shown, name: name.clone(), kind });
            }
            if weeks.last().is_some_and(|w| w.len() == 7) {
                weeks.push(Vec::new());
            }
            if let Some(week) = weeks.last_mut() {
                week.push(Some(Cell { day: date.day(), class, mark, label, date: key }));
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        if let Some(week) = weeks.last_mut() {
            while week.len() < 7 {
                week.push(None);
            }
        }
        months.push(Month { title: format!("{month}月"), weeks });
    }
    let page = CalendarPage {
        chrome: me.chrome(state, "工作日历"),
        year,
        known: calendar.is_known_year(year),
        years: years.into_iter().map(|y| (y.year, crate::web::local_text(&y.imported_at))).collect(),
        months,
        listed,
        locals: locals
            .into_iter()
            .map(|l| LocalRow {
                shown: NaiveDate::parse_from_str(&l.date, "%Y-%m-%d").map_or_else(|_| l.date.clone(), day_text),
                date: l.date,
                name: l.name,
                off: l.is_off_day != 0,
            })
            .collect(),
        message: extra.message,
        import_error: extra.import_error,
        import_csrf: me.token(state, IMPORT_FORM),
        local_form: extra.local_form,
        local_csrf: me.token(state, LOCAL_FORM),
        remove_csrf: me.token(state, REMOVE_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    query: Result<Query<CalendarQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let q = query.map(|q| q.0).unwrap_or_default();
    let year = year_of(&state, q.year.as_deref());
    let recomputed = q.recomputed.unwrap_or(0);
    let message = match q.done.as_deref() {
        Some("imported") => Some(format!("{year} 年节假日安排已导入，{recomputed} 件未办结工单的期限已按新日历重算。")),
        Some("local") => Some(format!("地方调整日已保存，{recomputed} 件未办结工单的期限已重算。")),
        Some("removed") => Some(format!("地方调整日已删除，{recomputed} 件未办结工单的期限已重算。")),
        _ => None,
    };
    let extra = Extra { message, import_error: None, local_form: FormView::default() };
    render_page(&state, &me, StatusCode::OK, year, extra).await
}

fn done_at(year: impl std::fmt::Display, flag: &str, recomputed: usize) -> Response {
    done("/admin/calendar", &format!("{flag}&year={year}&recomputed={recomputed}"))
}

pub async fn import(State(state): State<AppState>, me: SignedIn, body: Body) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let refuse =
        |message: String| Extra { message: None, import_error: Some(message), local_form: FormView::default() };
    let fallback_year = year_of(&state, None);
    let upload = match multipart::read(&me.headers, body, UPLOAD_LIMIT).await {
        Ok(upload) => upload,
        Err(multipart::ReadError::NotMultipart) => {
            return Err(PageError::bad_request("无法读取上传的内容，请返回重试。"));
        }
        Err(_) => {
            let extra = refuse("文件过大或上传中断，节假日文件一般只有几 KB，请检查后重试。".into());
            return render_page(&state, &me, StatusCode::PAYLOAD_TOO_LARGE, fallback_year, extra).await;
        }
    };
    let parts = upload.parts().ok_or_else(|| PageError::bad_request("无法读取上传的内容，请返回重试。"))?;
    let field = |name: &str| parts.iter().find(|p| p.name == name);
    let token = field(crate::web::csrf::FIELD).map(|p| String::from_utf8_lossy(p.data).into_owned());
    crate::web::csrf::verify(&state, &me.headers, IMPORT_FORM, token.as_deref())?;
    let year_text = field("year").map(|p| String::from_utf8_lossy(p.data).trim().to_owned()).unwrap_or_default();
    let shown_year = year_of(&state, Some(&year_text));
    let file = field("file").filter(|p| !p.data.is_empty());
    let Some(file) = file else {
        let extra = refuse("请选择要导入的节假日文件（holiday-cn 格式的 JSON）。".into());
        return render_page(&state, &me, unprocessable(), shown_year, extra).await;
    };
    match import_year(&state, &me.user, &year_text, file.data).await {
        Ok(done) => Ok(done_at(done.year, "imported", done.recomputed.unwrap_or(0))),
        Err(err) if crate::edge::status::of(err.code).is_client_error() => {
            let detail = err.fields.0.values().cloned().collect::<Vec<_>>().join("；");
            let message = if detail.is_empty() { err.message } else { detail };
            let name = file.filename.as_deref().filter(|n| !n.is_empty()).map(|n| format!("“{n}”")).unwrap_or_default();
            let extra = refuse(format!("文件{name}导入失败，日历未作任何修改：{message}"));
            render_page(&state, &me, unprocessable(), shown_year, extra).await
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn set_local_day(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<LocalDayForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let date = form.text("date");
    let year = year_of(&state, date.get(..4));
    let kind = form.get("kind");
    let result = match kind {
        Some("off" | "work") => {
            let body = LocalDayBody { is_off_day: kind == Some("off"), name: form.text("name") };
            set_day(&state, &me.user, &date, &body).await
        }
        _ => Err(AppError::invalid_field("kind", "请选择休息或上班")),
    };
    match result {
        Ok(change) => Ok(done_at(year, "local", change.recomputed)),
        Err(err) => {
            let view = FormView::refused(&form, &["date", "kind", "name"], err)?;
            let extra = Extra { message: None, import_error: None, local_form: view };
            render_page(&state, &me, unprocessable(), year, extra).await
        }
    }
}

pub async fn remove_local_day(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<RemoveDayForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let date = form.text("date");
    let year = year_of(&state, date.get(..4));
    let change = remove_day(&state, &me.user, &date).await?;
    Ok(done_at(year, "removed", change.recomputed))
}
