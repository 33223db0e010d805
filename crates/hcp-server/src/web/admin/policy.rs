//! `/admin/policy`: deadlines, supervision and integrity thresholds, editable. The rules of precedence and
//! validation live in `service::settings`; this page shows each value with where it comes from.

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{ADMIN, Done, FormView, done, unprocessable};
use crate::app::settings::{self, INTEGRITY, POLICY, SETTINGS, SUPERVISION, Tunables};
use crate::app::state::AppState;
use crate::web::FormPairs;
use crate::web::errors::PageError;
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const POLICY_FORM: &str = "admin_policy";
const RESET_FORM: &str = "admin_policy_reset";

pub struct Row {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub min: String,
    pub max: String,
    pub step: &'static str,
    pub file_value: String,
    /// Saved on this page (else from the configuration file).
    pub saved: bool,
}

pub struct Section {
    pub title: &'static str,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "admin_policy.html")]
pub struct PolicyPage {
    pub chrome: Chrome,
    pub message: Option<&'static str>,
    pub sections: Vec<Section>,
    pub any_saved: bool,
    pub form: FormView,
    pub csrf: String,
    pub reset_csrf: String,
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    message: Option<&'static str>,
    form: Option<FormView>,
) -> Result<Response, PageError> {
    let stored = settings::saved(state, &me.user).await?;
    let file = Tunables::from_config(state.config());
    let current = state.tunables();
    let form = form.unwrap_or_else(|| {
        let values: Vec<(&str, String)> = SETTINGS.iter().map(|s| (s.key, settings::text((s.get)(&current)))).collect();
        FormView::with(&values.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
    });
    let sections = [POLICY, SUPERVISION, INTEGRITY]
        .into_iter()
        .map(|title| Section {
            title,
            rows: SETTINGS
                .iter()
                .filter(|s| s.section == title)
                .map(|s| Row {
                    key: s.key,
                    label: s.label,
                    unit: s.unit,
                    min: settings::text(s.min),
                    max: settings::text(s.max),
                    step: if s.integer { "1" } else { "0.1" },
                    file_value: settings::text((s.get)(&file)),
                    saved: stored.iter().any(|(k, _)| k == s.key),
                })
                .collect(),
        })
        .collect();
    let page = PolicyPage {
        chrome: me.chrome(state, "参数设置"),
        message,
        sections,
        any_saved: !stored.is_empty(),
        form,
        csrf: me.token(state, POLICY_FORM),
        reset_csrf: me.token(state, RESET_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let message = super::done_message(
        done,
        &[
            ("saved", "参数已保存并立即生效（已留痕）。新参数用于此后计算的期限，在办工单已有的期限不变。"),
            ("reset", "已恢复为配置文件中的参数（已留痕）。"),
        ],
    );
    render_page(&state, &me, StatusCode::OK, message, None).await
}

pub async fn save(
    State(state): State<AppState>,
    me: SignedIn,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let form = FormPairs::parse(body)?;
    if form.get("reset").is_some() {
        me.verify(&state, RESET_FORM, &form)?;
        settings::save(&state, &me.user, None).await?;
        return Ok(done("/admin/policy", "reset"));
    }
    me.verify(&state, POLICY_FORM, &form)?;
    let value = |key: &str| form.get(key).map(str::to_owned);
    match settings::save(&state, &me.user, Some(&value)).await {
        Ok(()) => Ok(done("/admin/policy", "saved")),
        Err(err) => {
            let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            let view = FormView::refused(&form, &keys, err)?;
            render_page(&state, &me, unprocessable(), None, Some(view)).await
        }
    }
}
