//! A small builder for dynamic SQL with `$n` placeholders, which both backends accept through the `Any`
//! driver (sqlx's `QueryBuilder` writes `?` for `Any`, which PostgreSQL rejects).

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Any, AssertSqlSafe, FromRow};

#[derive(Debug, Clone)]
pub enum Param {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_owned())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// The three sqlx query types share `bind` but no trait for it; one macro binds the parameters to each.
macro_rules! bind_all {
    ($query:ident, $params:expr) => {{
        for param in &$params {
            $query = match param {
                Param::Int(v) => $query.bind(*v),
                Param::Text(v) => $query.bind(v.clone()),
                Param::Null => $query.bind(None::<i64>),
            };
        }
        $query
    }};
}

/// Parameters per multi-row statement. SQLite treats `$n` as a named parameter and binding looks each one up by
/// scanning the names, so a statement costs the square of its parameters: a few hundred is the sweet spot.
pub const PARAMS_PER_STATEMENT: usize = 400;

/// `($1, …, $c), ($c+1, …), …` for a multi-row INSERT of `rows` rows of `columns` values.
pub fn value_rows(rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        text.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                text.push_str(", ");
            }
            text.push('$');
            text.push_str(&(r * columns + c + 1).to_string());
        }
        text.push(')');
    }
    text
}

#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_owned(), params: Vec::new() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Param>) -> &mut Self {
        self.params.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(self.text.clone()));
        bind_all!(query, self.params)
    }

    pub fn query_as<T>(&self) -> QueryAs<'_, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut query = sqlx::query_as(AssertSqlSafe(self.text.clone()));
        bind_all!(query, self.params)
    }

    pub fn query_scalar<T>(&self) -> QueryScalar<'_, Any, T, AnyArguments>
    where
        (T,): for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut query = sqlx::query_scalar(AssertSqlSafe(self.text.clone()));
        bind_all!(query, self.params)
    }
}

/// Escapes `%` and `_` for a LIKE prefix match (used with `ESCAPE '\'`).
pub fn like_prefix(prefix: &str) -> String {
    let mut escaped = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}
