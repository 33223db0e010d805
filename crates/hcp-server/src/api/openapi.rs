//! The OpenAPI 3 description at `/api/openapi.json`, browsable at `/api/docs` (Swagger UI, its assets compiled
//! into the binary: intranets have no CDN).

use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::app::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "好差评 hcp API",
        description = "政务服务“好差评”评价与投诉反馈系统接口。错误统一为 `{\"error\":{\"code\",\"message\",\"fields\"}}`；\
            时间为 RFC 3339（显示为 +08:00）；期限按法定工作日计算（起算日不计入，截止于第 N 个工作日 23:59:59）。\
            登录后以 HttpOnly Cookie 会话访问，或以 `Authorization: Bearer <令牌>` 访问。"
    ),
    paths(
        api::health::healthz,
        api::calendar::deadline,
        api::calendar::workday,
        api::org::tree,
        api::evaluations::create,
        api::evaluations::list,
        api::evaluations::detail,
        api::evaluations::reveal,
        api::evaluations::import_upload,
        api::complaints::create,
        api::tickets::list,
        api::tickets::detail,
        api::tickets::dispatch,
        api::tickets::verify,
        api::tickets::rectify,
        api::tickets::feedback,
        api::tickets::appeal,
        api::tickets::decide,
        api::tickets::revisit,
        api::tickets::close,
        api::tickets::conclude,
        api::tickets::upload,
        api::tickets::attachment,
        api::track::show,
        api::track::rate,
        api::track::follow_up,
        api::reports::create,
        api::inbox::list,
        api::stats::figures,
        api::stats::monthly,
        api::ledgers::export,
        api::upward::export,
        api::upward::submit,
        api::supervision::concentrations,
        api::supervision::hot_topics,
        api::supervision::issue,
        api::supervision::list_orders,
        api::supervision::report,
        api::supervision::assess,
        api::supervision::outcome,
        api::integrity::list,
        api::integrity::decide,
        api::integrity::networks,
        api::integrity::add_network,
        api::inbox::mark_read,
        api::demo::show_clock,
        api::demo::move_clock,
        api::session::login,
        api::session::logout,
        api::session::me,
        api::session::create_token,
        api::admin::create_org_unit,
        api::admin::list_org_units,
        api::admin::create_department,
        api::admin::list_departments,
        api::admin::create_window,
        api::admin::list_windows,
        api::admin::create_staff,
        api::admin::list_staff,
        api::admin::create_item,
        api::admin::list_items,
        api::admin::create_case,
        api::admin::list_cases,
        api::admin::create_user,
        api::admin::list_users,
        api::admin::calendar_years,
        api::admin::import_calendar,
        api::admin::list_local_days,
        api::admin::set_local_day,
        api::admin::remove_local_day,
    ),
    modifiers(&Security, &ResponseDescriptions),
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::edge::caller::SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// OpenAPI requires a description on every response; where an operation gives none, the status's meaning is
/// used (the error responses all carry the same error body, whose `code` says more).
struct ResponseDescriptions;

fn status_description(status: &str) -> &'static str {
    match status {
        "200" => "成功",
        "201" => "已创建",
        "204" => "成功，无内容",
        "303" => "跳转",
        "400" => "请求格式错误",
        "401" => "未登录或登录已失效（unauthenticated）",
        "403" => "无权执行该操作（forbidden）",
        "404" => "对象不存在（not_found）",
        "409" => "与当前状态冲突（conflict、invalid_transition 等）",
        "413" => "请求体过大（payload_too_large）",
        "415" => "不支持的内容类型（unsupported_media_type）",
        "422" => "请求内容有误，fields 指出各字段的问题（validation_failed）",
        "429" => "请求过于频繁，请按 Retry-After 稍后再试（rate_limited）",
        "503" => "服务暂不可用",
        _ => "见响应体",
    }
}

impl utoipa::Modify for ResponseDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = status_description(status).to_owned();
                    }
                }
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;
    use utoipa::OpenApi;

    use super::ApiDoc;

    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                all.push((method.clone(), path.clone(), operation));
            }
        }
        all
    }

    fn document() -> Value {
        serde_json::to_value(ApiDoc::openapi()).expect("document serialises")
    }

    #[test]
    fn every_operation_has_its_own_id() {
        let doc = document();
        let mut seen = BTreeSet::new();
        for (method, path, operation) in operations(&doc) {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no id"));
            assert!(seen.insert(id.to_owned()), "operationId {id} of {method} {path} is used twice");
        }
    }

    #[test]
    fn path_parameters_are_the_placeholders_of_their_path() {
        let doc = document();
        for (method, path, operation) in operations(&doc) {
            let placeholders: BTreeSet<&str> =
                path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().expect("parameter name"))
                .collect();
            assert_eq!(declared, placeholders, "path parameters of {method} {path}");
        }
    }

    #[test]
    fn every_response_is_described() {
        let doc = document();
        for (method, path, operation) in operations(&doc) {
            let responses = operation["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{method} {path} documents no response");
            for (status, response) in responses {
                let described = response["description"].as_str().is_some_and(|d| !d.is_empty());
                assert!(described || response.get("$ref").is_some(), "{method} {path} {status} has no description");
            }
        }
    }

    fn published_enum<'a>(doc: &'a Value, schema: &str) -> Vec<&'a str> {
        let values = doc["components"]["schemas"][schema]["enum"].as_array();
        values.unwrap_or_else(|| panic!("{schema} has no enum")).iter().filter_map(Value::as_str).collect()
    }

    #[test]
    fn code_enums_publish_the_codes_the_server_accepts() {
        let doc = document();
        let roles: Vec<&str> = hcp_core::role::Role::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(published_enum(&doc, "Role"), roles);
        let states: Vec<&str> = hcp_core::ticket::TicketState::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(published_enum(&doc, "TicketState"), states);
        let channels: Vec<&str> = hcp_core::channel::Channel::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(published_enum(&doc, "Channel"), channels);
    }
}
