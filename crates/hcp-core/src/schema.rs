//! OpenAPI schemas of the domain's value types, written by hand where a derive would publish Rust names or
//! miss what the domain enforces (the codes a level or tag takes, the characters of a code). The HTTP layer
//! points loose request fields at these with `value_type`, so clients see the rule the server applies.

use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

use crate::level::Level;
use crate::org::Code;
use crate::tags::{TAGS, TagList};

/// The regular expression a [`Code`] matches (after trimming).
pub const CODE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

impl PartialSchema for Level {
    fn schema() -> RefOr<Schema> {
        let labels = Level::ALL.iter().map(|l| format!("{}：{}", l.code(), l.label())).collect::<Vec<_>>().join("；");
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .enum_values(Some([1, 2, 3, 4, 5]))
            .description(Some(format!("评价等级（1–2 为差评）：{labels}")))
            .into()
    }
}
impl ToSchema for Level {}

impl PartialSchema for Code {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(CODE_PATTERN))
            .max_length(Some(64))
            .description(Some("编码：字母、数字、“-”、“_”、“.”，至多 64 个字符"))
            .into()
    }
}
impl ToSchema for Code {}

/// One national tag code.
pub struct TagCode;

impl PartialSchema for TagCode {
    fn schema() -> RefOr<Schema> {
        let labels =
            TAGS.iter().map(|t| format!("{}：{}（{}级）", t.code, t.label, t.level.code())).collect::<Vec<_>>();
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .enum_values(Some(TAGS.iter().map(|t| t.code)))
            .description(Some(format!("全国统一评价标签（须与评价等级相符）：{}", labels.join("；"))))
            .into()
    }
}
impl ToSchema for TagCode {}

impl PartialSchema for TagList {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new().items(TagCode::schema()).into()
    }
}
impl ToSchema for TagList {}
