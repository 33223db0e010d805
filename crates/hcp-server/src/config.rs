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
    /// Take the client address from `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_proxy: bool,
    pub rate_limit: RateLimits,
    pub session: SessionConfig,
    pub upload: UploadConfig,
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    pub ttl_hours: u32,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookie: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadConfig {
    /// Largest accepted import file, in bytes.
    pub max_import_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./hcp-data"),
            database_url: String::new(),
            trust_proxy: false,
            rate_limit: RateLimits::default(),
            session: SessionConfig::default(),
            upload: UploadConfig::default(),
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { evaluations_per_minute: 20, complaints_per_minute: 5, logins_per_minute: 10 }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig { ttl_hours: 12, secure_cookie: false }
    }
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig { max_import_bytes: 10 * 1024 * 1024 }
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
        toml::from_str(text).map_err(|e| e.to_string())
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
}
