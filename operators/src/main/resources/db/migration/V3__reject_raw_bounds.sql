-- A reject stores at most the first 65,536 characters of its record: whether it was cut, and the
-- SHA-256 of the whole record (null for rejects written before, and for rejects without a record).
ALTER TABLE recon_reject ADD COLUMN raw_truncated boolean;
ALTER TABLE recon_reject ADD COLUMN raw_sha256 text;
