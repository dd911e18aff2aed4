package io.reconflow.operators.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.BatchOutcome;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.FeedJson;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.Sha256;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.util.List;

/**
 * The SQL of the exceptions ledger and how each row binds to it. Every statement is an idempotent
 * upsert ({@code INSERT … ON CONFLICT … DO UPDATE SET col = excluded.col}, which pgjdbc batches)
 * that changes a row only when what it says has changed, so that replaying the same input leaves
 * the tables exactly as they were.
 */
public final class LedgerStatements {
    private LedgerStatements() {}

    /**
     * Records one key's outcome. A BREAK or UNMATCHED outcome opens (or reopens, or refreshes) the
     * key's exception; a MATCHED or MATCHED_WITHIN_TOLERANCE outcome resolves an open one. Both
     * live in one statement so that one sink writes every outcome of a key in the order it was
     * decided. The first parameter of each half says which half applies.
     *
     * <p>An open exception changes (and counts as seen again) only when what it says changes: its
     * status, its breaks with their values, or the batch it came in. Which of two conflicting
     * copies of a record was kept can differ between replays, so the records alone do not count.
     */
    public static final String RECORD_OUTCOME = """
            WITH resolved AS (
                UPDATE recon_exception SET state = 'RESOLVED', resolved_status = ?, resolved_at = now(), last_seen = now(),
                    internal = ?::jsonb, counterparty = ?::jsonb, counterparty_name = ?, batch_id = ?, correlation_id = ?
                WHERE ?::boolean AND recon = ? AND business_date = ? AND match_key = ? AND state = 'OPEN'
            )
            INSERT INTO recon_exception AS e (recon, business_date, match_key, state, status, pass_name, breaks,
                internal, counterparty, counterparty_name, batch_id, correlation_id, internal_source,
                match_type, counterparty_match_key, candidates,
                first_seen, last_seen, times_seen, resolved_at, resolved_status)
            SELECT ?, ?, ?, 'OPEN', ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::jsonb,
                now(), now(), 1, NULL, NULL
            WHERE NOT ?::boolean
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
            """;

    public static final String INSERT_REJECT = """
            INSERT INTO recon_reject (reject_id, recon, feed, business_date, side, source, batch_id, page, line,
                correlation_id, error_code, field, message, http_status, idempotency_key, raw, raw_truncated,
                raw_sha256, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())
            ON CONFLICT (reject_id) DO NOTHING
            """;

    public static final String UPSERT_BATCH = """
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
            """;

    /** Binds a result row of any status to {@link #RECORD_OUTCOME}. */
    public static JdbcStatementBuilder<GenericRecord> outcome(FeedSpec feed) {
        return (ps, row) -> {
            String status = str(row, "status");
            boolean matched = status.startsWith("MATCHED");
            String recon = str(row, "recon");
            LocalDate date = LocalDate.parse(str(row, "business_date"));
            String key = str(row, "match_key");
            String internal = recordJson(row, "internal", feed);
            String counterparty = recordJson(row, "counterparty", feed);
            int i = 1;
            ps.setString(i++, status);
            ps.setString(i++, internal);
            ps.setString(i++, counterparty);
            ps.setString(i++, str(row, "counterparty_name"));
            ps.setString(i++, str(row, "batch_id"));
            ps.setString(i++, str(row, "correlation_id"));
            ps.setBoolean(i++, matched);
            ps.setString(i++, recon);
            ps.setObject(i++, date);
            ps.setString(i++, key);
            ps.setString(i++, recon);
            ps.setObject(i++, date);
            ps.setString(i++, key);
            ps.setString(i++, status);
            ps.setString(i++, str(row, "pass_name"));
            ps.setString(i++, breaksJson(row));
            ps.setString(i++, internal);
            ps.setString(i++, counterparty);
            ps.setString(i++, str(row, "counterparty_name"));
            ps.setString(i++, str(row, "batch_id"));
            ps.setString(i++, str(row, "correlation_id"));
            ps.setString(i++, str(row, "internal_source"));
            ps.setString(i++, str(row, "match_type"));
            ps.setString(i++, str(row, "counterparty_match_key"));
            ps.setString(i++, candidatesJson(row));
            ps.setBoolean(i, matched);
        };
    }

