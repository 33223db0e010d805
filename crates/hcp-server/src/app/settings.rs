//! Policy settings the administrator may change while the server runs: deadlines (working days), supervision
//! thresholds and integrity thresholds.
//!
//! Precedence: a value saved on `/admin/policy` (table `settings`) wins; a setting never saved there takes the
//! configuration file's value (`[policy]`, `[supervision]`, `[integrity]`), else the built-in default. Saving
//! applies at once in this process (the state holds the current values behind a lock) and in other processes
//! at their next scheduler run. New values apply to deadlines computed afterwards; deadlines already set on
//! open tickets stay as they were.

use std::sync::Arc;

use hcp_core::FieldErrors;
use hcp_core::integrity::IntegrityConfig;
use hcp_core::lifecycle::Policy;
use hcp_core::supervision::Thresholds;
use hcp_store::AnyConnection;

use hcp_core::role::Role;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, AppResult};
use crate::app::state::AppState;
use crate::config::Config;

/// The values in force.
#[derive(Debug, Clone)]
pub struct Tunables {
    pub policy: Policy,
    pub supervision: Thresholds,
    pub integrity: Arc<IntegrityConfig>,
}

/// One editable setting: its key in the table, where it is shown, how it is read and written.
pub struct Setting {
    pub key: &'static str,
    pub section: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only (all but the bad-review rate).
    pub integer: bool,
    pub get: fn(&Tunables) -> f64,
    pub set: fn(&mut Tunables, f64),
}

pub const POLICY: &str = "处理时限";
pub const SUPERVISION: &str = "督查督办阈值";
pub const INTEGRITY: &str = "防刷评阈值";

fn integrity(t: &mut Tunables) -> &mut IntegrityConfig {
    Arc::make_mut(&mut t.integrity)
}

