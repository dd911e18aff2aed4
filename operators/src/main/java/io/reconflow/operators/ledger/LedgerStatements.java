package io.reconflow.operators.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.BatchOutcome;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import io.reconflow.operators.feed.FeedJson;
import io.reconflow.operators.feed.FeedSpec;
import io.reconflow.operators.feed.Sha256;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.util.List;

/**
 * The statements of the exceptions ledger and how each row binds to them. The SQL lives beside the
 * migrations, in {@code db/statements/*.sql} of this jar, read once when the class loads. Every
 * statement is an idempotent upsert that changes a row only when what it says has changed, so that
 * replaying the same input leaves the tables exactly as they were.
 */
public final class LedgerStatements {
    private LedgerStatements() {}

    /** Where the statements are, on the class path. */
    static final String LOCATION = "db/statements/";

    /**
     * Records one key's outcome: opens, refreshes or reopens its exception, or resolves an open one
     * ({@code record_outcome.sql}); each value bound once.
     */
    public static final String RECORD_OUTCOME = sql("record_outcome.sql");

    public static final String INSERT_REJECT = sql("insert_reject.sql");

    public static final String UPSERT_BATCH = sql("upsert_batch.sql");

    /** The statement in {@code name}; a missing one fails loading this class, never a write. */
    static String sql(String name) {
        try (InputStream in = LedgerStatements.class.getClassLoader().getResourceAsStream(LOCATION + name)) {
            if (in == null) {
                throw new IllegalStateException("the ledger statement " + LOCATION + name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger statement " + LOCATION + name, e);
        }
    }

    /**
     * Binds a result row of any status to {@link #RECORD_OUTCOME}, in the order of the columns of
     * its {@code o} CTE.
     */
    public static JdbcStatementBuilder<GenericRecord> outcome(FeedSpec feed) {
        return (ps, row) -> {
            int i = 1;
            ps.setString(i++, str(row, "recon"));
            ps.setObject(i++, LocalDate.parse(str(row, "business_date")));
            ps.setString(i++, str(row, "match_key"));
            ps.setString(i++, str(row, "status"));
            ps.setString(i++, str(row, "pass_name"));
            ps.setString(i++, breaksJson(row));
            ps.setString(i++, recordJson(row, "internal", feed));
            ps.setString(i++, recordJson(row, "counterparty", feed));
            ps.setString(i++, str(row, "counterparty_name"));
            ps.setString(i++, str(row, "batch_id"));
            ps.setString(i++, str(row, "correlation_id"));
            ps.setString(i++, str(row, "internal_source"));
            ps.setString(i++, str(row, "match_type"));
            ps.setString(i++, str(row, "counterparty_match_key"));
            ps.setString(i, candidatesJson(row));
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
