//! The audit log's hash chain: each entry carries the hash of the previous one, so a changed or removed row
//! breaks every hash after it.

use sha2::{Digest, Sha256};

/// Hash of the entry before the first one.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    /// Epoch milliseconds, UTC.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// JSON text; never contains evaluator data in clear.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two entries hash alike by
/// moving text from one field to the next.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    details: &str,
) -> String {
    let mut hasher = Sha256::new();
    for part in [
        prev_hash.as_bytes(),
        seq.to_string().as_bytes(),
        at.to_string().as_bytes(),
        actor.as_bytes(),
        action.as_bytes(),
        target.as_bytes(),
        details.as_bytes(),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row's own hash does not match its contents: it was changed.
    Altered { seq: i64 },
    /// The row does not follow the previous one: a row before it was removed or inserted.
    Broken { seq: i64 },
    /// The chain ends before the recorded head: rows at the end were removed.
    Truncated { expected_last: i64, found_last: i64 },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(f, "审计记录 #{seq} 的内容被篡改"),
            ChainBreak::Broken { seq } => write!(f, "审计记录 #{seq} 之前的记录被删除或插入"),
            ChainBreak::Truncated { expected_last, found_last } => {
                write!(f, "审计日志末尾被删除：应到 #{expected_last}，实际只到 #{found_last}")
            }
        }
    }
}

/// Checks entries in sequence order; `prev` is the last verified (seq, hash) carried between pages.
pub fn verify_next(prev: (i64, &str), entry: &AuditEntry) -> Result<(), ChainBreak> {
    let (prev_seq, prev_hash) = prev;
    let recomputed =
        entry_hash(&entry.prev_hash, entry.seq, entry.at, &entry.actor, &entry.action, &entry.target, &entry.details);
    if recomputed != entry.hash {
        return Err(ChainBreak::Altered { seq: entry.seq });
    }
    if entry.seq != prev_seq + 1 || entry.prev_hash != prev_hash {
        return Err(ChainBreak::Broken { seq: entry.seq });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, seq, seq * 1000, "admin", "org.create", "org:1", "{}");
                let entry = AuditEntry {
                    seq,
                    at: seq * 1000,
                    actor: "admin".into(),
                    action: "org.create".into(),
                    target: "org:1".into(),
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
        let mut prev = (0, GENESIS_HASH.to_owned());
        for entry in entries {
            verify_next((prev.0, &prev.1), entry)?;
            prev = (entry.seq, entry.hash.clone());
        }
        Ok(())
    }

    #[test]
    fn intact_chain_verifies_and_any_change_is_named() {
        let entries = chain(5);
        assert_eq!(verify(&entries), Ok(()));

        let mut altered = entries.clone();
        altered[2].details = "{\"x\":1}".into();
        assert_eq!(verify(&altered), Err(ChainBreak::Altered { seq: 3 }));

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify(&removed), Err(ChainBreak::Broken { seq: 3 }));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        assert_ne!(entry_hash("p", 1, 1, "ab", "c", "t", "d"), entry_hash("p", 1, 1, "a", "bc", "t", "d"));
    }
}
