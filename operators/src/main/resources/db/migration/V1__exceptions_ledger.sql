-- reconflow exceptions ledger, version 1.
-- Applied with `./reconflow migrate --config ...` (Flyway); the job checks the version at start.

-- Every key that ended BREAK, UNMATCHED_INTERNAL or UNMATCHED_COUNTERPARTY, and what became of it.
CREATE TABLE recon_exception (
    recon             text        NOT NULL,
    business_date     date        NOT NULL,
    match_key         text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('OPEN', 'RESOLVED')),
    status            text        NOT NULL CHECK (status IN ('BREAK', 'UNMATCHED_INTERNAL', 'UNMATCHED_COUNTERPARTY')),
    pass_name         text,
    breaks            jsonb       NOT NULL,  -- [{"field", "rule", "internal_value", "counterparty_value"}]
    internal          jsonb,                 -- our record, typed values in canonical JSON
    counterparty      jsonb,                 -- the counterparty's record
    counterparty_name text,
    batch_id          text,
    correlation_id    text,                  -- X-Request-Id that fetched the counterparty record
    internal_source   text,                  -- file:line of our record
    first_seen        timestamptz NOT NULL,
    last_seen         timestamptz NOT NULL,
    times_seen        integer     NOT NULL,  -- distinct sightings: a replay of the same outcome is not one
    resolved_at       timestamptz,
    resolved_status   text CHECK (resolved_status IN ('MATCHED', 'MATCHED_WITHIN_TOLERANCE')),
    PRIMARY KEY (recon, business_date, match_key)
);
CREATE INDEX recon_exception_open ON recon_exception (recon, counterparty_name, business_date) WHERE state = 'OPEN';

-- Records, pages and requests that could not be reconciled.
CREATE TABLE recon_reject (
    reject_id       text        PRIMARY KEY,  -- SHA-256 of what identifies the reject, so a replay adds nothing
    recon           text        NOT NULL,
    feed            text        NOT NULL,
    business_date   date        NOT NULL,
    side            text        NOT NULL,
    source          text        NOT NULL,
    batch_id        text,
    page            integer,
    line            bigint,
    correlation_id  text,
    error_code      text        NOT NULL,
    field           text,
    message         text        NOT NULL,
    http_status     integer,
    idempotency_key text,
    raw             text,
    first_seen      timestamptz NOT NULL
);
CREATE INDEX recon_reject_by_date ON recon_reject (recon, business_date, error_code);

-- Each counterparty batch against its manifest.
CREATE TABLE recon_batch (
    recon                  text        NOT NULL,
    counterparty           text        NOT NULL,
    feed                   text        NOT NULL,
    business_date          date        NOT NULL,
    batch_id               text        NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('COMPLETE', 'INCOMPLETE')),
    expected_count         bigint,
    actual_count           bigint      NOT NULL,
    expected_control_total numeric(38, 18),
    actual_control_total   numeric(38, 18),
    valid_records          bigint      NOT NULL,
    rejected_records       bigint      NOT NULL,
    message                text        NOT NULL,
    first_seen             timestamptz NOT NULL,
    last_seen              timestamptz NOT NULL,
    PRIMARY KEY (recon, counterparty, business_date, batch_id)
);

-- Open exceptions with their age in business days (Monday to Friday after the business date, up to today).
CREATE VIEW recon_open_exception AS
SELECT e.*,
       (SELECT count(*)
          FROM generate_series(e.business_date + 1, current_date, interval '1 day') AS d
         WHERE extract(isodow FROM d) < 6)::integer AS age_business_days
  FROM recon_exception e
 WHERE e.state = 'OPEN';
