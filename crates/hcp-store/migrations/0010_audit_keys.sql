-- Tamper evidence (issue 12): every audit entry names the algorithm and key that sealed it, the digest of the
-- row(s) it wrote and the keyed sum of all record digests after it. Entries written before this migration keep
-- their plain SHA-256 hashes as the legacy segment ('sha256', no key); the first keyed entry starts a new one.
ALTER TABLE audit_log ADD COLUMN alg TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN row_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN records TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN alg TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE audit_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN records TEXT NOT NULL DEFAULT '';

-- The digest of each covered record (evaluation, ticket, order, user, settings) as of its last audited write,
-- and the entry that wrote it. Their keyed sum is sealed into the chain, so this table cannot be edited to
-- match an edited record without the audit key.
CREATE TABLE record_digests (
    kind TEXT NOT NULL,
    id BIGINT NOT NULL,
    digest TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
