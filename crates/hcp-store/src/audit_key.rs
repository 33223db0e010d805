//! The audit key: the secret that seals the audit chain, kept outside the database and apart from the data key,
//! so that whoever can write the database (or holds a database backup) cannot recompute the chain.
//!
//! Stored like the data key: `HCP_AUDIT_KEY` (one key as text), else the file named by `HCP_AUDIT_KEY_FILE`, else
//! `<data_dir>/audit.key` (mode 0600, created on first run). The file holds one key per line, `<alg>:<base64>`;
//! the last line is the current key, earlier lines are retired keys still needed to verify old segments.
//! Rotating the key = appending a line; the next audited write starts a new segment.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hcp_core::audit::{Algorithm, ChainKey, Keyring};

use crate::StoreError;
use crate::crypto::fill_random;

pub const KEY_FILE: &str = "audit.key";
pub const KEY_ENV: &str = "HCP_AUDIT_KEY";
pub const KEY_FILE_ENV: &str = "HCP_AUDIT_KEY_FILE";

/// A fresh key's line for the key file.
pub fn new_key_line() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    format!("{}:{}", Algorithm::HmacSha256.id(), BASE64.encode(bytes))
}

/// One key: `hmac-sha256:<base64 or hex of at least 16 bytes>`; a bare secret means hmac-sha256.
pub fn parse_key(text: &str) -> Result<ChainKey, StoreError> {
    let text = text.trim();
    let (alg, secret) = match text.split_once(':') {
        Some((alg, secret)) => {
            (Algorithm::parse(alg).ok_or_else(|| bad(&format!("不支持的审计密钥算法 {alg}")))?, secret)
        }
        None => (Algorithm::HmacSha256, text),
    };
    let bytes = hex::decode(secret)
        .ok()
        .or_else(|| BASE64.decode(secret).ok())
        .ok_or_else(|| bad("审计密钥应为base64或十六进制文本"))?;
    ChainKey::new(alg, &bytes).ok_or_else(|| bad("审计密钥至少需要16字节，且算法须为带密钥的算法"))
}

/// Every non-empty, non-comment line of a key file, oldest first.
pub fn parse_keyring(text: &str) -> Result<Keyring, StoreError> {
    let keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(parse_key)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(bad("审计密钥文件中没有密钥"));
    }
    Ok(Keyring::new(keys))
}

fn bad(message: &str) -> StoreError {
    StoreError::Crypto(message.to_owned())
}

/// Where the key comes from: the environment variables, else `<data_dir>/audit.key`.
fn key_path(data_dir: &Path) -> PathBuf {
    match std::env::var(KEY_FILE_ENV) {
        Ok(path) if !path.trim().is_empty() => PathBuf::from(path.trim()),
        _ => data_dir.join(KEY_FILE),
    }
}

/// The keyring for verification: never creates a key, and says where it looked when there is none.
pub fn load(data_dir: &Path, explicit: Option<&Path>) -> Result<Keyring, StoreError> {
    if explicit.is_none()
        && let Ok(text) = std::env::var(KEY_ENV)
        && !text.trim().is_empty()
    {
        return Ok(Keyring::new(vec![parse_key(&text)?]));
    }
    let path = explicit.map(Path::to_path_buf).unwrap_or_else(|| key_path(data_dir));
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_keyring(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(bad(&format!(
            "找不到审计密钥 {}：请从备份恢复 audit.key，或用 --audit-key、{KEY_FILE_ENV} 或 {KEY_ENV} 指定\
             （从未启用审计密钥的旧版本数据库升级时，先运行一次 hcp migrate 或 hcp serve 生成密钥）",
            path.display()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The keyring for a running system: as [`load`], creating `<data_dir>/audit.key` (mode 0600) on first run.
pub fn load_or_create(data_dir: &Path) -> Result<Keyring, StoreError> {
    let path = key_path(data_dir);
    let env_key = std::env::var(KEY_ENV).is_ok_and(|t| !t.trim().is_empty());
    if env_key || path.exists() {
        return load(data_dir, None);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    file.write_all(format!("{}\n", new_key_line()).as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "created a new audit key; back it up apart from the database");
    load(data_dir, None)
}

/// The keyring this process seals audit entries with. One per process: the audit appends deep inside use
/// cases take a connection, not the state, so the key is installed once at start (the CLI, the server, tests).
static INSTALLED: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Installs `keys` for [`installed`]. Installing a keyring with another current key than the installed one is
/// refused: two keys in one process would seal one chain with both.
pub fn install(keys: Keyring) -> Result<(), StoreError> {
    let mut slot = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    let new_id = keys.current().map(|k| k.id().to_owned());
    match slot.as_ref() {
        Some(old) if old.current().map(|k| k.id().to_owned()) != new_id => Err(bad("本进程已加载另一把审计密钥")),
        _ => {
            *slot = Some(Arc::new(keys));
            Ok(())
        }
    }
}

pub fn installed() -> Result<Arc<Keyring>, StoreError> {
    INSTALLED.read().unwrap_or_else(|e| e.into_inner()).clone().ok_or_else(|| bad("审计密钥尚未加载"))
}

pub const TEST_KEY_LINE: &str = "hmac-sha256:dGVzdCBhdWRpdCBrZXkgLSBub3QgZm9yIHByb2R1Y3Rpb24h";

/// A fixed key for tests, so that every store a test process opens is sealed alike.
pub fn test_keyring() -> Keyring {
    parse_keyring(TEST_KEY_LINE).expect("valid test key")
}

/// Installs [`test_keyring`]; for test helpers.
pub fn install_test_key() {
    install(test_keyring()).expect("tests use one audit key");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lines_parse_and_the_last_is_current() {
        let (a, b) = (new_key_line(), new_key_line());
        let ring = parse_keyring(&format!("# retired\n{a}\n\n{b}\n")).unwrap();
        assert_eq!(ring.current().unwrap().id(), parse_key(&b).unwrap().id());
        assert!(ring.get(parse_key(&a).unwrap().id()).is_some());
        assert!(parse_key("sm9:AAAA").is_err());
        assert!(parse_key("hmac-sha256:AAAA").is_err(), "too short");
        assert!(parse_keyring("# nothing\n").is_err());
    }

    #[test]
    fn created_key_file_is_private_and_loads_again() {
        let dir = tempfile::tempdir().unwrap();
        let created = load_or_create(dir.path()).unwrap();
        let again = load(dir.path(), None).unwrap();
        assert_eq!(created.current().unwrap().id(), again.current().unwrap().id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let missing = load(&dir.path().join("nowhere"), None).unwrap_err().to_string();
        assert!(missing.contains("找不到审计密钥"), "{missing}");
    }
}
