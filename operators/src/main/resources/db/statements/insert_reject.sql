-- Adds a reject (LedgerStatements.reject binds it). Its id is a hash of what identifies it, so a
-- replay adds nothing.
INSERT INTO recon_reject (reject_id, recon, feed, business_date, side, source, batch_id, page, line,
    correlation_id, error_code, field, message, http_status, idempotency_key, raw, raw_truncated,
    raw_sha256, first_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
ON CONFLICT (reject_id) DO NOTHING
