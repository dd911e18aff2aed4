-- Records a batch against its manifest (LedgerStatements.batch binds it); a row changes only when
-- what it says has changed.
INSERT INTO recon_batch AS b (recon, counterparty, feed, business_date, batch_id, status, expected_count,
    actual_count, expected_control_total, actual_control_total, valid_records, rejected_records, message,
    first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())
ON CONFLICT (recon, counterparty, business_date, batch_id) DO UPDATE SET
    feed = excluded.feed, status = excluded.status, expected_count = excluded.expected_count,
    actual_count = excluded.actual_count, expected_control_total = excluded.expected_control_total,
    actual_control_total = excluded.actual_control_total, valid_records = excluded.valid_records,
    rejected_records = excluded.rejected_records, message = excluded.message, last_seen = excluded.last_seen
WHERE (b.status, b.expected_count, b.actual_count, b.expected_control_total, b.actual_control_total, b.message)
    IS DISTINCT FROM (excluded.status, excluded.expected_count, excluded.actual_count,
                      excluded.expected_control_total, excluded.actual_control_total, excluded.message)
