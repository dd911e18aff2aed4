-- Records one key's outcome (LedgerStatements.outcome binds it). A BREAK, UNMATCHED or AMBIGUOUS
-- outcome opens, reopens or refreshes the key's exception; a MATCHED or MATCHED_WITHIN_TOLERANCE
-- outcome resolves an open one. Both halves live in one statement so that one sink writes every
-- outcome of a key in the order it was decided; the status says which half applies.
--
-- Each value is bound once, in the order of the columns of o, and read by name.
--
-- An open exception changes (and counts as seen again) only when what it says changes: its status,
-- its breaks with their values, or the batch it came in. Which of two conflicting copies of a record
-- was kept can differ between replays, so the records alone do not count.
WITH o (recon, business_date, match_key, status, pass_name, breaks, internal, counterparty,
        counterparty_name, batch_id, correlation_id, internal_source, match_type,
        counterparty_match_key, candidates) AS (
    VALUES (CAST(? AS text), CAST(? AS date), CAST(? AS text), CAST(? AS text), CAST(? AS text),
            CAST(? AS jsonb), CAST(? AS jsonb), CAST(? AS jsonb), CAST(? AS text), CAST(? AS text),
            CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS text), CAST(? AS jsonb))
),
resolved AS (
    UPDATE recon_exception AS e
       SET state = 'RESOLVED', resolved_status = o.status, resolved_at = now(), last_seen = now(),
           internal = o.internal, counterparty = o.counterparty, counterparty_name = o.counterparty_name,
           batch_id = o.batch_id, correlation_id = o.correlation_id
      FROM o
     WHERE o.status IN ('MATCHED', 'MATCHED_WITHIN_TOLERANCE')
       AND e.recon = o.recon AND e.business_date = o.business_date AND e.match_key = o.match_key
       AND e.state = 'OPEN'
)
INSERT INTO recon_exception AS e (recon, business_date, match_key, state, status, pass_name, breaks,
    internal, counterparty, counterparty_name, batch_id, correlation_id, internal_source,
    match_type, counterparty_match_key, candidates,
    first_seen, last_seen, times_seen, resolved_at, resolved_status)
SELECT o.recon, o.business_date, o.match_key, 'OPEN', o.status, o.pass_name, o.breaks,
       o.internal, o.counterparty, o.counterparty_name, o.batch_id, o.correlation_id, o.internal_source,
       o.match_type, o.counterparty_match_key, o.candidates,
       now(), now(), 1, NULL, NULL
  FROM o
 WHERE o.status NOT IN ('MATCHED', 'MATCHED_WITHIN_TOLERANCE')
ON CONFLICT (recon, business_date, match_key) DO UPDATE SET
    state = 'OPEN', status = excluded.status, pass_name = excluded.pass_name, breaks = excluded.breaks,
    match_type = excluded.match_type, counterparty_match_key = excluded.counterparty_match_key,
    candidates = excluded.candidates,
    internal = excluded.internal, counterparty = excluded.counterparty,
    counterparty_name = excluded.counterparty_name, batch_id = excluded.batch_id,
    correlation_id = excluded.correlation_id, internal_source = excluded.internal_source,
    last_seen = excluded.last_seen, times_seen = e.times_seen + 1,
    resolved_at = NULL, resolved_status = NULL
WHERE (e.state, e.status, e.breaks, e.batch_id, e.counterparty_match_key, e.candidates)
    IS DISTINCT FROM ('OPEN', excluded.status, excluded.breaks, excluded.batch_id,
                      excluded.counterparty_match_key, excluded.candidates)
