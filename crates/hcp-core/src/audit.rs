//! The audit log's hash chain: each entry carries the hash of the previous one, so a changed or removed row
//! breaks every hash after it.
//!
//! Entries are sealed with a keyed hash (HMAC) under an audit key kept outside the database, so that someone who
//! can write the database cannot recompute the chain. Every entry names the algorithm and key it was sealed with;
//! a change of either starts a new *segment* whose first entry ([`SEGMENT_ACTION`]) links to the old head, so old
//! entries keep the seal they were written with and are never recomputed. Entries written before keying existed
//! form a legacy segment sealed with plain SHA-256 ([`Algorithm::Sha256`]); once a keyed entry exists, an
//! unkeyed one after it is a forgery.
//!
//! Business records are covered through [`row_digest`]: each audited write records the digest of the row it
//! wrote, and the set of current digests is folded into a [`RecordSum`] carried by every entry, so a changed,
//! removed or rolled-back digest no longer adds up to the sum the chain sealed.
//!
//! Archiving (a later issue) is meant to remove a prefix of the chain and leave an `audit.archive` entry whose
//! details name the first kept sequence number and the hash before it, sealed like any other entry; verification
//! then starts from that entry's `prev_hash` instead of [`GENESIS_HASH`].

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// Hash of the entry before the first one.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of the first entry of a segment (new key or algorithm).
pub const SEGMENT_ACTION: &str = "audit.segment";

/// How an entry is sealed. Adding an algorithm (HMAC-SM3 for the national suite) is one variant here, its id and
/// its arm in [`ChainKey::mac`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Legacy, unkeyed: entries written before the audit key existed.
    Sha256,
    HmacSha256,
}

impl Algorithm {
    pub fn id(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::HmacSha256 => "hmac-sha256",
        }
    }

    pub fn parse(id: &str) -> Option<Algorithm> {
        [Algorithm::Sha256, Algorithm::HmacSha256].into_iter().find(|a| a.id() == id)
    }

    pub fn keyed(self) -> bool {
        self != Algorithm::Sha256
    }
}

/// A keyed-hash key for the chain. The id is derived from the secret, so the id stored on an entry names the
/// key without revealing it.
#[derive(Clone)]
pub struct ChainKey {
    id: String,
    alg: Algorithm,
    secret: Vec<u8>,
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainKey").field("id", &self.id).field("alg", &self.alg).finish_non_exhaustive()
    }
}

impl ChainKey {
    /// `alg` must be keyed; the legacy algorithm has no key.
    pub fn new(alg: Algorithm, secret: &[u8]) -> Option<ChainKey> {
        if !alg.keyed() || secret.len() < 16 {
            return None;
        }
        let mut hasher = Sha256::new();
        hasher.update(b"hcp audit key id v1");
        hasher.update(secret);
        let id = hex::encode(&hasher.finalize()[..4]);
        Some(ChainKey { id, alg, secret: secret.to_vec() })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Keyed hash over length-prefixed parts, so no two part lists collide by moving bytes between parts.
    fn mac(&self, domain: &str, parts: &[&[u8]]) -> [u8; 32] {
        match self.alg {
            Algorithm::HmacSha256 => {
                let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.secret).expect("any key length");
                for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
                    mac.update(&(part.len() as u64).to_be_bytes());
                    mac.update(part);
                }
                mac.finalize().into_bytes().into()
            }
            Algorithm::Sha256 => unreachable!("ChainKey::new refuses the unkeyed algorithm"),
        }
    }
}

/// The keys an audit chain may have been sealed with, looked up by the id stored on each entry.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: Vec<ChainKey>,
}

impl Keyring {
    /// The last key is the current one: new entries are sealed with it.
    pub fn new(keys: Vec<ChainKey>) -> Keyring {
        Keyring { keys }
    }

    pub fn current(&self) -> Option<&ChainKey> {
        self.keys.last()
    }

