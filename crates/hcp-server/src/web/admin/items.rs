//! `/admin/items`: the service items (政务服务事项) that cases name, and the form registering one.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::org::Choice;
use super::{ADMIN, Done, FormView, OrgData, done, unprocessable};
use crate::app::admin::org::{NewServiceItem, add_service_item, service_items};
use crate::app::state::AppState;
use crate::web::errors::PageError;
use crate::web::form::{CsrfForm, form_name};
use crate::web::layout::Chrome;
use crate::web::signed_in::SignedIn;

const ITEM_FORM: &str = "admin_item";
form_name!(ItemForm, ITEM_FORM);

pub struct ItemRow {
    pub code: String,
    pub name: String,
    pub department: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_items.html")]
pub struct ItemsPage {
    pub chrome: Chrome,
    pub message: Option<&'static str>,
    pub items: Vec<ItemRow>,
    pub departments: Vec<Choice>,
    pub form: FormView,
    pub csrf: String,
}

async fn render_page(
    state: &AppState,
    me: &SignedIn,
    status: StatusCode,
    message: Option<&'static str>,
    form: FormView,
) -> Result<Response, PageError> {
    let org = OrgData::load(state).await?;
    let items = service_items(state, &me.user)
        .await?
        .into_iter()
        .map(|i| ItemRow {
            department: i.department_id.and_then(|id| org.department(id)).map(|d| d.name.clone()).unwrap_or_default(),
            active: i.deactivated_at.is_none(),
            code: i.code,
            name: i.name,
        })
        .collect();
    let departments = org
        .departments
        .iter()
        .filter(|d| d.deactivated_at.is_none())
        .map(|d| Choice { value: d.code.clone(), label: format!("{}（{}）", d.name, d.code) })
        .collect();
    let page = ItemsPage {
        chrome: me.chrome(state, "政务服务事项"),
        message,
        items,
        departments,
        form,
        csrf: me.token(state, ITEM_FORM),
    };
    Ok(me.render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    done: Result<Query<Done>, QueryRejection>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let message = super::done_message(done, &[("item", "事项已登记。")]);
    render_page(&state, &me, StatusCode::OK, message, FormView::default()).await
}

pub async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    CsrfForm(form, _): CsrfForm<ItemForm>,
) -> Result<Response, PageError> {
    me.require(ADMIN)?;
    let req = NewServiceItem {
        code: form.text("code"),
        name: form.text("name"),
        department_code: form.get("department_code").map(str::to_owned),
    };
    match add_service_item(&state, &me.user, &req).await {
        Ok(_) => Ok(done("/admin/items", "item")),
        Err(err) => {
            let view = FormView::refused(&form, &["code", "name", "department_code"], err)?;
            render_page(&state, &me, unprocessable(), None, view).await
        }
    }
}
