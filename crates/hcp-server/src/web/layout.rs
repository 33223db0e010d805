//! What every page around its content shows: the title, and for a signed-in user their name, role, scope, the
//! role's menu and the sign-out button. Templates extend `base.html`, which reads the page's `chrome` field.

use hcp_core::role::Role;

use crate::app::auth::CurrentUser;

/// One menu entry.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in strip of the header.
pub struct Bar {
    /// The user's name, unless it only repeats the role (accounts named after their role) or is empty.
    pub display_name: Option<String>,
    pub role_label: &'static str,
    pub scope_label: String,
    pub logout_csrf: String,
    /// Unread notices in the user's inbox (the header's 消息 link shows the number).
    pub unread: i64,
}

impl Bar {
    /// The badge's text: large numbers read "99+" so the header keeps its width on a phone.
    pub fn unread_badge(&self) -> String {
        if self.unread > 99 { "99+".to_owned() } else { self.unread.to_string() }
    }
}

pub struct Chrome {
    pub title: String,
    pub bar: Option<Bar>,
    pub nav: Vec<NavLink>,
    /// Work pages (tables) use the full width; citizen pages stay a phone-width column.
    pub wide: bool,
    /// The footer of a page without sign-in, naming what the citizen submits there.
    pub footer: String,
    /// 长辈版: large text and high contrast, as the citizen chose it (see [`super::elder`]).
    pub elder: bool,
    /// Whether the page offers the switch between 标准版 and 长辈版: not where a one-time query password is
    /// shown, which following the switch (a reload) would lose.
    pub elder_switch: bool,
}

impl Chrome {
    /// A citizen's page or a page before sign-in.
    pub fn public(title: impl Into<String>) -> Chrome {
        Chrome {
            title: title.into(),
            bar: None,
            nav: Vec::new(),
            wide: false,
            footer: footer_about("评价"),
            elder: super::elder::current(),
            elder_switch: true,
        }
    }

    /// The footer speaks of what is submitted on the page (评价, 投诉 or 举报).
    pub fn speaking_of(mut self, kind_label: &str) -> Chrome {
        self.footer = footer_about(kind_label);
        self
    }

    /// A staff page before sign-in (login, second factor): it speaks of no citizen's submission.
    pub fn for_staff(mut self) -> Chrome {
        self.footer = String::new();
        self
    }

    /// A page showing a one-time query password: no switch to 长辈版 (it would reload the page without it).
    pub fn without_elder_switch(mut self) -> Chrome {
        self.elder_switch = false;
        self
    }

    /// A signed-in user's page; `path` marks the current menu entry, `unread` counts the user's unread notices.
    pub fn signed_in(
        title: impl Into<String>,
        user: &CurrentUser,
        logout_csrf: String,
        path: &str,
        unread: i64,
    ) -> Chrome {
        let nav = menu(user.role)
            .iter()
            .map(|&(href, label)| NavLink { href, label, current: current_entry(user.role, path) == Some(href) })
            .collect();
        Chrome {
            title: title.into(),
            bar: Some(Bar {
                display_name: shown_name(&user.user.display_name, user.role),
                role_label: user.role.label(),
                scope_label: super::auth::scope_label(user.scope.as_ref()),
                logout_csrf,
                unread,
            }),
            nav,
            wide: true,
            footer: String::new(),
            elder: false,
            elder_switch: false,
        }
    }
}

/// The name the header shows before the role: none when it is empty or the role's own label, so the header
/// reads "政务服务局督查人员", not "政务服务局督查人员 · 政务服务局督查人员".
fn shown_name(display_name: &str, role: Role) -> Option<String> {
    let name = display_name.trim();
    (!name.is_empty() && name != role.label()).then(|| name.to_owned())
}

/// The footer of a citizen's page about what they submit there.
pub fn footer_about(kind_label: &str) -> String {
    format!("您的{kind_label}将如实记录，依法保护{kind_label}人信息。")
}

