//! Codes with a Chinese label: every enum of the vocabulary that is stored, sent and shown is declared with
//! [`coded!`], so its code (in the database and the API) and its label (on pages, in ledgers and notices) are
//! written once, and a stored code that is not one of them is an error rather than an empty label.

/// A stored or submitted text that is not one of an enum's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} code “{code}”")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
}

/// Declares an enum of codes: `Variant => "code", "标签";` for each. It gets `ALL`, `code()`, `label()`,
/// `from_code()` (exact), `TryFrom<String>` and `TryFrom<&str>` (for rows and inputs), `Display` (the code),
/// serde as the code and, with the `openapi` feature, a schema listing the codes with their labels.
#[macro_export]
macro_rules! coded {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The code stored and sent.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// What people read.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// The variant of an exact code.
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $crate::code::UnknownCode;
            fn try_from(code: &str) -> Result<Self, Self::Error> {
                $name::from_code(code)
                    .ok_or_else(|| $crate::code::UnknownCode { what: stringify!($name), code: code.to_owned() })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::code::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                $name::try_from(code.as_str())
            }
        }

        // The schema is written here rather than derived: the derive does not see the codes through this
        // macro and would publish the variant names, which the server refuses.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let labels = [$(concat!($code, "：", $label)),+].join("；");
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),+]))
                    .description(Some(labels))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::coded! {
        /// A test enum.
        pub enum Sample {
            One => "one", "一";
            TwoWords => "two_words", "二";
        }
    }

    #[test]
    fn codes_labels_and_serde_agree() {
        assert_eq!(Sample::ALL, [Sample::One, Sample::TwoWords]);
        for s in Sample::ALL {
            assert_eq!(Sample::from_code(s.code()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::Value::String(s.code().into()));
            assert_eq!(Sample::try_from(s.code().to_owned()), Ok(s));
        }
        assert_eq!(Sample::TwoWords.label(), "二");
        let unknown = Sample::try_from("three").unwrap_err();
        assert_eq!(unknown.to_string(), "unknown Sample code “three”");
    }
}
