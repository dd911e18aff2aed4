package io.reconflow.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.operators.feed.AvroSchemas;
import io.reconflow.operators.feed.FeedSpec;
import io.reconflow.operators.ledger.LedgerStatements;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link LedgerStatements#RECORD_OUTCOME} row by row against a real PostgreSQL: each value bound
 * once lands in its column, and the statement opens, leaves alone, refreshes, resolves and reopens
 * an exception as its outcome says.
 */
class LedgerStatementsTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");

    private static EmbeddedPostgres postgres;
    private static String jdbcUrl;
    private static FeedSpec feed;
    private static Schema result;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        ReconConfig config = ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=" + jdbcUrl));
        new LedgerSchema(config.ledger()).migrate();
        feed = config.feed();
        result = AvroSchemas.result(feed);
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private static GenericRecord outcome(String recon, String key, String status, String batch, String counterpartyValue) {
        Schema breakSchema = result.getField("breaks").schema().getElementType();
        List<GenericRecord> breaks = new ArrayList<>();
        if (status.equals("BREAK")) {
            breaks.add(new GenericRecordBuilder(breakSchema).set("field", "price").set("rule", "equal")
                    .set("internal_value", "41.25").set("counterparty_value", counterpartyValue).build());
        }
        return new GenericRecordBuilder(result)
                .set("recon", recon).set("business_date", "2026-11-20").set("match_key", key).set("status", status)
                .set("pass", 1).set("pass_name", "by-trade-id").set("match_type", "SECONDARY")
                .set("counterparty_match_key", "their-" + key)
                .set("breaks", new GenericData.Array<>(result.getField("breaks").schema(), breaks))
                .set("candidates", new GenericData.Array<>(result.getField("candidates").schema(), List.of("c1", "c2")))
                .set("counterparty_name", "northpool").set("batch_id", batch).set("correlation_id", "req-" + batch)
                .set("internal_source", "internal.csv:7")
                .build();
    }

    private static void record(GenericRecord... rows) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
             PreparedStatement ps = c.prepareStatement(LedgerStatements.RECORD_OUTCOME)) {
            for (GenericRecord row : rows) {
                LedgerStatements.outcome(feed).accept(ps, row);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static Map<String, Object> exception(String recon, String key) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl);
             PreparedStatement ps = c.prepareStatement("SELECT recon, business_date::text AS business_date, match_key, state,"
                     + " status, pass_name, breaks::text AS breaks, internal::text AS internal, counterparty::text AS counterparty,"
                     + " counterparty_name, batch_id, correlation_id, internal_source, match_type, counterparty_match_key,"
                     + " candidates::text AS candidates, times_seen, resolved_status, resolved_at IS NOT NULL AS resolved,"
                     + " last_seen::text AS last_seen"
                     + " FROM recon_exception WHERE recon = ? AND match_key = ?")) {
            ps.setString(1, recon);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                return row;
            }
        }
    }

    @Test
    void theBinderSetsEveryParameterOfTheStatementExactlyOnce() throws Exception {
        List<Integer> set = new ArrayList<>();
        PreparedStatement recording = (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i) {
                        set.add(i);
                    }
                    return null;
                });
        LedgerStatements.outcome(feed).accept(recording, outcome("binding", "K-0", "BREAK", "B-1", "41.50"));

        int parameters;
        try (Connection c = DriverManager.getConnection(jdbcUrl);
             PreparedStatement ps = c.prepareStatement(LedgerStatements.RECORD_OUTCOME)) {
            parameters = ps.getParameterMetaData().getParameterCount();
        }
        assertThat(parameters).isEqualTo(15);
        assertThat(set).doesNotHaveDuplicates().hasSize(parameters).allSatisfy(i -> assertThat(i).isBetween(1, parameters));
    }

    @Test
    void aBreakOpensAnExceptionWithEachValueInItsColumn() throws Exception {
        record(outcome("columns", "K-1", "BREAK", "B-1", "41.50"));

        Map<String, Object> row = exception("columns", "K-1");
        assertThat(row).containsEntry("recon", "columns").containsEntry("business_date", "2026-11-20")
                .containsEntry("match_key", "K-1").containsEntry("state", "OPEN").containsEntry("status", "BREAK")
                .containsEntry("pass_name", "by-trade-id").containsEntry("counterparty_name", "northpool")
                .containsEntry("batch_id", "B-1").containsEntry("correlation_id", "req-B-1")
                .containsEntry("internal_source", "internal.csv:7").containsEntry("match_type", "SECONDARY")
                .containsEntry("counterparty_match_key", "their-K-1").containsEntry("candidates", "[\"c1\", \"c2\"]")
                .containsEntry("internal", null).containsEntry("counterparty", null)
                .containsEntry("times_seen", 1).containsEntry("resolved_status", null).containsEntry("resolved", false);
        assertThat(row.get("breaks")).isEqualTo("[{\"rule\": \"equal\", \"field\": \"price\", \"internal_value\": \"41.25\","
                + " \"counterparty_value\": \"41.50\"}]");
    }

    @Test
    void theSameOutcomeAgainChangesNothingAndAChangedOneRefreshesTheException() throws Exception {
        record(outcome("replay", "K-2", "BREAK", "B-1", "41.50"));
        Map<String, Object> first = exception("replay", "K-2");

        record(outcome("replay", "K-2", "BREAK", "B-1", "41.50"));
        assertThat(exception("replay", "K-2")).isEqualTo(first);

        record(outcome("replay", "K-2", "BREAK", "B-1", "42.00"));
        assertThat(exception("replay", "K-2")).containsEntry("times_seen", 2).containsEntry("state", "OPEN")
                .satisfies(r -> assertThat(r.get("breaks").toString()).contains("\"42.00\""));
    }

    @Test
    void aMatchResolvesTheOpenExceptionAndALaterBreakReopensIt() throws Exception {
        record(outcome("lifecycle", "K-3", "UNMATCHED_COUNTERPARTY", "B-1", null));

        record(outcome("lifecycle", "K-3", "MATCHED_WITHIN_TOLERANCE", "B-2", null));
        assertThat(exception("lifecycle", "K-3")).containsEntry("state", "RESOLVED")
                .containsEntry("status", "UNMATCHED_COUNTERPARTY").containsEntry("resolved_status", "MATCHED_WITHIN_TOLERANCE")
                .containsEntry("resolved", true).containsEntry("batch_id", "B-2").containsEntry("correlation_id", "req-B-2")
                .containsEntry("times_seen", 1);

        record(outcome("lifecycle", "K-3", "BREAK", "B-3", "41.50"));
        assertThat(exception("lifecycle", "K-3")).containsEntry("state", "OPEN").containsEntry("status", "BREAK")
                .containsEntry("resolved_status", null).containsEntry("resolved", false).containsEntry("batch_id", "B-3")
                .containsEntry("times_seen", 2);
    }

    @Test
    void aMatchOfAKeyWithoutAnExceptionWritesNothing() throws Exception {
        record(outcome("clean", "K-4", "MATCHED", "B-1", null));

        assertThat(exception("clean", "K-4")).isNull();
    }
}
