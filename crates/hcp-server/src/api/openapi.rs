//! The OpenAPI 3 description at `/api/openapi.json`, browsable at `/api/docs` (Swagger UI, its assets compiled
//! into the binary: intranets have no CDN).

use axum::Router;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
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
        api::tickets::reveal,
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
        api::integrity::groups,
        api::integrity::decide_group,
        api::integrity::networks,
        api::integrity::add_network,
        api::inbox::mark_read,
        api::inbox::mark_all_read,
        api::demo::show_clock,
        api::demo::move_clock,
        api::session::login,
        api::session::logout,
        api::session::me,
        api::account::change_password,
        api::account::list_sessions,
        api::account::end_session,
        api::account::reset_password,
        api::second_factor::complete,
        api::second_factor::begin_pending,
        api::second_factor::status,
        api::second_factor::begin,
        api::second_factor::confirm,
        api::second_factor::disable,
        api::second_factor::admin_reset,
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
        api::admin::list_locked_users,
        api::admin::unlock_user,
        api::users::get_user,
        api::users::edit_user,
        api::users::patch_user,
        api::users::deactivate_user,
        api::users::user_history,
        api::tokens::list_tokens,
        api::tokens::issue_token,
        api::tokens::revoke_token,
        api::admin::calendar_years,
        api::admin::import_calendar,
        api::admin::list_local_days,
        api::admin::set_local_day,
        api::admin::remove_local_day,
        api::admin_changes::list_replacement_orders,
        api::admin_changes::move_replaced_staff,
        api::admin_changes::edit_org_unit,
        api::admin_changes::patch_org_unit,
        api::admin_changes::deactivate_org_unit,
        api::admin_changes::org_unit_history,
        api::admin_changes::edit_department,
        api::admin_changes::patch_department,
        api::admin_changes::deactivate_department,
        api::admin_changes::department_history,
        api::admin_changes::edit_window,
        api::admin_changes::patch_window,
        api::admin_changes::deactivate_window,
        api::admin_changes::window_history,
        api::admin_changes::edit_staff,
        api::admin_changes::patch_staff,
        api::admin_changes::deactivate_staff,
        api::admin_changes::staff_history,
        api::admin_changes::edit_service_item,
        api::admin_changes::patch_service_item,
        api::admin_changes::deactivate_service_item,
        api::admin_changes::service_item_history,
        api::audit::entries,
        api::audit::export,
        api::audit::start_verification,
        api::audit::verifications,
        api::audit::verification,
    ),
    // Choices of query parameters, published by name (parameters do not register the schemas they name).
    components(schemas(
        crate::app::choices::FlagStatusFilter,
        crate::app::choices::GroupByChoice,
        crate::app::choices::LedgerFormat,
        crate::app::choices::TicketSort,
        crate::app::choices::UpwardFormat,
    )),
    modifiers(&Security, &ErrorResponses, &ResponseDescriptions),
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
        (name = "audit", description = "审计：审计日志查询、导出与完整性校验（审计管理员）"),
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

/// A file as the request or response body.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}
impl utoipa::ToSchema for Binary {}

/// How an operation is reached: most need a signed-in user (session cookie or bearer token); these do not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, no credentials read.
    Public,
    /// Anyone; a signed-in user (a registrar, an operator) is recognised and may do more.
    Optional,
    SignedIn,
}

fn access(operation_id: &str) -> Access {
    match operation_id {
        "get_health" | "compute_deadline" | "get_workday" | "get_org_tree" | "get_public_monthly" | "sign_in"
        | "sign_out" | "track_submission" | "rate_handling" | "add_follow_up" => Access::Public,
        "create_evaluation" | "create_complaint" | "create_misconduct_report" => Access::Optional,
        _ => Access::SignedIn,
    }
}

/// Operations with a per-address (or per-code) rate limit: sign-in, the citizens' submissions and tracking.
fn rate_limited(operation_id: &str) -> bool {
    matches!(
        operation_id,
        "sign_in"
            | "create_evaluation"
            | "create_complaint"
            | "create_misconduct_report"
            | "track_submission"
            | "rate_handling"
            | "add_follow_up"
    )
}

/// Query filters that name a record by its code: an unknown one is 404.
const NAMING_FILTERS: &[&str] = &["org", "window", "staff_no"];

/// Signed-in operations open to every role (the rest refuse some roles with 403).
fn any_role(operation_id: &str) -> bool {
    matches!(operation_id, "get_me" | "list_inbox" | "mark_inbox_read" | "mark_inbox_all_read")
}