    pub fn get(&self, id: &str) -> Option<&ChainKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}

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
    /// [`Algorithm::id`] of the seal.
    pub alg: String,
    /// Id of the key that sealed it; empty for the legacy algorithm.
    pub key_id: String,
    /// Digest of the row(s) this entry wrote ([`row_digest`]); empty when it wrote no covered record.
    pub row_digest: String,
    /// [`RecordSum`] of all covered records after this entry; empty in the legacy segment.
    pub records: String,
    pub prev_hash: String,
    pub hash: String,
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two entries hash alike by
/// moving text from one field to the next. The legacy seal; kept so that old entries verify unchanged.
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

/// The keyed seal of an entry: every field but `hash`, including the algorithm and key id themselves.
pub fn seal(key: &ChainKey, e: &AuditEntry) -> String {
    let (seq, at) = (e.seq.to_string(), e.at.to_string());
    hex::encode(key.mac(
        "hcp audit entry v1",
        &[
            e.prev_hash.as_bytes(),
            seq.as_bytes(),
            at.as_bytes(),
            e.actor.as_bytes(),
            e.action.as_bytes(),
            e.target.as_bytes(),
            e.details.as_bytes(),
            e.alg.as_bytes(),
            e.key_id.as_bytes(),
            e.row_digest.as_bytes(),
            e.records.as_bytes(),
        ],
    ))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The row's own hash does not match its contents: it was changed (or resealed without the key).
    Altered { seq: i64 },
    /// The row does not follow the previous one: a row before it was removed or inserted.
    Broken { seq: i64 },
    /// The chain ends before the recorded head: rows at the end were removed.
    Truncated { expected_last: i64, found_last: i64 },
    /// An unkeyed entry after a keyed one: someone without the key rewrote the chain from here.
    Downgraded { seq: i64 },
    /// The key or algorithm changes without a segment entry.
    UnannouncedSegment { seq: i64 },
    /// The entry names an algorithm this build does not know.
    UnknownAlgorithm { seq: i64, alg: String },
    /// The entry was sealed with a key that is not in the keyring.
    MissingKey { seq: i64, key_id: String },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Altered { seq } => write!(f, "审计记录 #{seq} 的内容被篡改"),
            ChainBreak::Broken { seq } => write!(f, "审计记录 #{seq} 之前的记录被删除或插入"),
            ChainBreak::Truncated { expected_last, found_last } => {
                write!(f, "审计日志末尾被删除：应到 #{expected_last}，实际只到 #{found_last}")
            }
            ChainBreak::Downgraded { seq } => {
                write!(f, "审计记录 #{seq} 未用密钥封存，却位于已用密钥封存的记录之后：审计链在此处被重新计算")
            }
            ChainBreak::UnannouncedSegment { seq } => {
                write!(f, "审计记录 #{seq} 更换了密钥或算法，却不是新审计段的起点")
            }
            ChainBreak::UnknownAlgorithm { seq, alg } => write!(f, "审计记录 #{seq} 使用了未知算法 {alg}"),
            ChainBreak::MissingKey { seq, key_id } => {
                write!(f, "审计记录 #{seq} 由密钥 {key_id} 封存，但审计密钥文件中没有该密钥")
            }
        }
    }
}

/// What verification carries from one entry to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub hash: String,
    pub alg: String,
    pub key_id: String,
}

impl Link {
    pub fn genesis() -> Link {
        Link { seq: 0, hash: GENESIS_HASH.to_owned(), alg: Algorithm::Sha256.id().to_owned(), key_id: String::new() }
    }

    pub fn of(entry: &AuditEntry) -> Link {
        Link { seq: entry.seq, hash: entry.hash.clone(), alg: entry.alg.clone(), key_id: entry.key_id.clone() }
    }
}

