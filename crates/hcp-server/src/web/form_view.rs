//! A form as re-shown after a refusal: the values typed, the messages next to the fields and one message above
//! the form. Every page form uses it, so the mapping of the API's field names onto the form's fields is written
//! once.

use std::collections::BTreeMap;

use hcp_core::FieldErrors;

use super::FormPairs;
use super::errors::PageError;
use crate::app::error::AppError;

/// The message above a form whose fields carry the messages.
pub const CHECK_FIELDS: &str = "提交的信息有误，请按提示修改。";

#[derive(Default, Clone)]
pub struct FormView {
    values: BTreeMap<String, String>,
    /// Fields with several values (checkboxes), trimmed, empty ones left out.
    lists: BTreeMap<String, Vec<String>>,
    errors: BTreeMap<String, String>,
    pub general: Option<String>,
}

impl FormView {
    /// The value typed in `name` ("" when none).
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// Every value of a field kept with [`FormView::keep_all`].
    pub fn all(&self, name: &str) -> &[String] {
        self.lists.get(name).map_or(&[], Vec::as_slice)
    }

    /// The message for `name`, if any.
    pub fn e(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// Whether a checkbox or option `name` had `value`.
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }

    pub fn with(values: &[(&str, &str)]) -> FormView {
        FormView {
            values: values.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..FormView::default()
        }
    }

    /// The fields `names` of a submitted form, as typed.
    pub fn from_pairs(pairs: &FormPairs, names: &[&str]) -> FormView {
        FormView { values: names.iter().map(|n| ((*n).to_owned(), pairs.text(n))).collect(), ..FormView::default() }
    }

    /// Also keeps every value of the multi-valued field `name`.
    pub fn keep_all(mut self, pairs: &FormPairs, name: &str) -> FormView {
        self.lists.insert(name.to_owned(), pairs.all(name).into_iter().map(str::to_owned).collect());
        self
    }

    /// One message above the form.
    pub fn message(mut self, message: impl Into<String>) -> FormView {
        self.general = Some(message.into());
        self
    }

    /// One message next to the field `name` (added to one already there).
    pub fn field_error(mut self, name: &str, message: &str) -> FormView {
        self.add_error(name, message);
        self
    }

    fn add_error(&mut self, name: &str, message: &str) {
        self.errors
            .entry(name.to_owned())
            .and_modify(|before| *before = format!("{before}；{message}"))
            .or_insert_with(|| message.to_owned());
    }

    /// The parser's or the API's messages next to the fields: `fields` maps each API field name the form shows
    /// to the form's field (e.g. `("evaluator.phone", "phone")`); the messages of other fields go above the form,
    /// else `general` does.
    pub fn field_errors(mut self, errors: &FieldErrors, fields: &[(&str, &str)], general: &str) -> FormView {
        let mut other = Vec::new();
        for (field, message) in &errors.0 {
            match fields.iter().find(|(api, _)| api == field) {
                Some((_, name)) => self.add_error(name, message),
                None => other.push(message.as_str()),
            }
        }
        self.general = Some(if other.is_empty() { general.to_owned() } else { other.join("；") });
        self
    }

    /// The API's refusal of the form: its field messages as [`FormView::field_errors`], or, without any, its
    /// message above the form.
    pub fn api_error(self, err: &AppError, fields: &[(&str, &str)], general: &str) -> FormView {
        if err.fields.is_empty() {
            self.message(err.message.clone())
        } else {
            self.field_errors(&err.fields, fields, general)
        }
    }

    /// Whether anything is to be shown: a field message or one above the form.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.general.is_some()
    }

    /// The first of the fields `order` that has a message (for the cursor).
    pub fn first_error<'a>(&self, order: &[&'a str]) -> Option<&'a str> {
        order.iter().copied().find(|name| self.errors.contains_key(*name))
    }

    /// The API's refusal with every field message under the API's own field name; without any, its message
    /// above the form.
    pub fn named_errors(mut self, err: &AppError) -> FormView {
        self.general = Some(if err.fields.is_empty() { err.message.clone() } else { CHECK_FIELDS.to_owned() });
        for (field, message) in &err.fields.0 {
            self.add_error(field, message);
        }
        self
    }

    /// The submitted form after the API refused it: the user's mistakes are shown on the form (as
    /// [`FormView::named_errors`]), server faults are the error page.
    pub fn refused(pairs: &FormPairs, names: &[&str], err: AppError) -> Result<FormView, PageError> {
        if crate::edge::status::of(err.code).is_server_error() {
            return Err(err.into());
        }
        Ok(FormView::from_pairs(pairs, names).named_errors(&err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::error::ErrorCode;

    const FIELDS: &[(&str, &str)] = &[("evaluator.phone", "phone"), ("window_code", "window"), ("case_no", "window")];

    #[test]
    fn api_field_names_are_shown_at_the_form_fields_and_others_above() {
        let mut errors = FieldErrors::new();
        errors.add("evaluator.phone", "手机号码格式不正确");
        let view = FormView::with(&[("phone", "123")]).field_errors(&errors, FIELDS, CHECK_FIELDS);
        assert_eq!(view.e("phone"), Some("手机号码格式不正确"));
        assert_eq!(view.v("phone"), "123");
        assert_eq!(view.general.as_deref(), Some(CHECK_FIELDS));

        // Two API fields at one form field: both messages; an unknown field's message goes above the form.
        errors.add("case_no", "请填写办件编号或窗口编号");
        errors.add("window_code", "窗口编号不存在");
        errors.add("level", "请选择评价等级");
        let view = FormView::default().field_errors(&errors, FIELDS, CHECK_FIELDS);
        assert_eq!(view.e("window"), Some("请填写办件编号或窗口编号；窗口编号不存在"));
        assert_eq!(view.general.as_deref(), Some("请选择评价等级"));
        assert_eq!(view.first_error(&["name", "window", "phone"]), Some("window"));
        assert_eq!(FormView::default().first_error(&["window"]), None);
    }

    #[test]
    fn a_refusal_without_fields_is_its_message() {
        let err = AppError::new(ErrorCode::AlreadyEvaluated, "该办件已经评价过了");
        let view = FormView::default().api_error(&err, FIELDS, CHECK_FIELDS);
        assert_eq!(view.general.as_deref(), Some("该办件已经评价过了"));
        assert!(view.has_errors() && view.e("window").is_none());
        let named = FormView::default().named_errors(&AppError::invalid_field("code", "编码已存在"));
        assert_eq!((named.e("code"), named.general.as_deref()), (Some("编码已存在"), Some(CHECK_FIELDS)));
    }
}
