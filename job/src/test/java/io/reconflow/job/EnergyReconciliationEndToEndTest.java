package io.reconflow.job;

import io.reconflow.events.Side;
import io.reconflow.operators.DeduplicateRecords;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import org.apache.flink.api.common.JobExecutionResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole dataflow on a MiniCluster against the counterparty simulator, over generated data with
 * known truth, read back the way users read it: DuckDB over the hive-partitioned Parquet folders.
 */
class EnergyReconciliationEndToEndTest extends MiniClusterTestBase {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final List<LocalDate> DATES = List.of(LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-20"));

    @TempDir
    Path tmp;

    @Test
    void everyKeyEndsOnceAsTheTruthSaysAndEveryRecordIsAccountedFor() throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        String counterparty = base.counterparties().get(0).name();
        ScenarioSettings settings = new ScenarioSettings(11L, DATES, List.of(counterparty),
                60, 20, 24, 10, 10, 12, 8, 8, 2, 13);
        Scenario scenario = ScenarioGenerator.generate(base.feed(), base.matching(), settings);
        Truth truth = scenario.truth().forInternalFormat("csv");
        String internalPath = tmp.resolve("internal/business_date={business_date}").toString();
        InternalFiles.write(scenario, base.feed(), internalPath, "csv");
        Path out = tmp.resolve("out");

        // Occasional 503s, cut bodies and dropped connections: every request still gets through on retry.
        Faults faults = Faults.none().withSeed(3).withUnavailable(0.1).withTruncated(0.03).withReset(0.03);
        JobExecutionResult result;
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, counterparty, token(), faults, 0)) {
            ReconConfig config = ReconConfig.load(ENERGY, List.of(
                    "business_dates=[2026-11-19, 2026-11-20]",
                    "internal.path=" + internalPath,
                    "output.path=" + out,
                    "counterparties[0].base_url=" + sim.url(),
                    "counterparties[0].token_env=" + TOKEN_ENV,
                    "fetch.backoff_initial=10ms",
                    "fetch.backoff_max=200ms",
                    "fetch.max_attempts=10",
                    "fetch.request_timeout=5s",
                    "job.checkpoint_interval=300ms"));
            result = ReconflowJob.run(environment(config), config);
        }

        try (OutputQuery q = new OutputQuery(out.toString())) {
            // Every key ends exactly once, with the status the truth says.
            Map<Truth.KeyRef, String> actual = new HashMap<>();
            for (List<Object> row : q.rows("SELECT business_date::VARCHAR, match_key, status FROM results")) {
                String previous = actual.put(new Truth.KeyRef(row.get(0).toString(), row.get(1).toString()), row.get(2).toString());
                assertThat(previous).as("key %s decided twice", row).isNull();
            }
            Map<Truth.KeyRef, String> expected = new HashMap<>();
            truth.keys().forEach((k, v) -> expected.put(k, v.status().name()));
            assertThat(actual).isEqualTo(expected);
            assertThat(expected.values()).as("the scenario exercises every outcome")
                    .contains("MATCHED", "MATCHED_WITHIN_TOLERANCE", "BREAK", "UNMATCHED_INTERNAL", "UNMATCHED_COUNTERPARTY");

            // A BREAK names exactly the fields that break.
            for (List<Object> row : q.rows("SELECT business_date::VARCHAR, match_key, list_transform(breaks, b -> b.field) "
                    + "FROM results WHERE status = 'BREAK'")) {
                Truth.ExpectedKey k = truth.keys().get(new Truth.KeyRef(row.get(0).toString(), row.get(1).toString()));
                assertThat(fields(row.get(2))).as("breaking fields of %s", row.get(1)).isEqualTo(k.breakFields());
            }

            // Every reject, with its code, side, field and the raw record exactly as received.
            List<List<Object>> rejects = q.rows("SELECT side, error_code, field, raw, business_date::VARCHAR FROM rejects");
            List<Truth.ExpectedReject> unmatched = new ArrayList<>(truth.rejects());
            for (List<Object> r : rejects) {
                Truth.ExpectedReject match = unmatched.stream().filter(e -> e.side().name().equals(r.get(0))
                                && e.code().name().equals(r.get(1))
                                && e.businessDate().equals(r.get(4))
                                && e.raws().contains((String) r.get(3)))
                        .findFirst().orElse(null);
                assertThat(match).as("unexpected reject %s", r).isNotNull();
                if (match.field() != null && !"DUPLICATE_CONFLICT".equals(r.get(1))) {
                    assertThat(r.get(2)).as("field of reject %s", r).isEqualTo(match.field());
                }
                unmatched.remove(match);
            }
            assertThat(unmatched).as("rejects that never came").isEmpty();
            assertThat(rejects).extracting(r -> r.get(1).toString()).as("the scenario exercises the reject codes")
                    .contains("MISSING_FIELD", "BAD_TYPE", "BAD_DECIMAL", "BAD_TIMESTAMP", "BAD_ENUM", "BAD_FORMAT",
                            "DOMAIN_CHECK", "DUPLICATE_CONFLICT", "RECORD_UNPARSEABLE");
            assertThat(rejects).extracting(r -> r.get(0).toString()).contains("INTERNAL", "COUNTERPARTY");

            // The accounting identity: fetched = valid + rejected; valid records each in exactly one row.
            long duplicates = ((Number) result.getAccumulatorResult(DeduplicateRecords.DUPLICATES_ACCUMULATOR)).longValue();
            long counterpartyRows = count(q, "SELECT count(*) FROM results WHERE counterparty IS NOT NULL");
            long internalRows = count(q, "SELECT count(*) FROM results WHERE internal IS NOT NULL");
            long counterpartyRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'COUNTERPARTY'");
            long internalRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'INTERNAL'");
            Truth.Totals t = truth.totals();
            assertThat(duplicates).isEqualTo(t.exactDuplicatesDropped()).isPositive();
            assertThat(counterpartyRows + duplicates + counterpartyRejects).isEqualTo(t.counterpartyServed());
            assertThat(counterpartyRows).isEqualTo(t.counterpartyValid());
            assertThat(internalRows + internalRejects).isEqualTo(t.internalWritten());
            assertThat(count(q, "SELECT count(*) FROM results WHERE counterparty IS NOT NULL AND correlation_id IS NULL")).isZero();

            // Money and quantities are DECIMAL, instants UTC timestamps, both partition columns present.
            List<Object> types = q.rows("SELECT typeof(internal.volume_mwh), typeof(internal.price), "
                    + "typeof(counterparty.delivery_start), typeof(recon), typeof(business_date) FROM results "
                    + "WHERE internal IS NOT NULL AND counterparty IS NOT NULL LIMIT 1").get(0);
            assertThat(types.subList(0, 3)).containsExactly("DECIMAL(38,18)", "DECIMAL(38,18)", "TIMESTAMP WITH TIME ZONE");
            assertThat(q.rows("SELECT DISTINCT recon FROM results")).containsExactly(List.of("energy-confirmations"));

            // Each batch arrived whole: its manifest's count and control total against what came.
            List<List<Object>> batches = q.rows("SELECT business_date::VARCHAR, status, expected_count, actual_count, "
                    + "expected_control_total, actual_control_total, typeof(actual_control_total) FROM batches ORDER BY 1");
            assertThat(batches).hasSize(DATES.size());
            for (List<Object> b : batches) {
                Scenario.Manifest m = scenario.batch(counterparty, LocalDate.parse(b.get(0).toString())).manifest();
                assertThat(b.get(1)).as("batch %s", b).isEqualTo("COMPLETE");
                assertThat(((Number) b.get(2)).longValue()).isEqualTo(m.recordCount());
                assertThat(((Number) b.get(3)).longValue()).isEqualTo(m.recordCount());
                assertThat((java.math.BigDecimal) b.get(5)).isEqualByComparingTo(m.controlTotal());
                assertThat(b.get(6)).isEqualTo("DECIMAL(38,18)");
            }
        }

        // Exactly once and finished: only committed part files, nothing in progress or pending.
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).isNotEmpty().allSatisfy(f -> {
                assertThat(f.getFileName().toString()).startsWith("part-").endsWith(".parquet");
                assertThat(out.relativize(f).toString()).matches("(results|rejects|batches)/recon=energy-confirmations/business_date=2026-11-(19|20)/part-.*");
            });
        }
    }

    private static Set<String> fields(Object duckList) throws Exception {
        Set<String> out = new HashSet<>();
        if (duckList instanceof java.sql.Array a) {
            for (Object o : (Object[]) a.getArray()) {
                out.add(o.toString());
            }
        } else {
            for (Object o : (List<?>) duckList) {
                out.add(o.toString());
            }
        }
        return out;
    }

    private static long count(OutputQuery q, String sql) throws Exception {
        return ((Number) q.rows(sql).get(0).get(0)).longValue();
    }
}
