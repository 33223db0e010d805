//! Configuration: a TOML file (`--config`, else `<data_dir>/hcp.toml` if present), command-line flags on top.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Where the SQLite file, the data key and uploaded files live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; empty for the embedded SQLite file in `data_dir`.
    pub database_url: String,
    /// Take the client address from `X-Forwarded-For` (only behind a reverse proxy you run): the right-most
    /// address in it that is not one of `trusted_proxies`.
    pub trust_proxy: bool,
    /// Our reverse proxies (addresses or networks, e.g. `["10.0.0.5", "10.1.0.0/24"]`). Only requests from these
    /// have their `X-Forwarded-For` read, and these hops are skipped in it; empty: the peer is the one proxy.
    pub trusted_proxies: Vec<crate::edge::forwarded::ProxyNet>,
    /// The address citizens' phones reach this server at (e.g. `http://10.1.2.3:8080`), printed in the windows' QR
    /// codes; empty: the address the browser used to open the page that prints them.
    pub public_url: String,
    pub rate_limit: RateLimits,
    pub session: SessionConfig,
    pub upload: UploadConfig,
    /// Sign-in security (等保 level 3 identity rules).
    pub security: SecurityConfig,
    /// Deadlines in working days (DESIGN §3); this deployment's jurisdiction.
    pub policy: hcp_core::lifecycle::Policy,
    pub scheduler: SchedulerConfig,
    pub notify: NotifyConfig,
    /// Thresholds of the integrity rules checked at intake (DESIGN §5).
    pub integrity: hcp_core::integrity::IntegrityConfig,
    /// When bad reviews count as concentrated (DESIGN §6).
    pub supervision: hcp_core::supervision::Thresholds,
    /// The upward report of evaluations to the provincial/national platform.
    pub upward: UpwardConfig,
    /// Keeping the audit log (GB/T 22239-2019 8.1.4.3, 网络安全法 Art. 21).
    pub audit: AuditConfig,
}

/// `[audit]`: how long audit entries stay in the database. Nothing deletes them: entries older than this may
/// only be archived to a file with the chain's checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Days every audit entry is kept at least (default and least 180: six months).
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig { retention_days: 180 }
    }
}

/// `[security.password]`: what a password chosen by a person must be. Demo accounts (`--demo`) are exempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Fewest characters (default 10).
    pub min_length: usize,
    /// Of the four classes (lower case, upper case, digits, other characters), how many must appear (default 3).
    pub min_classes: usize,
    /// Not one of the user's last this many passwords (default 5).
    pub history: u32,
    /// Days a password lasts before it must be changed; 0: never (default 90).
    pub expiry_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 10, min_classes: 3, history: 5, expiry_days: 90 }
    }
}

/// The upward report (GB/T 39046 表9 and the platform interface coding).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpwardConfig {
    /// 行政区划代码 of the place where the evaluations are made: 6 digits (county, GB/T 2260) or 9 digits
    /// (township/street). Empty: reports are refused until it is set.
    pub division_code: String,
    /// Where `POST /api/v1/reports/upward` batches are POSTed as JSON (`http://…`, plain HTTP like the webhook
    /// sender); absent: no upward sending.
    pub endpoint: Option<String>,
}

impl UpwardConfig {
    pub fn check(&self) -> Result<(), String> {
        let code = self.division_code.trim();
        if !code.is_empty() {
            hcp_core::upward::check_division_code(code).map_err(|e| format!("[upward] division_code：{e}"))?;
        }
        if let Some(url) = &self.endpoint
            && !url.starts_with("http://")
        {
            // Like the webhook sender: plain HTTP on the intranet, no TLS stack is compiled in.
            return Err(format!("[upward] endpoint 应为 http:// 开头的内网地址（不支持 https），而不是“{url}”"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    /// Seconds between runs of the deadline scheduler (overdue marks, escalations, reminders). 0 turns it off.
    pub interval_seconds: u64,
    /// Seconds between delivery rounds of the notification outbox.
    pub delivery_seconds: u64,
}

/// Where notifications go besides the in-app inbox, which always receives them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// Extra senders for staff notifications: any of `file`, `smtp`, `webhook`.
    pub senders: Vec<String>,
    /// The sender that reaches citizens (their feedback and revisit requests): `file` (the SMS gateway's drop
    /// file), `webhook`, or `none`.
    pub citizen_sender: String,
    /// JSON-lines file, relative to the data directory unless absolute.
    pub file: PathBuf,
    pub smtp: Option<SmtpConfig>,
    pub webhook: Option<WebhookConfig>,
    /// Set while loading demo history: months of past notices would only flood the inboxes.
    #[serde(skip)]
    pub muted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// `host:port` of the intranet mail relay (plain SMTP, no authentication); port 25 if omitted.
    pub server: String,
    /// The sender, `hcp@zwfw.gov.local` or `政务服务好差评系统 <hcp@zwfw.gov.local>`; its domain also ends every
    /// Message-ID.
    pub from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Each notification is POSTed here as JSON.
    pub url: String,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig { interval_seconds: 60, delivery_seconds: 5 }
    }
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            senders: vec!["file".into()],
            citizen_sender: "file".into(),
            file: PathBuf::from("notifications.jsonl"),
            smtp: None,
            webhook: None,
            muted: false,
        }
    }
}