/// Declares on every operation who may call it and every error status the shared edge can answer, with the
/// error body: 400 for an unreadable query or body, 401/403 for the caller, 404 for an id that names nothing,
/// 413/415/422 for a body, 429 where rate limited. Statuses particular to one operation (409 with its codes)
/// are written on the operation itself; the tests hold both to what the server answers.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let signed_in = || {
            vec![
                SecurityRequirement::new("session", Vec::<String>::new()),
                SecurityRequirement::new("bearer", Vec::<String>::new()),
            ]
        };
        for item in openapi.paths.paths.values_mut() {
            let path_params =
                item.parameters.as_deref().unwrap_or_default().iter().any(|p| is_in(p, ParameterIn::Path));
            for (method, operation) in operations(item) {
                let id = operation.operation_id.clone().unwrap_or_default();
                let params = operation.parameters.as_deref().unwrap_or_default();
                let mut statuses = Vec::new();
                match access(&id) {
                    Access::Public => operation.security = Some(vec![SecurityRequirement::default()]),
                    Access::Optional => {
                        let mut any = vec![SecurityRequirement::default()];
                        any.extend(signed_in());
                        operation.security = Some(any);
                        statuses.extend(["401", "403"]);
                    }
                    Access::SignedIn => {
                        operation.security = Some(signed_in());
                        statuses.push("401");
                        if !any_role(&id) {
                            statuses.push("403");
                        }
                    }
                }
                if path_params || params.iter().any(|p| is_in(p, ParameterIn::Path)) {
                    statuses.push("404");
                }
                if params.iter().any(|p| is_in(p, ParameterIn::Query)) {
                    statuses.push("400");
                }
                // A filter naming an org unit, window or staff member that does not exist.
                if params.iter().any(|p| matches!(p, RefOr::T(p) if NAMING_FILTERS.contains(&p.name.as_str()))) {
                    statuses.push("404");
                }
                // The citizen's query password, checked on every tracking call.
                if id.starts_with("track_") || matches!(id.as_str(), "rate_handling" | "add_follow_up") {
                    statuses.push("401");
                }
                if operation.request_body.is_some() {
                    statuses.extend(["400", "413", "415", "422"]);
                }
                if rate_limited(&id) {
                    statuses.push("429");
                }
                // A browser's cross-site request with a session cookie (`api::guard`).
                if !matches!(method, "get" | "head" | "options") {
                    statuses.push("403");
                }
                for status in statuses {
                    operation.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(status_description(status))
                            .content(
                                "application/json",
                                ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                            )
                            .into()
                    });
                }
            }
        }
    }
}

fn is_in(parameter: &RefOr<Parameter>, place: ParameterIn) -> bool {
    matches!(parameter, RefOr::T(p) if p.parameter_in == place)
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("patch", &mut item.patch),
        ("head", &mut item.head),
        ("options", &mut item.options),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
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
            for (_, operation) in operations(item) {
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let RefOr::T(response) = response
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

/// The document as served, pretty-printed (`hcp openapi`, for client generators without a running server).
pub fn document_json() -> String {
    ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serialises")
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

    #[test]
    fn every_reference_names_a_published_schema() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for reference in text.split("\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(schemas.contains_key(name), "#/components/schemas/{name} is referenced but not published");
        }
    }

    #[test]
    fn every_operation_says_who_may_call_it_and_documents_its_errors_with_the_error_body() {
        let doc = document();
        for (method, path, operation) in operations(&doc) {
            let id = operation["operationId"].as_str().unwrap_or_default();
            let security = operation["security"].as_array().unwrap_or_else(|| panic!("{id} has no security"));
            let anonymous = security.iter().any(|s| s.as_object().is_some_and(|o| o.is_empty()));
            assert_eq!(anonymous, super::access(id) != super::Access::SignedIn, "{id}");
            let responses = operation["responses"].as_object().expect("responses");
            if !anonymous {
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path} lacks 404");
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                }
            }
            for (status, response) in responses.iter().filter(|(s, _)| s.as_str() >= "400") {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
            }
        }
    }

    #[test]
    fn files_are_binary_strings_and_appeal_decisions_take_an_outcome() {
        let doc = document();
        let import = &doc["paths"]["/api/v1/evaluations/import"]["post"]["requestBody"]["content"];
        for content_type in ["text/csv", "application/octet-stream"] {
            assert_eq!(import[content_type]["schema"]["$ref"], "#/components/schemas/Binary", "{content_type}");
        }
        assert_eq!(doc["components"]["schemas"]["Binary"]["format"], "binary");
        let decision = &doc["paths"]["/api/v1/tickets/{id}/appeal/decision"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["$ref"];
        let name = decision.as_str().expect("a named schema").rsplit('/').next().unwrap();
        let properties = &doc["components"]["schemas"][name]["properties"];
        assert!(properties.get("outcome").is_some() && properties.get("decision").is_none(), "{properties}");
    }

    #[test]
    fn query_codes_publish_their_choices() {
        let doc = document();
        let tickets = doc["paths"]["/api/v1/tickets"]["get"]["parameters"].as_array().expect("parameters");
        let parameter = |name: &str| tickets.iter().find(|p| p["name"] == name).expect(name).clone();
        assert_eq!(parameter("state")["schema"]["$ref"], "#/components/schemas/TicketState");
        assert_eq!(parameter("overdue")["schema"]["type"], "boolean");
        let code = &doc["components"]["schemas"]["Code"];
        assert_eq!(code["pattern"], hcp_core::schema::CODE_PATTERN);
        let levels = doc["components"]["schemas"]["Level"]["enum"].as_array().expect("levels").len();
        assert_eq!(levels, hcp_core::level::Level::ALL.len());
    }
}