// The casts are safe: values are validated as whole numbers within `min..=max` before `set`.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "policy.appeal_working_days",
        section: POLICY,
        label: "差评申诉期限（收到差评后）",
        unit: "个工作日",
        min: 1.0,
        max: 30.0,
        integer: true,
        get: |t| f64::from(t.policy.appeal_working_days),
        set: |t, v| t.policy.appeal_working_days = v as u32,
    },
    Setting {
        key: "policy.review_working_days",
        section: POLICY,
        label: "申诉复核期限（收到申请后）",
        unit: "个工作日",
        min: 1.0,
        max: 60.0,
        integer: true,
        get: |t| f64::from(t.policy.review_working_days),
        set: |t, v| t.policy.review_working_days = v as u32,
    },
    Setting {
        key: "policy.immediate_feedback_working_days",
        section: POLICY,
        label: "立行立改问题反馈期限",
        unit: "个工作日",
        min: 1.0,
        max: 30.0,
        integer: true,
        get: |t| f64::from(t.policy.immediate_feedback_working_days),
        set: |t, v| t.policy.immediate_feedback_working_days = v as u32,
    },
    Setting {
        key: "policy.complex_feedback_working_days",
        section: POLICY,
        label: "复杂问题反馈期限",
        unit: "个工作日",
        min: 1.0,
        max: 60.0,
        integer: true,
        get: |t| f64::from(t.policy.complex_feedback_working_days),
        set: |t, v| t.policy.complex_feedback_working_days = v as u32,
    },
    Setting {
        key: "supervision.bad_reviews",
        section: SUPERVISION,
        label: "差评集中：当月差评数达到",
        unit: "条",
        min: 1.0,
        max: 10_000.0,
        integer: true,
        get: |t| t.supervision.bad_reviews as f64,
        set: |t, v| t.supervision.bad_reviews = v as i64,
    },
    Setting {
        key: "supervision.bad_rate_percent",
        section: SUPERVISION,
        label: "差评集中：差评率达到",
        unit: "%",
        min: 0.1,
        max: 100.0,
        integer: false,
        get: |t| t.supervision.bad_rate_percent,
        set: |t, v| t.supervision.bad_rate_percent = v,
    },
    Setting {
        key: "supervision.min_evaluations",
        section: SUPERVISION,
        label: "按差评率判断所需的最少评价数",
        unit: "条",
        min: 1.0,
        max: 1_000_000.0,
        integer: true,
        get: |t| t.supervision.min_evaluations as f64,
        set: |t, v| t.supervision.min_evaluations = v as i64,
    },
    Setting {
        key: "integrity.burst_minutes",
        section: INTEGRITY,
        label: "短时集中评价的统计时段",
        unit: "分钟",
        min: 1.0,
        max: 1440.0,
        integer: true,
        get: |t| f64::from(t.integrity.burst_minutes),
        set: |t, v| integrity(t).burst_minutes = v as u32,
    },
    Setting {
        key: "integrity.contact_burst",
        section: INTEGRITY,
        label: "同一手机号在该时段内评价达到",
        unit: "条",
        min: 2.0,
        max: 1000.0,
        integer: true,
        get: |t| f64::from(t.integrity.contact_burst),
        set: |t, v| integrity(t).contact_burst = v as u32,
    },
    Setting {
        key: "integrity.client_burst",
        section: INTEGRITY,
        label: "同一网络地址在该时段内线上评价达到",
        unit: "条",
        min: 2.0,
        max: 10_000.0,
        integer: true,
        get: |t| f64::from(t.integrity.client_burst),
        set: |t, v| integrity(t).client_burst = v as u32,
    },
    Setting {
        key: "integrity.sweep_days",
        section: INTEGRITY,
        label: "定期排查回看天数",
        unit: "天",
        min: 1.0,
        max: 366.0,
        integer: true,
        get: |t| f64::from(t.integrity.sweep_days),
        set: |t, v| integrity(t).sweep_days = v as u32,
    },
    Setting {
        key: "integrity.identical_comments",
        section: INTEGRITY,
        label: "同一窗口内容雷同的评价达到",
        unit: "条",
        min: 2.0,
        max: 1000.0,
        integer: true,
        get: |t| f64::from(t.integrity.identical_comments),
        set: |t, v| integrity(t).identical_comments = v as u32,
    },
    Setting {
        key: "integrity.identical_min_chars",
        section: INTEGRITY,
        label: "参与雷同比对的最短评价内容",
        unit: "字",
        min: 1.0,
        max: 200.0,
        integer: true,
        get: |t| f64::from(t.integrity.identical_min_chars),
        set: |t, v| integrity(t).identical_min_chars = v as u32,
    },
    Setting {
        key: "integrity.serial_bad_windows",
        section: INTEGRITY,
        label: "同一手机号差评的窗口数达到",
        unit: "个",
        min: 2.0,
        max: 1000.0,
        integer: true,
        get: |t| f64::from(t.integrity.serial_bad_windows),
        set: |t, v| integrity(t).serial_bad_windows = v as u32,
    },
    Setting {
        key: "integrity.praise_min",
        section: INTEGRITY,
        label: "好评异常：工作人员单日好评至少",
        unit: "条",
        min: 1.0,
        max: 1000.0,
        integer: true,
        get: |t| f64::from(t.integrity.praise_min),
        set: |t, v| integrity(t).praise_min = v as u32,
    },
    Setting {
        key: "integrity.praise_per_case_percent",
        section: INTEGRITY,
        label: "好评异常：且超过当日办件量的",
        unit: "%",
        min: 1.0,
        max: 10_000.0,
        integer: true,
        get: |t| f64::from(t.integrity.praise_per_case_percent),
        set: |t, v| integrity(t).praise_per_case_percent = v as u32,
    },
];

/// A value as the form shows it and the table stores it: `3`, `5.5`.
pub fn text(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl Tunables {
    /// The configuration file's values (or the built-in defaults).
    pub fn from_config(config: &Config) -> Tunables {
        Tunables {
            policy: config.policy,
            supervision: config.supervision,
            integrity: Arc::new(config.integrity.clone()),
        }
    }

    /// The file's values with the stored ones on top. A stored value that no longer validates (an edited row,
    /// a narrower range in a newer version) is skipped with a warning rather than stopping the server.
    pub fn with_stored(mut self, stored: &[(String, String)]) -> Tunables {
        for (key, value) in stored {
            let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
                tracing::warn!(%key, "unknown stored setting ignored");
                continue;
            };
            match check(setting, value) {
                Ok(v) => (setting.set)(&mut self, v),
                Err(message) => tracing::warn!(%key, %value, %message, "stored setting ignored"),
            }
        }
        self
    }

    /// Reads the stored settings over the file's values.
    pub async fn load(conn: &mut AnyConnection, config: &Config) -> hcp_store::Result<Tunables> {
        Ok(Tunables::from_config(config).with_stored(&hcp_store::settings::all(conn).await?))
    }
}

fn check(setting: &Setting, text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| "请填写数字".to_owned())?;
    if !value.is_finite() || (setting.integer && value.fract() != 0.0) {
        return Err("请填写整数".to_owned());
    }
    if value < setting.min || value > setting.max {
        return Err(format!("应在 {} 至 {} 之间", self::text(setting.min), self::text(setting.max)));
    }
    Ok(value)
}

