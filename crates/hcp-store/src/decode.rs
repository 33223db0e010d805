//! Decoding rows into the core's types: a stored code that is not one of its enum's codes, a JSON column that
//! does not parse or an instant out of range is an error of the row, never an empty label or 1970.
//!
//! Row structs name the stored form of a column with sqlx's `#[sqlx(try_from = "…")]`: `String` for a code,
//! [`NullableCode`] for a code that may be NULL, `i64` and [`NullableInt`] for levels, [`Json`] and [`NullableJson`] for JSON text.

use hcp_core::code::UnknownCode;
use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::{Decode, Type};

/// A text column that may be NULL, as stored.
pub struct NullableCode(Option<String>);

/// An integer column that may be NULL, as stored.
pub struct NullableInt(Option<i64>);

/// A JSON text column, as stored.
pub struct Json(String);

/// A JSON text column that may be NULL, as stored.
pub struct NullableJson(Option<String>);

macro_rules! text_column {
    ($($name:ident($inner:ty)),+) => {$(
        impl Type<Any> for $name {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as Type<Any>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Any> for $name {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                <$inner as Decode<'r, Any>>::decode(value).map($name)
            }
        }
    )+};
}

text_column!(NullableCode(Option<String>), Json(String), NullableJson(Option<String>));

impl Type<Any> for NullableInt {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for NullableInt {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        <Option<i64> as Decode<'r, Any>>::decode(value).map(NullableInt)
    }
}

/// A level that may be absent (a ticket of a complaint has none).
impl TryFrom<NullableInt> for Option<hcp_core::level::Level> {
    type Error = String;
    fn try_from(value: NullableInt) -> Result<Self, Self::Error> {
        value.0.map(hcp_core::level::Level::try_from).transpose()
    }
}

/// `Option<Enum>` from a nullable code column, for each enum stored that way.
macro_rules! nullable_codes {
    ($($t:ty),+) => {$(
        impl TryFrom<NullableCode> for Option<$t> {
            type Error = UnknownCode;
            fn try_from(code: NullableCode) -> Result<Self, Self::Error> {
                code.0.map(<$t>::try_from).transpose()
            }
        }
    )+};
}

nullable_codes!(
    hcp_core::evaluation::EvaluatorKind,
    hcp_core::evaluation::AdoptionReason,
    hcp_core::lifecycle::Classification,
    hcp_core::lifecycle::ReportFinding,
    hcp_core::supervision::Assessment,
    hcp_core::complaint::ReportKind,
    hcp_core::integrity::FlagReason,
    hcp_core::ticket::TicketState
);

/// A typed value from a JSON column, for each type stored that way.
macro_rules! json_columns {
    ($($t:ty),+) => {$(
        impl TryFrom<Json> for $t {
            type Error = serde_json::Error;
            fn try_from(json: Json) -> Result<Self, Self::Error> {
                serde_json::from_str(&json.0)
            }
        }

        impl TryFrom<NullableJson> for Option<$t> {
            type Error = serde_json::Error;
            fn try_from(json: NullableJson) -> Result<Self, Self::Error> {
                json.0.map(|text| serde_json::from_str(&text)).transpose()
            }
        }
    )+};
}

json_columns!(serde_json::Value, hcp_core::lifecycle::TicketFacts);