impl NotifyConfig {
    /// Configuration mistakes found at start rather than at the first delivery.
    pub fn check(&self) -> Result<(), String> {
        for sender in self.senders.iter().chain(std::iter::once(&self.citizen_sender)) {
            match sender.as_str() {
                "file" | "none" => {}
                "smtp" if self.smtp.is_some() => {}
                "webhook" if self.webhook.is_some() => {}
                "smtp" | "webhook" => return Err(format!("通知方式“{sender}”缺少 [notify.{sender}] 配置")),
                other => return Err(format!("未知的通知方式“{other}”（可选 file、smtp、webhook）")),
            }
        }
        if self.citizen_sender == "smtp" {
            return Err("群众通知不能使用 smtp（群众没有登记邮箱），请用 file 或 webhook".into());
        }
        if let Some(smtp) = &self.smtp {
            // The sender's domain also names the Message-IDs, so a bad address would stop every mail.
            if smtp.from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(format!("[notify.smtp] from 不是有效的邮件地址：{}", smtp.from));
            }
            if smtp.server.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_err()) {
                return Err(format!("[notify.smtp] server 应为“主机:端口”：{}", smtp.server));
            }
        }
        Ok(())
    }
}

/// Per client address, per minute.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// Evaluations through the public online channels.
    pub evaluations_per_minute: u32,
    /// Online complaints and reports.
    pub complaints_per_minute: u32,
    /// Login attempts.
    pub logins_per_minute: u32,
    /// Wrong query passwords on the citizen's tracking page, per address and per tracking code.
    pub tracking_failures_per_minute: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    pub ttl_hours: u32,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookie: bool,
}

/// `[security]`: sign-in rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    pub lockout: LockoutConfig,
    pub password: PasswordPolicy,
    pub session: IdleConfig,
    pub second_factor: SecondFactorConfig,
    pub tokens: TokenConfig,
}

/// `[security.tokens]`: API tokens of integration accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenConfig {
    /// Days a new token lasts unless the system administrator asks for fewer (default 365).
    pub default_days: u32,
    /// The most days a token may be issued for (default 365).
    pub max_days: u32,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig { default_days: 365, max_days: 365 }
    }
}

/// `[security.lockout]`: `max_failures` wrong sign-ins to one user name within `window_minutes` lock it for
/// `lock_minutes` (or until an administrator unlocks it). Defaults 5, 10 and 30; `max_failures = 0` turns the
/// lockout off (the per-address `rate_limit.logins_per_minute` stays).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutConfig {
    pub max_failures: u32,
    pub window_minutes: u32,
    pub lock_minutes: u32,
}

impl Default for LockoutConfig {
    fn default() -> Self {
        LockoutConfig { max_failures: 5, window_minutes: 10, lock_minutes: 30 }
    }
}

/// `[security.second_factor]`: who must have a TOTP second factor. Anyone may turn one on for themselves.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecondFactorConfig {
    /// Roles (codes such as `"admin"`, `"discipline"`) whose users must have one: without it they are taken to
    /// enrolment right after the password. Empty by default; never applied to the demo (`serve --demo`).
    pub required_roles: Vec<hcp_core::role::Role>,
}

/// `[security.session]`: when an unused session ends, beside its absolute lifetime (`[session] ttl_hours`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdleConfig {
    /// Minutes without a request after which a session ends (default 30; 0 = no idle timeout).
    pub idle_minutes: u32,
}

impl Default for IdleConfig {
    fn default() -> Self {
        IdleConfig { idle_minutes: 30 }
    }
}

impl Config {
    /// Served to browsers over HTTPS (`public_url` starts with `https://`): cookies are `Secure` and responses
    /// carry HSTS. An intranet deployment over plain http keeps working without either.
    pub fn serves_https(&self) -> bool {
        self.public_url.trim().to_ascii_lowercase().starts_with("https://")
    }

