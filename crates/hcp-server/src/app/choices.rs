//! Schemas of the query choices that the use cases read as text (so that a wrong one is a Chinese message
//! naming the field): the values here are the ones their parsers accept, checked by the tests below.

use utoipa::ToSchema;

/// `xlsx`（默认）或 `csv`（UTF-8，带 BOM）。
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum LedgerFormat {
    Xlsx,
    Csv,
}

/// `csv`（默认，UTF-8，带 BOM）、`xlsx` 或 `jsonl`（每行一条接口记录）。
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum UpwardFormat {
    Csv,
    Xlsx,
    Jsonl,
}

/// 分组：`none`（默认）、`department`、`window`、`staff`、`channel`、`item`、`day`、`month`。
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum GroupByChoice {
    None,
    Department,
    Window,
    Staff,
    Channel,
    Item,
    Day,
    Month,
}

/// `created`（默认，新建在前）或 `deadline`（最紧迫在前）。
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum TicketSort {
    Created,
    Deadline,
}

/// `open`（默认）、`confirmed`、`dismissed` 或 `all`。
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum FlagStatusFilter {
    Open,
    Confirmed,
    Dismissed,
    All,
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    fn values<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        schema["enum"].as_array().expect("an enum").iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn published_choices_are_the_ones_parsed() {
        for value in values::<GroupByChoice>() {
            assert!(hcp_store::stats::GroupBy::parse(&value).is_some(), "group_by {value}");
        }
        for value in values::<FlagStatusFilter>() {
            assert!(value == "all" || hcp_core::integrity::FlagStatus::from_code(&value).is_some(), "{value}");
        }
        assert_eq!(values::<LedgerFormat>(), ["xlsx", "csv"]);
        for value in values::<UpwardFormat>() {
            assert!(crate::app::upward::Format::parse(&value).is_some(), "upward format {value}");
        }
        assert_eq!(values::<TicketSort>(), ["created", "deadline"]);
    }
}
