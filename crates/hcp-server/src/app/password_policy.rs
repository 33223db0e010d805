//! The password policy (`[security.password]`): each broken rule gives its own message, so a person sees at once
//! everything to fix; and when a password is due to be changed (temporary or expired).

use chrono::{DateTime, Duration, Utc};
use hcp_store::users_security::PasswordState;

use crate::config::PasswordPolicy;

/// Every rule `password` breaks, in Chinese, for `fields.password`. Reuse of old passwords is checked apart
/// (it needs the stored hashes).
pub fn broken_rules(policy: &PasswordPolicy, username: &str, password: &str) -> Vec<String> {
    let mut broken = Vec::new();
    if password.chars().count() < policy.min_length {
        broken.push(format!("密码至少{}位", policy.min_length));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|&&present| present).count() < policy.min_classes {
        broken.push(format!("密码须包含小写字母、大写字母、数字、其他符号中的至少{}类", policy.min_classes));
    }
    let name = username.trim().to_lowercase();
    if !name.is_empty() && password.to_lowercase().contains(&name) {
        broken.push("密码不能包含用户名".to_owned());
    }
    broken
}

/// The message for choosing one of the last passwords again.
pub fn reused_message(policy: &PasswordPolicy) -> String {
    format!("不能使用最近{}次用过的密码", policy.history)
}

/// Must the user change the password before anything else: an administrator set it, or it is older than the
/// expiry (demo accounts' public passwords never expire). `now` is the real clock.
pub fn change_due(policy: &PasswordPolicy, state: &PasswordState, now: DateTime<Utc>) -> bool {
    if state.temporary {
        return true;
    }
    !state.exempt && policy.expiry_days > 0 && state.changed_at + Duration::days(i64::from(policy.expiry_days)) <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_broken_rule_has_its_own_message() {
        let policy = PasswordPolicy::default();
        assert_eq!(broken_rules(&policy, "registrar", "Xk3-fine-pass").len(), 0);
        let all = broken_rules(&policy, "abc", "abcabc");
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(broken_rules(&policy, "Registrar", "REGISTRAR-9x-long"), vec!["密码不能包含用户名"]);
        assert_eq!(
            broken_rules(&policy, "u1", "onlylowercaseletters"),
            vec!["密码须包含小写字母、大写字母、数字、其他符号中的至少3类"]
        );
    }

    #[test]
    fn expiry_counts_from_the_last_change_and_spares_the_demo_passwords() {
        let policy = PasswordPolicy::default();
        let set = Utc::now();
        let state = PasswordState { temporary: false, exempt: false, changed_at: set };
        assert!(!change_due(&policy, &state, set + Duration::days(89)));
        assert!(change_due(&policy, &state, set + Duration::days(90)));
        assert!(!change_due(&policy, &PasswordState { exempt: true, ..state.clone() }, set + Duration::days(900)));
        let never = PasswordPolicy { expiry_days: 0, ..PasswordPolicy::default() };
        assert!(!change_due(&never, &state, set + Duration::days(900)));
    }
}