    /// Whether cookies are marked `Secure`: over HTTPS, or when `[session] secure_cookie` asks for it.
    pub fn secure_cookies(&self) -> bool {
        self.session.secure_cookie || self.serves_https()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadConfig {
    /// Largest accepted import file, in bytes.
    pub max_import_bytes: usize,
    /// Largest attachment (photo, scanned statement), in bytes.
    pub max_attachment_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./hcp-data"),
            database_url: String::new(),
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            public_url: String::new(),
            rate_limit: RateLimits::default(),
            session: SessionConfig::default(),
            upload: UploadConfig::default(),
            security: SecurityConfig::default(),
            policy: hcp_core::lifecycle::Policy::default(),
            scheduler: SchedulerConfig::default(),
            notify: NotifyConfig::default(),
            integrity: hcp_core::integrity::IntegrityConfig::default(),
            supervision: hcp_core::supervision::Thresholds::default(),
            upward: UpwardConfig::default(),
            audit: AuditConfig::default(),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            evaluations_per_minute: 20,
            complaints_per_minute: 5,
            logins_per_minute: 10,
            tracking_failures_per_minute: 5,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig { ttl_hours: 12, secure_cookie: false }
    }
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig { max_import_bytes: 10 * 1024 * 1024, max_attachment_bytes: 5 * 1024 * 1024 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("无法读取配置文件 {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("配置文件 {path} 有误: {message}")]
    Parse { path: String, message: String },
}

impl Config {
    /// Reads `file` if given, else `<data_dir>/hcp.toml` when it exists, else the defaults.
    pub fn load(file: Option<&Path>, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let candidate = match file {
            Some(file) => Some(file.to_path_buf()),
            None => {
                let dir = data_dir.map(Path::to_path_buf).unwrap_or_else(|| Config::default().data_dir);
                Some(dir.join("hcp.toml")).filter(|p| p.exists())
            }
        };
        let mut config = match candidate {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
                Config::parse(&text)
                    .map_err(|message| ConfigError::Parse { path: path.display().to_string(), message })?
            }
            None => Config::default(),
        };
        if let Some(dir) = data_dir {
            config.data_dir = dir.to_path_buf();
        }
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.notify.check()?;
        config.upward.check()?;
        config.check_ranges()?;
        Ok(config)
    }

    /// Numbers a running server could not live with (a session lifetime past the calendar's end, a deadline of
    /// a million working days) are refused at start, with the range; the policy settings take the ranges of
    /// `/admin/policy`.
    fn check_ranges(&self) -> Result<(), String> {
        let within = |name: &str, value: u64, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(format!("{name} 应在 {min}–{max} 之间，而不是 {value}"))
            }
        };
        within("[session] ttl_hours", u64::from(self.session.ttl_hours), 1, 24 * 31)?;
        within("[security.session] idle_minutes", u64::from(self.security.session.idle_minutes), 0, 24 * 60)?;
        within("[security.tokens] max_days", u64::from(self.security.tokens.max_days), 1, 3650)?;
        within(
            "[security.tokens] default_days",
            u64::from(self.security.tokens.default_days),
            1,
            u64::from(self.security.tokens.max_days),
        )?;
        // Six months at least (网络安全法 Art. 21); at most ten years of entries in the database.
        within("[audit] retention_days", u64::from(self.audit.retention_days), 180, 3650)?;
        within("[scheduler] interval_seconds", self.scheduler.interval_seconds, 0, 86_400)?;
        within("[scheduler] delivery_seconds", self.scheduler.delivery_seconds, 1, 86_400)?;
        within("[upload] max_import_bytes", self.upload.max_import_bytes as u64, 1024, 1 << 30)?;
        within("[upload] max_attachment_bytes", self.upload.max_attachment_bytes as u64, 1024, 1 << 30)?;
        let tunables = crate::app::settings::Tunables::from_config(self);
        for setting in crate::app::settings::SETTINGS {
            let value = (setting.get)(&tunables);
            if !(setting.min..=setting.max).contains(&value) {
                return Err(format!(
                    "[{}] 应在 {}–{} 之间，而不是 {value}（{}）",
                    setting.key.replacen('.', "] ", 1),
                    setting.min,
                    setting.max,
                    setting.label
                ));
            }
        }
        Ok(())
    }

    /// The notification file's path.
    pub fn notify_file(&self) -> PathBuf {
        if self.notify.file.is_absolute() { self.notify.file.clone() } else { self.data_dir.join(&self.notify.file) }
    }

