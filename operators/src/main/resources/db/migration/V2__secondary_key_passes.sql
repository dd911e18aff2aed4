-- Version 2: matching passes on a secondary key.
-- A record a secondary key would pair with several others is an exception of its own: AMBIGUOUS.
ALTER TABLE recon_exception DROP CONSTRAINT recon_exception_status_check;
ALTER TABLE recon_exception ADD CONSTRAINT recon_exception_status_check
    CHECK (status IN ('BREAK', 'UNMATCHED_INTERNAL', 'UNMATCHED_COUNTERPARTY', 'AMBIGUOUS'));

ALTER TABLE recon_exception
    ADD COLUMN match_type             text CHECK (match_type IN ('PRIMARY', 'SECONDARY')),  -- how the pair was made
    ADD COLUMN counterparty_match_key text,                                               -- their key, when it differs from ours
    ADD COLUMN candidates             jsonb NOT NULL DEFAULT '[]'::jsonb;                 -- of an AMBIGUOUS record

-- The view's column list is fixed when it is created: recreate it over the new columns.
DROP VIEW recon_open_exception;
CREATE VIEW recon_open_exception AS
SELECT e.*,
       (SELECT count(*)
          FROM generate_series(e.business_date + 1, current_date, interval '1 day') AS d
         WHERE extract(isodow FROM d) < 6)::integer AS age_business_days
  FROM recon_exception e
 WHERE e.state = 'OPEN';
