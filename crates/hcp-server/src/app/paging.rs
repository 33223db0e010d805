//! Pages of a list: what the caller asks for and what a list answers.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The page asked for.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, at most 200 (default 50).
    pub per_page: Option<i64>,
}

impl Page {
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Page {
        Page { page, per_page }
    }

    /// SQL `LIMIT` and `OFFSET`.
    pub fn limit_offset(self) -> (i64, i64) {
        let per_page = self.per_page.unwrap_or(50).clamp(1, 200);
        let page = self.page.unwrap_or(1).max(1);
        (per_page, (page - 1) * per_page)
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