    /**
     * Binds a reject to {@link #INSERT_REJECT}. Its texts come from counterparties and files: any
     * U+0000 in them (which PostgreSQL text cannot hold) is stored as U+FFFD rather than failing the write.
     */
    public static JdbcStatementBuilder<Reject> reject() {
        return (ps, r) -> {
            int i = 1;
            ps.setString(i++, rejectId(r));
            ps.setString(i++, text(r.getRecon()));
            ps.setString(i++, text(r.getFeed()));
            ps.setObject(i++, LocalDate.parse(r.getBusinessDate()));
            ps.setString(i++, r.getSide().name());
            ps.setString(i++, text(r.getSource()));
            ps.setString(i++, text(r.getBatchId()));
            setInt(ps, i++, r.getPage());
            setLong(ps, i++, r.getLine());
            ps.setString(i++, text(r.getCorrelationId()));
            ps.setString(i++, r.getErrorCode().name());
            ps.setString(i++, text(r.getField()));
            ps.setString(i++, text(r.getMessage()));
            setInt(ps, i++, r.getHttpStatus());
            ps.setString(i++, text(r.getIdempotencyKey()));
            ps.setString(i++, text(r.getRaw()));
            if (r.getRawTruncated() == null) {
                ps.setNull(i++, Types.BOOLEAN);
            } else {
                ps.setBoolean(i++, r.getRawTruncated());
            }
            ps.setString(i, r.getRawSha256());
        };
    }

    /** {@code s} with every U+0000 replaced by U+FFFD: PostgreSQL text cannot hold U+0000. */
    static String text(String s) {
        return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
    }

    /** Binds a batch outcome to {@link #UPSERT_BATCH}. */
    public static JdbcStatementBuilder<BatchOutcome> batch() {
        return (ps, b) -> {
            int i = 1;
            ps.setString(i++, b.getRecon());
            ps.setString(i++, b.getCounterparty());
            ps.setString(i++, b.getFeed());
            ps.setObject(i++, LocalDate.parse(b.getBusinessDate()));
            ps.setString(i++, b.getBatchId());
            ps.setString(i++, b.getStatus().name());
            setLong(ps, i++, b.getExpectedCount());
            ps.setLong(i++, b.getActualCount());
            ps.setBigDecimal(i++, b.getExpectedControlTotal());
            ps.setBigDecimal(i++, b.getActualControlTotal());
            ps.setLong(i++, b.getValidRecords());
            ps.setLong(i++, b.getRejectedRecords());
            ps.setString(i, text(b.getMessage()));
        };
    }

    /**
     * {@code binder}, failing with an SQLException (which the connector retries on a new
     * connection) instead of a NullPointerException when the connector calls it without a
     * statement: it has none after re-preparing it on a lost connection failed.
     */
    public static <T> JdbcStatementBuilder<T> requiringStatement(JdbcStatementBuilder<T> binder) {
        return (ps, row) -> {
            if (ps == null) {
                throw new SQLException("no prepared ledger statement: the connection was lost and not yet re-established", "08003");
            }
            binder.accept(ps, row);
        };
    }

    /**
     * What identifies a reject across runs: where it came from and what it says, but not the
     * request id, which differs on every fetch.
     */
    static String rejectId(Reject r) {
        List<String> parts = r.getErrorCode() == ErrorCode.DUPLICATE_CONFLICT
                // Which copy of a conflicting pair arrives second can differ between replays: the key names it.
                ? List.of(r.getRecon(), r.getBusinessDate(), r.getSide().name(), r.getSource(), String.valueOf(r.getBatchId()),
                        r.getErrorCode().name(), String.valueOf(r.getIdempotencyKey()))
                : List.of(r.getRecon(), r.getBusinessDate(), r.getSide().name(), r.getSource(), String.valueOf(r.getBatchId()),
                        String.valueOf(r.getPage()), String.valueOf(r.getLine()), r.getErrorCode().name(),
                        // A cut raw could be shared by two records: the hash of the whole tells them apart.
                        String.valueOf(r.getField()), Boolean.TRUE.equals(r.getRawTruncated())
                                ? "sha256:" + r.getRawSha256() : String.valueOf(r.getRaw()));
        String text = String.join("\u001f", parts);
        return Sha256.hex(text);
    }

    private static String breaksJson(GenericRecord row) {
        ArrayNode breaks = JsonNodeFactory.instance.arrayNode();
        for (Object o : (List<?>) row.get("breaks")) {
            GenericRecord b = (GenericRecord) o;
            ObjectNode n = breaks.addObject();
            n.put("field", str(b, "field"));
            n.put("rule", str(b, "rule"));
            n.put("internal_value", str(b, "internal_value"));
            n.put("counterparty_value", str(b, "counterparty_value"));
        }
        return breaks.toString();
    }

    private static String candidatesJson(GenericRecord row) {
        ArrayNode candidates = JsonNodeFactory.instance.arrayNode();
        for (Object o : (List<?>) row.get("candidates")) {
            candidates.add(o.toString());
        }
        return candidates.toString();
    }

    private static String recordJson(GenericRecord row, String side, FeedSpec feed) {
        GenericRecord record = (GenericRecord) row.get(side);
        return record == null ? null : FeedJson.of(record, feed).toString();
    }

    private static String str(GenericRecord r, String field) {
        Object v = r.get(field);
        return v == null ? null : v.toString();
    }

    private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}
