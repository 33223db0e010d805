//! `hcp audit verify`: walks the chain and the covered records in pages inside one read snapshot (memory stays
//! bounded by a page), checks the chain against the checkpoints written outside the database, and names every
//! record whose content no longer matches its last audited write.

use std::io::{BufRead, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use hcp_core::audit::{Algorithm, AuditEntry, ChainKey, Checkpoint, Keyring, Link, RecordSum, verify_next};

use crate::records::{self, Kind};
use crate::{Store, ms};

/// The append-only checkpoint file in the data directory.
pub const CHECKPOINT_FILE: &str = "audit.checkpoints";

/// Findings kept in memory; past this many only the count grows.
const MAX_FINDINGS: usize = 1000;
const PAGE: i64 = 2000;

pub type Finding = String;

#[derive(Debug, Clone)]
pub struct Report {
    /// Chain entries walked.
    pub entries: i64,
    /// Covered records compared with their digests.
    pub records: i64,
    pub checkpoints: usize,
    /// In Chinese, one per problem found, in the order found.
    pub findings: Vec<Finding>,
    /// Findings beyond [`MAX_FINDINGS`], counted only.
    pub more: usize,
    pub head: Link,
}

impl Report {
    pub fn clean(&self) -> bool {
        self.findings.is_empty()
    }

    fn find(&mut self, finding: String) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(finding);
        } else {
            self.more += 1;
        }
    }
}

/// The checkpoints in `<data_dir>/audit.checkpoints` (none if the file does not exist yet), and a finding for
/// each line that does not parse or whose seal is not from a key in `keys`.
pub fn read_checkpoints(data_dir: &Path, keys: &Keyring) -> crate::Result<(Vec<Checkpoint>, Vec<Finding>)> {
    let path = data_dir.join(CHECKPOINT_FILE);
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e.into()),
    };
    let (mut checkpoints, mut findings) = (Vec::new(), Vec::new());
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match Checkpoint::parse_line(&line) {
            Some(c) if c.authentic(keys) => checkpoints.push(c),
            _ => findings.push(format!("检查点文件第 {} 行无法识别或封印不符（被伪造或改动）", n + 1)),
        }
    }
    Ok((checkpoints, findings))
}

/// Appends the database's current head, sealed with `key`, to the checkpoint file (created mode 0600).
pub async fn write_checkpoint(
    store: &Store,
    data_dir: &Path,
    key: &ChainKey,
    now: DateTime<Utc>,
) -> crate::Result<Checkpoint> {
    let head = crate::audit::head(&mut *store.reader().await?).await?;
    let checkpoint = Checkpoint::new(key, ms(now), head.seq, &head.hash);
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    std::fs::create_dir_all(data_dir)?;
    let mut file = options.open(data_dir.join(CHECKPOINT_FILE))?;
    file.write_all(format!("{}\n", checkpoint.to_line()).as_bytes())?;
    file.sync_data()?;
    Ok(checkpoint)
}