/// Checks entries in sequence order; `prev` is the last verified entry, carried between pages.
pub fn verify_next(prev: &Link, entry: &AuditEntry, keys: &Keyring) -> Result<(), ChainBreak> {
    let seq = entry.seq;
    let alg =
        Algorithm::parse(&entry.alg).ok_or_else(|| ChainBreak::UnknownAlgorithm { seq, alg: entry.alg.clone() })?;
    let recomputed = if alg.keyed() {
        let key =
            keys.get(&entry.key_id).ok_or_else(|| ChainBreak::MissingKey { seq, key_id: entry.key_id.clone() })?;
        if key.alg() != alg {
            return Err(ChainBreak::Altered { seq });
        }
        seal(key, entry)
    } else {
        entry_hash(&entry.prev_hash, seq, entry.at, &entry.actor, &entry.action, &entry.target, &entry.details)
    };
    if recomputed != entry.hash {
        return Err(ChainBreak::Altered { seq });
    }
    if seq != prev.seq + 1 || entry.prev_hash != prev.hash {
        return Err(ChainBreak::Broken { seq });
    }
    let prev_keyed = Algorithm::parse(&prev.alg).is_some_and(Algorithm::keyed);
    if prev_keyed && !alg.keyed() {
        return Err(ChainBreak::Downgraded { seq });
    }
    if (prev.alg != entry.alg || prev.key_id != entry.key_id) && prev.seq > 0 && entry.action != SEGMENT_ACTION {
        return Err(ChainBreak::UnannouncedSegment { seq });
    }
    Ok(())
}

/// One column of a row, as the digest sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// Canonical digest of a stored row: SHA-256 over its kind, id and every non-NULL column as (name, type tag,
/// length-prefixed bytes), in the order given. NULL columns are left out, so a migration adding a nullable
/// column does not change the digest of rows that leave it empty.
pub fn row_digest<'a>(kind: &str, id: i64, columns: impl IntoIterator<Item = (&'a str, Value<'a>)>) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    part(b"hcp row v1");
    part(kind.as_bytes());
    part(&id.to_be_bytes());
    for (name, value) in columns {
        let (tag, bytes): (&[u8], Vec<u8>) = match value {
            Value::Null => continue,
            Value::Int(i) => (b"i", i.to_be_bytes().to_vec()),
            Value::Real(r) => (b"r", r.to_bits().to_be_bytes().to_vec()),
            Value::Text(t) => (b"t", t.as_bytes().to_vec()),
            Value::Bytes(b) => (b"b", b.to_vec()),
        };
        part(name.as_bytes());
        part(tag);
        part(&bytes);
    }
    hex::encode(hasher.finalize())
}

/// Digest of several rows written by one entry (a bulk load): their (kind, id, digest) in the order given.
pub fn rows_digest<'a>(rows: impl IntoIterator<Item = (&'a str, i64, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    for (kind, id, digest) in rows {
        for bytes in [kind.as_bytes(), &id.to_be_bytes(), digest.as_bytes()] {
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
    }
    hex::encode(hasher.finalize())
}

/// Order-independent sum of the keyed hashes of all (kind, id, digest) records, modulo 2^256 (an additive
/// multiset hash, keyed so that nobody without the key can find records that add up to a given sum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordSum([u64; 4]);

impl RecordSum {
    fn element(key: &ChainKey, kind: &str, id: i64, digest: &str) -> [u64; 4] {
        let mac = key.mac("hcp record v1", &[kind.as_bytes(), &id.to_be_bytes(), digest.as_bytes()]);
        std::array::from_fn(|i| u64::from_be_bytes(mac[i * 8..i * 8 + 8].try_into().expect("8 bytes")))
    }

    pub fn add(&mut self, key: &ChainKey, kind: &str, id: i64, digest: &str) {
        let e = Self::element(key, kind, id, digest);
        let mut carry = false;
        for i in (0..4).rev() {
            let (s, c1) = self.0[i].overflowing_add(e[i]);
            let (s, c2) = s.overflowing_add(carry as u64);
            self.0[i] = s;
            carry = c1 || c2;
        }
    }

    pub fn remove(&mut self, key: &ChainKey, kind: &str, id: i64, digest: &str) {
        let e = Self::element(key, kind, id, digest);
        let mut borrow = false;
        for i in (0..4).rev() {
            let (d, b1) = self.0[i].overflowing_sub(e[i]);
            let (d, b2) = d.overflowing_sub(borrow as u64);
            self.0[i] = d;
            borrow = b1 || b2;
        }
    }

    pub fn to_hex(self) -> String {
        self.0.iter().map(|limb| format!("{limb:016x}")).collect()
    }

    /// The empty string (legacy entries) is the empty sum.
    pub fn parse(text: &str) -> Option<RecordSum> {
        if text.is_empty() {
            return Some(RecordSum::default());
        }
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            *limb = u64::from_str_radix(&text[i * 16..i * 16 + 16], 16).ok()?;
        }
        Some(RecordSum(limbs))
    }
}