/// Validates a whole form (`value(key)` gives the typed text): every setting present and in range, and the
/// deadlines consistent with each other. Returns the rows to store: the values that differ from `base` (the
/// file's), so a setting left at the file's value keeps following the file.
pub fn validate(value: impl Fn(&str) -> Option<String>, base: &Tunables) -> Result<Vec<(String, String)>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut next = base.clone();
    let mut rows = Vec::new();
    for setting in SETTINGS {
        match value(setting.key).map(|t| check(setting, &t)) {
            Some(Ok(v)) => {
                (setting.set)(&mut next, v);
                if text(v) != text((setting.get)(base)) {
                    rows.push((setting.key.to_owned(), text(v)));
                }
            }
            Some(Err(message)) => errors.add(setting.key, message),
            None => errors.add(setting.key, "请填写"),
        }
    }
    if errors.is_empty() && next.policy.immediate_feedback_working_days > next.policy.complex_feedback_working_days {
        errors.add("policy.immediate_feedback_working_days", "立行立改问题的期限不应长于复杂问题的期限");
    }
    errors.into_result(rows)
}

/// The typed text of a setting by key (the form's field), `None` when absent.
pub type FormValue<'a> = dyn Fn(&str) -> Option<String> + Sync + 'a;

/// Saves the administrator's form (`value(key)` gives the typed text; `None` returns every setting to the
/// file's value): validated, stored, audited, and in force at once.
/// The settings saved on the policy page (key, value), for the administrator.
pub async fn saved(state: &AppState, user: &CurrentUser) -> AppResult<Vec<(String, String)>> {
    user.require(&[hcp_core::role::Role::Admin])?;
    Ok(hcp_store::settings::all(&mut *state.store().reader().await?).await?)
}

pub async fn save(state: &AppState, user: &CurrentUser, value: Option<&FormValue<'_>>) -> AppResult<()> {
    user.require(&[Role::Admin])?;
    let rows = match value {
        Some(value) => validate(value, &Tunables::from_config(state.config())).map_err(AppError::invalid)?,
        None => Vec::new(),
    };
    let now = state.now();
    let mut tx = state.store().begin().await?;
    hcp_store::settings::replace(&mut tx, &rows, &user.actor(), now).await?;
    tx.commit().await?;
    state.reload_tunables().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(values: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let base = Tunables::from_config(&Config::default());
        let mut all: std::collections::BTreeMap<String, String> =
            SETTINGS.iter().map(|s| (s.key.to_owned(), text((s.get)(&base)))).collect();
        for (k, v) in values {
            all.insert((*k).to_owned(), (*v).to_owned());
        }
        move |k| all.get(k).cloned()
    }

    #[test]
    fn defaults_round_trip_and_bad_values_are_refused() {
        let base = Tunables::from_config(&Config::default());
        assert!(validate(form(&[]), &base).unwrap().is_empty(), "values equal to the file's are not stored");
        let rows = validate(form(&[("policy.review_working_days", "6")]), &base).unwrap();
        assert_eq!(rows, vec![("policy.review_working_days".to_owned(), "6".to_owned())]);
        let again = Tunables::from_config(&Config::default()).with_stored(&rows);
        assert_eq!(again.policy.review_working_days, 6);
        let errors = validate(form(&[("policy.appeal_working_days", "0"), ("supervision.bad_reviews", "2.5")]), &base)
            .unwrap_err();
        assert!(errors.0["policy.appeal_working_days"].contains("1 至 30"));
        assert_eq!(errors.0["supervision.bad_reviews"], "请填写整数");
        let errors = validate(form(&[("policy.immediate_feedback_working_days", "9")]), &base).unwrap_err();
        assert!(errors.0.contains_key("policy.immediate_feedback_working_days"));
        assert!(validate(form(&[("supervision.bad_rate_percent", "7.5")]), &base).is_ok());
    }

    #[test]
    fn stored_values_override_the_file_and_bad_rows_are_skipped() {
        let stored = vec![
            ("policy.appeal_working_days".to_owned(), "4".to_owned()),
            ("policy.review_working_days".to_owned(), "abc".to_owned()),
            ("nonsense".to_owned(), "1".to_owned()),
        ];
        let t = Tunables::from_config(&Config::default()).with_stored(&stored);
        assert_eq!(t.policy.appeal_working_days, 4);
        assert_eq!(t.policy.review_working_days, Policy::default().review_working_days);
    }
}
