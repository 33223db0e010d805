-- Imported rows: `import_ref` identifies the batch and row (the digest of the file's bytes and the row number),
-- so the same file uploaded twice adds nothing; `import_fingerprint` is the digest of what the row says, so a
-- row that matches one imported from another file is registered (two paper forms may read alike) with a warning.
ALTER TABLE evaluations ADD COLUMN import_fingerprint TEXT;
CREATE INDEX evaluations_import_fingerprint_idx ON evaluations (import_fingerprint);