/// Verifies the chain (keyed seals, links, segments), the checkpoints and the covered records.
pub async fn verify(store: &Store, keys: &Keyring, checkpoints: &[Checkpoint]) -> crate::Result<Report> {
    let mut tx = store.snapshot().await?;
    let mut report = Report {
        entries: 0,
        records: 0,
        checkpoints: checkpoints.len(),
        findings: Vec::new(),
        more: 0,
        head: Link::genesis(),
    };
    let mut checkpoints: Vec<&Checkpoint> = checkpoints.iter().collect();
    checkpoints.sort_by_key(|c| c.seq);
    let mut next_checkpoint = 0;
    let mut prev = Link::genesis();
    let mut last: Option<AuditEntry> = None;
    let mut broken = false;
    let mut after = 0;
    loop {
        let page = crate::audit::page(&mut tx, after, 5000).await?;
        let Some(tail) = page.last() else { break };
        after = tail.seq;
        for entry in page {
            // After a break the chain proves nothing more, but the checkpoints still show where it was recomputed.
            if !broken {
                match verify_next(&prev, &entry, keys) {
                    Ok(()) => report.entries += 1,
                    Err(e) => {
                        report.find(e.to_string());
                        broken = true;
                    }
                }
            }
            while let Some(c) = checkpoints.get(next_checkpoint).filter(|c| c.seq <= entry.seq) {
                if c.seq == entry.seq && c.hash != entry.hash {
                    report.find(format!("审计链在 #{} 处被重新计算（与检查点不符）", entry.seq));
                }
                next_checkpoint += 1;
            }
            prev = Link::of(&entry);
            last = Some(entry);
        }
    }
    if let Some(furthest) = checkpoints.last().filter(|c| c.seq > prev.seq) {
        report.find(format!("审计日志末尾被删除：检查点记录到 #{}，实际只到 #{}", furthest.seq, prev.seq));
    }
    let head = crate::audit::head(&mut tx).await?;
    if !broken && (head.seq != prev.seq || head.hash != prev.hash) {
        report
            .find(hcp_core::audit::ChainBreak::Truncated { expected_last: head.seq, found_last: prev.seq }.to_string());
    }
    report.head = head;

    // The records are checked against the sum sealed by the last entry, under the last segment's key.
    let sealed = last.as_ref().filter(|e| Algorithm::parse(&e.alg).is_some_and(Algorithm::keyed));
    match sealed.and_then(|e| keys.get(&e.key_id).map(|k| (e, k))) {
        Some((entry, key)) => {
            let sum = check_records(&mut tx, key, entry.seq, &mut report).await?;
            if RecordSum::parse(&entry.records) != Some(sum) {
                report.find(format!("记录摘要表与审计链（至 #{}）不符：有摘要被改动、删除、补写或回滚", entry.seq));
            }
        }
        None if last.is_none() => {
            // An emptied log (head reset too) with records left behind is no fresh database.
            for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::Settings) {
                if !records::page_rows(&mut tx, kind, -1, 1).await?.is_empty() {
                    report.find(format!("审计日志为空，但数据库中有{}记录", kind.label()));
                }
            }
        }
        None => report.find("审计链尚未用审计密钥封存，业务记录无法核对".to_owned()),
    }
    tx.rollback().await?;
    Ok(report)
}

/// "评价 #12 " (spaced like the rest of the sentence) or "设置" for the one settings record.
fn name(kind: Kind, id: i64) -> String {
    if kind == Kind::Settings { kind.label().to_owned() } else { format!("{} #{id} ", kind.label()) }
}

/// Merges each kind's rows (by id) with its recorded digests, a page at a time; returns the sum of the digests.
async fn check_records(
    conn: &mut sqlx::AnyConnection,
    key: &ChainKey,
    last_seq: i64,
    report: &mut Report,
) -> crate::Result<RecordSum> {
    let mut sum = RecordSum::default();
    for kind in Kind::ALL {
        let mut after = -1;
        loop {
            let rows = records::page_rows(conn, kind, after, PAGE).await?;
            let until = rows.last().map_or(i64::MAX, |(id, _)| *id);
            let mut digests = Vec::new();
            let mut from = after;
            loop {
                let page = records::page_digests(conn, kind, from, until, 5000).await?;
                let Some((last, _, _)) = page.last() else { break };
                from = *last;
                digests.extend(page);
            }
            for (id, digest, seq) in &digests {
                sum.add(key, kind.code(), *id, digest);
                // Entries at the end were removed together with the head: what they wrote still points there.
                if *seq > last_seq {
                    report.find(format!("{}的摘要由不存在的审计记录 #{seq} 写入", name(kind, *id)));
                }
            }
            report.records += rows.len() as i64;
            let (mut r, mut d) = (rows.iter().peekable(), digests.iter().peekable());
            loop {
                match (r.peek(), d.peek()) {
                    (None, None) => break,
                    (Some((id, _)), None) => {
                        report.find(format!("{}没有审计写入记录（在审计之外写入）", name(kind, *id)));
                        r.next();
                    }
                    (None, Some((id, _, seq))) => {
                        report.find(format!("{}已被删除（最后一次审计写入为 #{seq}）", name(kind, *id)));
                        d.next();
                    }
                    (Some((row_id, current)), Some((digest_id, recorded, seq))) => {
                        if row_id < digest_id {
                            report.find(format!("{}没有审计写入记录（在审计之外写入）", name(kind, *row_id)));
                            r.next();
                        } else if digest_id < row_id {
                            report.find(format!("{}已被删除（最后一次审计写入为 #{seq}）", name(kind, *digest_id)));
                            d.next();
                        } else {
                            if current != recorded {
                                report.find(format!("{}的内容与最后一次审计写入（#{seq}）不符", name(kind, *row_id)));
                            }
                            r.next();
                            d.next();
                        }
                    }
                }
            }
            match rows.last() {
                Some((last, _)) => after = *last,
                None => break,
            }
        }
    }
    Ok(sum)
}
