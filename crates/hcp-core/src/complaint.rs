//! Complaints (投诉) from the hotline, the box or online: the target may be partly or wholly unknown.

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::org::Code;

pub const MAX_CONTENT_CHARS: usize = 4000;

crate::coded! {
    /// Where a complaint came from.
    pub enum ComplaintChannel {
        /// 12345 hotline, entered by an operator.
        Phone => "phone", "12345热线";
        /// 意见箱, entered by a registrar.
        Box => "box", "意见箱";
        /// Submitted by the citizen on the web or phone.
        Online => "online", "网上投诉";
    }
}

impl ComplaintChannel {
    pub fn parse(text: &str) -> Option<ComplaintChannel> {
        ComplaintChannel::from_code(text.trim())
    }

    pub fn is_registered(self) -> bool {
        self != ComplaintChannel::Online
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::complaint::ComplaintChannel>))]
    pub channel: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::org::Code>))]
    pub org_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::org::Code>))]
    pub department_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::org::Code>))]
    pub window_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::org::Code>))]
    pub staff_no: Option<String>,
    pub content: Option<String>,
    pub contact: Option<ContactInput>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub channel: ComplaintChannel,
    pub org_code: Option<Code>,
    pub department_code: Option<Code>,
    pub window_code: Option<Code>,
    pub staff_no: Option<Code>,
    pub content: String,
    pub contact: Option<Contact>,
}

impl NewComplaint {
    pub fn parse(input: &ComplaintInput) -> Result<NewComplaint, FieldErrors> {
        let mut errors = FieldErrors::new();
        let channel = match input.channel.as_deref().map(str::trim) {
            None | Some("") => {
                errors.add("channel", "请填写投诉渠道");
                None
            }
            Some(text) => ComplaintChannel::parse(text).or_else(|| {
                errors.add("channel", "投诉渠道应为 phone（12345热线）、box（意见箱）或 online（网上）");
                None
            }),
        };
        let mut code = |field: &str, value: &Option<String>| {
            let text = value.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            Code::parse(text).map_err(|message| errors.add(field, message)).ok()
        };
        let org_code = code("org_code", &input.org_code);
        let department_code = code("department_code", &input.department_code);
        let window_code = code("window_code", &input.window_code);
        let staff_no = code("staff_no", &input.staff_no);

        let content = input.content.as_deref().unwrap_or("").trim().to_owned();
        if content.is_empty() {
            errors.add("content", "请填写投诉内容");
        } else if content.chars().count() > MAX_CONTENT_CHARS {
            errors.add("content", format!("投诉内容不能超过{MAX_CONTENT_CHARS}个字"));
        }

        let contact = input.contact.as_ref().and_then(|c| {
            let name = c.name.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
            let phone = c.phone.as_deref().map(crate::privacy::normalize_phone).filter(|s| !s.is_empty());
            if let Some(phone) = &phone
                && !(7..=15).contains(&phone.len())
            {
                errors.add("contact.phone", "联系电话格式不正确");
            }
            if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
                errors.add("contact.name", "姓名不能超过100个字");
            }
            (name.is_some() || phone.is_some()).then_some(Contact { name, phone })
        });

        match channel {
            Some(channel) if errors.is_empty() => {
                Ok(NewComplaint { channel, org_code, department_code, window_code, staff_no, content, contact })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_required_and_target_may_be_unknown() {
        let ok = NewComplaint::parse(&ComplaintInput {
            channel: Some("phone".into()),
            content: Some("窗口让我跑了三次".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.window_code, None);
        let errors = NewComplaint::parse(&ComplaintInput {
            channel: Some("fax".into()),
            window_code: Some("窗口".into()),
            ..Default::default()
        })
        .unwrap_err();
        for field in ["channel", "window_code", "content"] {
            assert!(errors.0.contains_key(field), "{field}");
        }
    }
}

crate::coded! {
    /// Kinds of misconduct a citizen may report (R4): the bureau handles these as tickets of their own kind.
    pub enum ReportKind {
        /// 强迫、诱导评价 (pressing citizens for praise).
        Coercion => "coercion", "强迫或诱导评价";
        /// 弄虚作假 (fabricated evaluations).
        Falsification => "falsification", "弄虚作假";
        /// 泄露评价人信息.
        Leaking => "leaking", "泄露评价人信息";
        /// 差评不整改.
        NotRectifying => "not_rectifying", "差评不整改";
    }
}

impl ReportKind {
    pub fn parse(text: &str) -> Option<ReportKind> {
        ReportKind::from_code(text.trim())
    }
}