/// The chain's head as written outside the database: one line of an append-only file (and optionally syslog).
/// Its seal binds the line to the audit key, so a line cannot be forged without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Epoch milliseconds when it was written.
    pub at: i64,
    pub seq: i64,
    pub hash: String,
    pub key_id: String,
    pub seal: String,
}

impl Checkpoint {
    pub fn new(key: &ChainKey, at: i64, seq: i64, hash: &str) -> Checkpoint {
        let mut checkpoint =
            Checkpoint { at, seq, hash: hash.to_owned(), key_id: key.id().to_owned(), seal: String::new() };
        checkpoint.seal = checkpoint.expected_seal(key);
        checkpoint
    }

    fn expected_seal(&self, key: &ChainKey) -> String {
        let (at, seq) = (self.at.to_string(), self.seq.to_string());
        hex::encode(key.mac("hcp checkpoint v1", &[at.as_bytes(), seq.as_bytes(), self.hash.as_bytes()]))
    }

    /// `v1 <at> <seq> <hash> <key id> <seal>`
    pub fn to_line(&self) -> String {
        format!("v1 {} {} {} {} {}", self.at, self.seq, self.hash, self.key_id, self.seal)
    }

    pub fn parse_line(line: &str) -> Option<Checkpoint> {
        let mut parts = line.split_ascii_whitespace();
        if parts.next()? != "v1" {
            return None;
        }
        let checkpoint = Checkpoint {
            at: parts.next()?.parse().ok()?,
            seq: parts.next()?.parse().ok()?,
            hash: parts.next()?.to_owned(),
            key_id: parts.next()?.to_owned(),
            seal: parts.next()?.to_owned(),
        };
        parts.next().is_none().then_some(checkpoint)
    }

    /// Whether the line was written by a holder of a key in `keys`.
    pub fn authentic(&self, keys: &Keyring) -> bool {
        keys.get(&self.key_id).is_some_and(|key| self.expected_seal(key) == self.seal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> ChainKey {
        ChainKey::new(Algorithm::HmacSha256, &[byte; 32]).unwrap()
    }

    fn entry(prev: &Link, key: Option<&ChainKey>, action: &str) -> AuditEntry {
        let mut e = AuditEntry {
            seq: prev.seq + 1,
            at: (prev.seq + 1) * 1000,
            actor: "admin".into(),
            action: action.into(),
            target: "org:1".into(),
            details: "{}".into(),
            alg: key.map_or(Algorithm::Sha256, ChainKey::alg).id().into(),
            key_id: key.map(|k| k.id().to_owned()).unwrap_or_default(),
            row_digest: String::new(),
            records: String::new(),
            prev_hash: prev.hash.clone(),
            hash: String::new(),
        };
        e.hash = match key {
            Some(k) => seal(k, &e),
            None => entry_hash(&e.prev_hash, e.seq, e.at, &e.actor, &e.action, &e.target, &e.details),
        };
        e
    }

    /// `keys[i]` seals entry i+1; a change of key writes a segment entry.
    fn chain(keys: &[Option<&ChainKey>]) -> Vec<AuditEntry> {
        let mut prev = Link::genesis();
        let mut out = Vec::new();
        for key in keys {
            let changes = prev.seq > 0 && key.map(ChainKey::id).unwrap_or("") != prev.key_id;
            let e = entry(&prev, *key, if changes { SEGMENT_ACTION } else { "org.create" });
            prev = Link::of(&e);
            out.push(e);
        }
        out
    }

    fn verify(entries: &[AuditEntry], keys: &Keyring) -> Result<(), ChainBreak> {
        let mut prev = Link::genesis();
        for e in entries {
            verify_next(&prev, e, keys)?;
            prev = Link::of(e);
        }
        Ok(())
    }

    #[test]
    fn intact_chain_verifies_and_any_change_is_named() {
        let k = key(1);
        let keys = Keyring::new(vec![k.clone()]);
        let entries = chain(&[Some(&k); 5]);
        assert_eq!(verify(&entries, &keys), Ok(()));

        let mut altered = entries.clone();
        altered[2].details = "{\"x\":1}".into();
        assert_eq!(verify(&altered, &keys), Err(ChainBreak::Altered { seq: 3 }));

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, &keys), Err(ChainBreak::Broken { seq: 3 }));
    }