/// The most specific menu entry the path is under (`/entry/upload` is under both `/entry` and `/entry/upload`).
fn current_entry(role: Role, path: &str) -> Option<&'static str> {
    menu(role).iter().map(|&(href, _)| href).filter(|href| is_under(path, href)).max_by_key(|href| href.len())
}

fn is_under(path: &str, href: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path == href || path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// Each role's menu (DESIGN §7). Pages check the role themselves; the menu only shows the way.
pub fn menu(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Staff => &[("/", "工作台"), ("/work/tickets", "我的工单"), ("/work/evaluations", "我的评价")],
        Role::WindowHead | Role::DeptHead => {
            &[("/", "工作台"), ("/work/tickets", "工单"), ("/work/evaluations", "评价"), ("/work/orders", "整改通知")]
        }
        Role::HotlineOperator | Role::Registrar => &[
            ("/", "工作台"),
            ("/entry", "评价录入"),
            ("/entry/complaint", "投诉登记"),
            ("/entry/upload", "批量导入"),
            ("/work/tickets", "工单"),
        ],
        Role::Supervisor => &[
            ("/", "工作台"),
            ("/supervise", "统计总览"),
            ("/work/tickets", "工单"),
            ("/supervise/appeals", "申诉复核"),
            ("/supervise/fraud-flags", "疑似造假"),
            ("/supervise/revisits", "回访"),
            ("/supervise/orders", "督查督办"),
            ("/supervise/ledgers", "台账导出"),
        ],
        // Inspectors read the tickets in their scope as well as the referrals made to them.
        Role::Discipline => &[("/", "工作台"), ("/discipline/referrals", "移送线索"), ("/work/tickets", "工单")],
        Role::Admin => &[
            ("/", "工作台"),
            ("/admin/org", "组织机构"),
            ("/admin/windows", "窗口"),
            ("/admin/staff", "工作人员"),
            ("/admin/items", "事项"),
            ("/admin/replacements", "责令更换"),
            ("/admin/calendar", "工作日历"),
            ("/admin/policy", "参数设置"),
            ("/admin/integrations", "系统对接"),
        ],
        // Their pages come with their parts of issue 16; an integration account never signs in.
        Role::SecurityAdmin => &[("/", "工作台"), ("/admin/users", "用户与账号")],
        Role::Auditor => &[("/", "工作台"), ("/audit", "审计日志"), ("/audit/verifications", "完整性校验")],
        Role::Integration => &[("/", "工作台")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_entry_is_the_one_the_path_is_under() {
        assert!(is_under("/work/tickets/12", "/work/tickets"));
        assert!(is_under("/supervise", "/supervise"));
        assert!(!is_under("/supervise/appeals", "/"));
        assert!(!is_under("/work/ticketsx", "/work/tickets"));
    }

    #[test]
    fn only_the_most_specific_entry_is_current() {
        assert_eq!(current_entry(Role::Registrar, "/entry/upload"), Some("/entry/upload"));
        assert_eq!(current_entry(Role::Registrar, "/entry"), Some("/entry"));
        assert_eq!(current_entry(Role::Supervisor, "/supervise/orders/3"), Some("/supervise/orders"));
        assert_eq!(current_entry(Role::Supervisor, "/nowhere"), None);
    }

    #[test]
    fn a_name_that_only_repeats_the_role_is_not_shown() {
        assert_eq!(shown_name("政务服务局督查人员", Role::Supervisor), None);
        assert_eq!(shown_name("  ", Role::Registrar), None);
        assert_eq!(shown_name("王敏", Role::Supervisor).as_deref(), Some("王敏"));
    }

    #[test]
    fn every_role_has_a_menu_starting_at_the_workbench() {
        for role in Role::ALL {
            assert_eq!(menu(role)[0].0, "/", "{role:?}");
        }
    }
}
