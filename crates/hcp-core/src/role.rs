//! Roles of DESIGN §7 and the part of the organisation tree each user may see.

use serde::Serialize;

crate::coded! {
    /// Who a user is in the mechanism (DESIGN §7).
    pub enum Role {
        HotlineOperator => "hotline_operator", "12345热线话务员";
        Registrar => "registrar", "评价登记员";
        Staff => "staff", "窗口工作人员";
        WindowHead => "window_head", "窗口负责人";
        DeptHead => "dept_head", "进驻部门负责人";
        Supervisor => "supervisor", "政务服务局督查人员";
        Discipline => "discipline", "纪检监察人员";
        Admin => "admin", "系统管理员";
        SecurityAdmin => "security_admin", "安全管理员";
        Auditor => "auditor", "审计管理员";
        Integration => "integration", "系统对接账号";
    }
}

impl Role {
    /// Hotline calls, box records and paper forms are entered by these roles on a citizen's behalf.
    pub fn may_register_offline(self) -> bool {
        matches!(self, Role::HotlineOperator | Role::Registrar)
    }

    /// Roles that read evaluations and tickets within their scope. The three administrators configure, keep
    /// accounts or read the audit log, and an integration pushes data in; none of them reads case contents
    /// (DESIGN §7).
    pub fn may_read_evaluations(self) -> bool {
        !self.is_administrator() && self != Role::Integration
    }

    /// The three administrators of 三员分立 (GB/T 22239-2019 8.1.4.2): system, security and audit. One account
    /// has one role, so no account combines them.
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::Admin | Role::SecurityAdmin | Role::Auditor)
    }

    /// A system account used by business systems and the 12345 system through API tokens; no person signs in
    /// with it.
    pub fn may_sign_in(self) -> bool {
        self != Role::Integration
    }

    /// The evaluated staff never learn who evaluated them; their window head and department head neither,
    /// since they could pass it on. Others see masked values.
    pub fn sees_masked_evaluator(self) -> bool {
        matches!(self, Role::HotlineOperator | Role::Registrar | Role::Supervisor | Role::Discipline)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    /// Who does the revisits of the citizens (DESIGN §1: real-name bad reviews revisited 100 %), and so may see a
    /// citizen's contact in clear with a stated reason.
    pub fn does_revisits(self) -> bool {
        matches!(self, Role::Supervisor | Role::HotlineOperator)
    }

    /// How a person is named to colleagues: "王芳（窗口负责人）"; the role alone when the account bears no name of
    /// its own (its name is the role's).
    pub fn person_label(self, display_name: &str) -> String {
        let name = display_name.trim();
        if name.is_empty() || name == self.label() {
            self.label().to_owned()
        } else {
            format!("{name}（{}）", self.label())
        }
    }

    /// What kind of scope the role is attached to.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::Staff => ScopeKind::Staff,
            Role::WindowHead => ScopeKind::Window,
            Role::DeptHead => ScopeKind::Department,
            _ => ScopeKind::OrgUnit,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    OrgUnit,
    Department,
    Window,
    Staff,
}

/// The resolved scope of a user; every query filters by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// An org unit and everything below it (materialised path prefix).
    OrgUnit {
        id: i64,
        code: String,
        name: String,
        path: String,
    },
    Department {
        id: i64,
        code: String,
        name: String,
    },
    Window {
        id: i64,
        code: String,
        name: String,
    },
    Staff {
        id: i64,
        staff_no: String,
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_operators_and_registrars_register_offline_and_admin_reads_no_cases() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
            assert_eq!(role.may_register_offline(), matches!(role, Role::HotlineOperator | Role::Registrar));
        }
        assert!(!Role::Admin.may_read_evaluations());
        for role in [Role::SecurityAdmin, Role::Auditor, Role::Integration] {
            assert!(!role.may_read_evaluations(), "{role:?} reads no cases");
        }
        assert!(!Role::Integration.may_sign_in());
        assert!(!Role::Staff.sees_masked_evaluator());
        assert_eq!(Role::WindowHead.scope_kind(), ScopeKind::Window);
    }

    #[test]
    fn a_person_is_named_with_the_role_in_chinese_once() {
        assert_eq!(Role::WindowHead.person_label("王芳"), "王芳（窗口负责人）");
        assert_eq!(Role::Supervisor.person_label("政务服务局督查人员"), "政务服务局督查人员");
        assert_eq!(Role::Staff.person_label(" "), "窗口工作人员");
    }
}