    #[test]
    fn a_chain_recomputed_without_the_key_is_found() {
        let k = key(1);
        let keys = Keyring::new(vec![k.clone()]);
        let mut entries = chain(&[Some(&k); 3]);
        // Resealing an edited entry with a guessed key fails; resealing it unkeyed is a downgrade.
        entries[1].details = "{\"x\":1}".into();
        entries[1].hash = seal(&key(9), &entries[1]);
        assert_eq!(verify(&entries, &keys), Err(ChainBreak::Altered { seq: 2 }));
        let prev = Link::of(&entries[0]);
        let forged = entry(&prev, None, "org.create");
        assert_eq!(verify(&[entries[0].clone(), forged], &keys), Err(ChainBreak::Downgraded { seq: 2 }));
    }

    #[test]
    fn a_new_key_starts_a_segment_and_old_entries_still_verify() {
        let (old, new) = (key(1), key(2));
        let entries = chain(&[None, None, Some(&old), Some(&old), Some(&new), Some(&new)]);
        assert_eq!(entries[2].action, SEGMENT_ACTION);
        assert_eq!(entries[4].action, SEGMENT_ACTION);
        assert_eq!(verify(&entries, &Keyring::new(vec![old.clone(), new.clone()])), Ok(()));
        assert_eq!(
            verify(&entries, &Keyring::new(vec![new.clone()])),
            Err(ChainBreak::MissingKey { seq: 3, key_id: old.id().to_owned() })
        );

        // A key change that is not announced by a segment entry is refused.
        let mut prev = Link::of(&entries[3]);
        prev.seq = 4;
        let sneaky = entry(&prev, Some(&new), "org.create");
        assert_eq!(
            verify_next(&prev, &sneaky, &Keyring::new(vec![old, new])),
            Err(ChainBreak::UnannouncedSegment { seq: 5 })
        );
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        assert_ne!(entry_hash("p", 1, 1, "ab", "c", "t", "d"), entry_hash("p", 1, 1, "a", "bc", "t", "d"));
        assert_ne!(row_digest("t", 1, [("a", Value::Text("bc"))]), row_digest("t", 1, [("ab", Value::Text("c"))]));
        assert_ne!(row_digest("t", 1, [("a", Value::Int(1))]), row_digest("t", 1, [("a", Value::Text("1"))]));
        assert_eq!(
            row_digest("t", 1, [("a", Value::Int(1)), ("b", Value::Null)]),
            row_digest("t", 1, [("a", Value::Int(1))])
        );
    }

    #[test]
    fn record_sum_is_order_independent_and_removal_undoes_addition() {
        let k = key(3);
        let mut a = RecordSum::default();
        a.add(&k, "evaluation", 1, "d1");
        a.add(&k, "ticket", 2, "d2");
        let mut b = RecordSum::default();
        b.add(&k, "ticket", 2, "d2");
        b.add(&k, "evaluation", 1, "d1");
        assert_eq!(a, b);
        b.remove(&k, "ticket", 2, "d2");
        let mut c = RecordSum::default();
        c.add(&k, "evaluation", 1, "d1");
        assert_eq!(b, c);
        assert_eq!(RecordSum::parse(&a.to_hex()), Some(a));
        assert_ne!(a, RecordSum::default());
    }

    #[test]
    fn checkpoints_round_trip_and_cannot_be_forged() {
        let k = key(4);
        let keys = Keyring::new(vec![k.clone()]);
        let checkpoint = Checkpoint::new(&k, 1000, 7, "abc");
        let parsed = Checkpoint::parse_line(&checkpoint.to_line()).unwrap();
        assert_eq!(parsed, checkpoint);
        assert!(parsed.authentic(&keys));
        let forged = Checkpoint { seq: 8, ..parsed };
        assert!(!forged.authentic(&keys));
        assert_eq!(Checkpoint::parse_line("v1 1 2"), None);
    }
}
