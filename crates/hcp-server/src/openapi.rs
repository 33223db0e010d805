//! The OpenAPI 3 description at `/api/openapi.json`, browsable at `/api/docs` (Swagger UI, its assets compiled
//! into the binary: intranets have no CDN).

use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::routes;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "好差评 hcp API",
        description = "政务服务“好差评”评价与投诉反馈系统接口。错误统一为 `{\"error\":{\"code\",\"message\",\"fields\"}}`；\
            时间为 RFC 3339（显示为 +08:00）；期限按法定工作日计算（起算日不计入，截止于第 N 个工作日 23:59:59）。\
            登录后以 HttpOnly Cookie 会话访问，或以 `Authorization: Bearer <令牌>` 访问。"
    ),
    paths(
        routes::health::healthz,
        routes::calendar::deadline,
        routes::calendar::workday,
        routes::org::tree,
        routes::evaluations::create,
        routes::evaluations::list,
        routes::evaluations::detail,
        routes::evaluations::reveal,
        routes::evaluations::import_upload,
        routes::complaints::create,
        routes::tickets::list,
        routes::tickets::detail,
        routes::tickets::dispatch,
        routes::tickets::verify,
        routes::tickets::rectify,
        routes::tickets::feedback,
        routes::tickets::appeal,
        routes::tickets::decide,
        routes::tickets::revisit,
        routes::tickets::close,
        routes::tickets::conclude,
        routes::tickets::upload,
        routes::tickets::attachment,
        routes::track::show,
        routes::track::rate,
        routes::track::follow_up,
        routes::reports::create,
        routes::inbox::list,
        routes::stats::figures,
        routes::stats::monthly,
        routes::ledgers::export,
        routes::upward::export,
        routes::upward::submit,
        routes::supervision::concentrations,
        routes::supervision::hot_topics,
        routes::supervision::issue,
        routes::supervision::list_orders,
        routes::supervision::report,
        routes::supervision::assess,
        routes::supervision::outcome,
        routes::integrity::list,
        routes::integrity::decide,
        routes::integrity::networks,
        routes::integrity::add_network,
        routes::inbox::mark_read,
        routes::demo::show_clock,
        routes::demo::move_clock,
        routes::session::login,
        routes::session::logout,
        routes::session::me,
        routes::session::create_token,
        routes::admin::create_org_unit,
        routes::admin::list_org_units,
        routes::admin::create_department,
        routes::admin::list_departments,
        routes::admin::create_window,
        routes::admin::list_windows,
        routes::admin::create_staff,
        routes::admin::list_staff,
        routes::admin::create_item,
        routes::admin::list_items,
        routes::admin::create_case,
        routes::admin::list_cases,
        routes::admin::create_user,
        routes::admin::list_users,
        routes::admin::calendar_years,
        routes::admin::import_calendar,
        routes::local_days::list,
        routes::local_days::set,
        routes::local_days::remove,
    ),
    modifiers(&Security),
    tags(
        (name = "evaluations", description = "评价：各渠道评价登记、查询、批量导入"),
        (name = "complaints", description = "投诉：12345热线、意见箱、网上投诉"),
        (name = "tickets", description = "工单：差评、投诉、举报的分派、核实、整改、反馈、申诉复核、回访、办结"),
        (name = "track", description = "群众凭查询码和查询密码查询办理进度、评价处理结果、追评（无需账号）"),
        (name = "stats", description = "统计：好评率、差评率、满意度得分、整改率、按期反馈率、回访率、申诉率、改判率及排名；按月公开"),
        (name = "supervision", description = "督查：差评集中情况"),
        (name = "integrity", description = "评价真实性：疑似刷评、恶意差评等异常评价的核查与认定"),
        (name = "inbox", description = "站内消息：新工单、到期提醒、逾期督办、复核结果"),
        (name = "demo", description = "演示模式的训练时钟"),
        (name = "calendar", description = "法定工作日与期限"),
        (name = "org", description = "组织机构（公开）"),
        (name = "session", description = "登录与身份"),
        (name = "admin", description = "系统管理"),
        (name = "system", description = "运行状态"),
    )
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::extract::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}