    /// The database to open: the configured URL, or the SQLite file in the data directory.
    pub fn database(&self) -> Database {
        if self.database_url.trim().is_empty() {
            Database::SqliteDir(self.data_dir.clone())
        } else {
            Database::Url(self.database_url.trim().to_owned())
        }
    }
}

pub enum Database {
    SqliteDir(PathBuf),
    Url(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_keep_defaults_and_typos_are_rejected() {
        let config = Config::parse("listen = \"0.0.0.0:9000\"\n[rate_limit]\nevaluations_per_minute = 3\n").unwrap();
        assert_eq!(config.listen, "0.0.0.0:9000");
        assert_eq!(config.rate_limit.evaluations_per_minute, 3);
        assert_eq!(config.rate_limit.logins_per_minute, 10);
        assert!(Config::parse("lisen = \"x\"").is_err());
    }

    #[test]
    fn the_lockout_has_documented_defaults_and_can_be_tightened() {
        let lockout = Config::default().security.lockout;
        assert_eq!((lockout.max_failures, lockout.window_minutes, lockout.lock_minutes), (5, 10, 30));
        let config = Config::parse("[security.lockout]\nmax_failures = 3\n").unwrap();
        assert_eq!((config.security.lockout.max_failures, config.security.lockout.lock_minutes), (3, 30));
        assert!(Config::parse("[security.lockout]\nmax_failure = 3\n").is_err());
    }

    #[test]
    fn policy_and_senders_are_configurable_and_checked() {
        let config = Config::parse("[policy]\ncomplex_feedback_working_days = 10\n").unwrap();
        assert_eq!(config.policy.complex_feedback_working_days, 10);
        assert_eq!(config.policy.appeal_working_days, 2);
        assert!(Config::parse("[notify]\nsenders = [\"smtp\"]\n").unwrap_err().contains("smtp"));
        assert!(Config::parse("[notify]\nsenders = [\"fax\"]\n").is_err());
        let smtp = |from: &str, server: &str| {
            Config::parse(&format!(
                "[notify]\nsenders = [\"smtp\"]\n[notify.smtp]\nserver = \"{server}\"\nfrom = \"{from}\"\n"
            ))
        };
        assert!(smtp("hcp@zwfw.local", "10.0.0.25:25").is_ok());
        assert!(smtp("政务服务好差评系统 <hcp@zwfw.local>", "relay.zwfw.local").is_ok());
        assert!(smtp("hcp", "10.0.0.25:25").unwrap_err().contains("from"));
        assert!(smtp("hcp@zwfw.local", "10.0.0.25:smtp").unwrap_err().contains("server"));
        let ok = Config::parse("[notify]\nsenders = [\"webhook\"]\n[notify.webhook]\nurl = \"http://10.0.0.1/hook\"\n");
        assert!(ok.is_ok());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let config =
            Config::parse("trust_proxy = true\ntrusted_proxies = [\"10.0.0.5\", \"10.1.0.0/24\", \"fd00::/8\"]")
                .unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        let err = Config::parse("trusted_proxies = [\"proxy.local\"]").unwrap_err();
        assert!(err.contains("proxy.local"), "{err}");
        assert!(Config::parse("trusted_proxies = [\"10.0.0.0/40\"]").is_err());
    }

    #[test]
    fn numbers_a_server_cannot_live_with_are_refused() {
        for (text, named) in [
            ("[session]\nttl_hours = 4294967295", "ttl_hours"),
            ("[session]\nttl_hours = 0", "ttl_hours"),
            ("[policy]\nappeal_working_days = 1000000", "appeal_working_days"),
            ("[scheduler]\ndelivery_seconds = 0", "delivery_seconds"),
            ("[upload]\nmax_import_bytes = 0", "max_import_bytes"),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(named), "{text}: {err}");
        }
        assert!(Config::parse("").is_ok(), "the defaults are within every range");
    }

    #[test]
    fn upward_settings_are_checked() {
        let config =
            Config::parse("[upward]\ndivision_code = \"220171\"\nendpoint = \"http://10.0.0.9/report\"\n").unwrap();
        assert_eq!(config.upward.division_code, "220171");
        assert!(Config::default().upward.division_code.is_empty());
        assert!(Config::parse("[upward]\ndivision_code = \"2201\"\n").unwrap_err().contains("division_code"));
        assert!(Config::parse("[upward]\nendpoint = \"ftp://x\"\n").unwrap_err().contains("endpoint"));
    }
}

#[cfg(test)]
#[path = "config_properties.rs"]
mod properties;
