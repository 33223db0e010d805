//! Pages of a list: what the caller asks for and what a list answers.

use hcp_core::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{AppError, AppResult, ErrorCode};

/// The last page number asked for: far past any list a person pages through, and small enough that the offset
/// fits every database's integer (`page × per_page` stays below 2³¹).
pub const MAX_PAGE: i64 = 100_000;
/// Most items on one page.
pub const MAX_PER_PAGE: i64 = 200;

/// The page asked for.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// 1-based page number, at most 100000.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<i64>,
    /// Items per page, at most 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

impl Page {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Page {
        Page { page, per_page }
    }

    /// SQL `LIMIT` and `OFFSET`; a page number or size out of range is the caller's mistake, named.
    pub fn limit_offset(self) -> AppResult<(i64, i64)> {
        let mut errors = FieldErrors::default();
        let page = self.page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            errors.add("page", format!("页码应为 1–{MAX_PAGE} 之间的整数"));
        }
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.add("per_page", format!("每页条数应为 1–{MAX_PER_PAGE} 之间的整数"));
        }
        if !errors.is_empty() {
            return Err(AppError::new(ErrorCode::InvalidQuery, format!("分页参数不正确：{}", errors.summary()))
                .with_fields(errors));
        }
        Ok((per_page, (page - 1) * per_page))
    }
}

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T: ToSchema> Paged<T> {
    /// The items of the page at `limit`/`offset` of a list of `total`.
    pub fn of(items: Vec<T>, total: i64, (limit, offset): (i64, i64)) -> Paged<T> {
        Paged { items, total, page: offset / limit + 1, per_page: limit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded_and_named_when_out_of_range() {
        assert_eq!(Page::new(None, None).limit_offset().unwrap(), (50, 0));
        assert_eq!(Page::new(Some(MAX_PAGE), Some(MAX_PER_PAGE)).limit_offset().unwrap(), (200, 19_999_800));
        for (page, per_page, field) in [
            (Some(i64::MAX), None, "page"),
            (Some(0), None, "page"),
            (Some(-1), None, "page"),
            (Some(MAX_PAGE + 1), None, "page"),
            (None, Some(0), "per_page"),
            (None, Some(201), "per_page"),
            (None, Some(i64::MIN), "per_page"),
        ] {
            let err = Page::new(page, per_page).limit_offset().unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidQuery);
            assert!(err.fields.0.contains_key(field), "{page:?} {per_page:?}: {:?}", err.fields);
        }
    }
}
