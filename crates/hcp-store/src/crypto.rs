//! Evaluator data at rest (DESIGN §7): AES-256-GCM with the key outside the database, a key id on every row for
//! rotation, and a keyed hash (blind index) of phone numbers for de-duplication and fraud signals.
//! Also the random secrets and password hashing the rest of the system uses.

use std::io::Write;
use std::path::Path;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::StoreError;

const NONCE_LEN: usize = 12;
pub const KEY_FILE: &str = "data.key";
pub const KEY_ENV: &str = "HCP_DATA_KEY";

#[derive(Clone)]
pub struct DataKey {
    key_id: String,
    cipher: Aes256Gcm,
    index_key: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl DataKey {
    /// From 32 raw bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> DataKey {
        let key_id = hex::encode(&Sha256::digest(bytes)[..4]);
        let cipher = Aes256Gcm::new_from_slice(bytes).expect("32-byte key");
        // A separate key for the blind index, so the index reveals nothing about the encryption key.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(bytes).expect("any key length");
        mac.update(b"hcp blind index v1");
        let index_key: [u8; 32] = mac.finalize().into_bytes().into();
        DataKey { key_id, cipher, index_key }
    }

    /// Base64 or hex text of 32 bytes, as given in `HCP_DATA_KEY` or the key file.
    pub fn parse(text: &str) -> Result<DataKey, StoreError> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .or_else(|| BASE64.decode(text).ok())
            .ok_or_else(|| StoreError::Crypto("数据密钥应为32字节的base64或十六进制文本".into()))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Crypto("数据密钥长度应为32字节".into()))?;
        Ok(DataKey::from_bytes(&bytes))
    }

    /// `HCP_DATA_KEY` if set, else `<data_dir>/data.key`, created (mode 0600) with a fresh key on first run.
    pub fn load_or_create(data_dir: &Path) -> Result<DataKey, StoreError> {
        if let Ok(text) = std::env::var(KEY_ENV)
            && !text.trim().is_empty()
        {
            return DataKey::parse(&text);
        }
        crate::datadir::prepare(data_dir)?;
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => DataKey::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                fill_random(&mut bytes);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(&path)?;
                file.write_all(BASE64.encode(bytes).as_bytes())?;
                file.sync_all()?;
                tracing::info!(path = %path.display(), "created a new data key; back it up with the database");
                Ok(DataKey::from_bytes(&bytes))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// nonce ‖ ciphertext. `context` (e.g. "evaluator.phone") is bound as associated data, so a value cannot be
    /// moved to another column and still decrypt.
    pub fn encrypt(&self, plaintext: &str, context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(&nonce.into(), Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() })
            .expect("AES-GCM encryption of a bounded message cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn decrypt(&self, key_id: &str, data: &[u8], context: &str) -> Result<String, StoreError> {
        if key_id != self.key_id {
            return Err(StoreError::Crypto(format!("数据由密钥 {key_id} 加密，当前密钥为 {}", self.key_id)));
        }
        if data.len() < NONCE_LEN {
            return Err(StoreError::Crypto("密文过短".into()));
        }
        let (nonce, ciphertext) = data.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at NONCE_LEN");
        let plain = self
            .cipher
            .decrypt(&nonce.into(), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| StoreError::Crypto("解密失败：密钥不符或数据被篡改".into()))?;
        String::from_utf8(plain).map_err(|_| StoreError::Crypto("解密结果不是UTF-8文本".into()))
    }

    /// Keyed hash for equality look-ups without storing the value.
    pub fn blind_index(&self, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

pub fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source is available");
}

/// Random text from an alphabet without look-alike characters (no 0/O, 1/I/L), for codes people copy by hand.
pub fn random_code(len: usize, alphabet: &[u8]) -> String {
    let mut bytes = vec![0u8; len];
    fill_random(&mut bytes);
    // 256 is not a multiple of every alphabet size; the slight bias is irrelevant for these lengths and alphabets.
    bytes.iter().map(|b| alphabet[*b as usize % alphabet.len()] as char).collect()
}

pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const DIGITS: &[u8] = b"0123456789";

/// A bearer secret (session or API token) and the SHA-256 under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| StoreError::Crypto(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// A readable generated password: 16 characters from the look-alike-free alphabet.
pub fn generate_password() -> String {
    random_code(16, b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encryption_round_trips_and_binds_its_context() {
        let key = DataKey::from_bytes(&[7u8; 32]);
        let sealed = key.encrypt("13812341234", "evaluator.phone");
        assert!(!sealed.windows(11).any(|w| w == b"13812341234"));
        assert_eq!(key.decrypt(key.key_id(), &sealed, "evaluator.phone").unwrap(), "13812341234");
        assert!(key.decrypt(key.key_id(), &sealed, "evaluator.name").is_err());
        let other = DataKey::from_bytes(&[8u8; 32]);
        assert!(other.decrypt(other.key_id(), &sealed, "evaluator.phone").is_err());
        assert_eq!(key.blind_index("138"), key.blind_index("138"));
        assert_ne!(key.blind_index("138"), other.blind_index("138"));
    }

    #[test]
    fn key_text_parses_as_hex_or_base64() {
        let hex_key = hex::encode([1u8; 32]);
        let b64_key = BASE64.encode([1u8; 32]);
        assert_eq!(DataKey::parse(&hex_key).unwrap().key_id(), DataKey::parse(&b64_key).unwrap().key_id());
        assert!(DataKey::parse("short").is_err());
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataKey::load_or_create(dir.path()).unwrap();
        let second = DataKey::load_or_create(dir.path()).unwrap();
        assert_eq!(first.key_id(), second.key_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn passwords_verify() {
        let phc = hash_password("window_head-demo").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("window_head-demo", &phc));
        assert!(!verify_password("wrong", &phc));
    }
}
