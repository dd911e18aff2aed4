package io.reconflow.job;

import io.reconflow.sim.Faults;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.testkit.OutputQuery;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code run --from D1 --to D2}: three past dates as one bounded BATCH run give, row for row, what
 * the same dates give in STREAMING mode (results, rejects and batches read back with DuckDB), both
 * as the truth says; and the summary printed at the end has the run's figures.
 */
class BackfillEndToEndTest extends MiniClusterTestBase {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");

    @TempDir
    Path tmp;

    @Test
    void aThreeDateBackfillInBatchModeEqualsStreamingRowForRowAndSummarisesTheRun() throws Exception {
        ReconflowJob.CommandLine cli = ReconflowJob.CommandLine.parse(new String[] {
                "--config", ENERGY.toString(), "--from", "2026-11-18", "--to", "2026-11-20"});
        assertThat(cli.overrides()).containsExactly("business_dates=[2026-11-18, 2026-11-19, 2026-11-20]");
        // No conflicting duplicates: which of two records with one idempotency key is "first" (kept) depends on the
        // order pages come back from the unordered page fetch with retries, from run to run in either mode.
        ScenarioSettings settings = new ScenarioSettings(41L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                30, 8, 8, 4, 4, 3, 3, 3, 0, 7, 2, 1);

        Path streamingTmp = tmp.resolve("run");
        FeedRun streaming = FeedRun.run(ENERGY, cli.overrides(), settings, streamingTmp, TOKEN_ENV, token(),
                MiniClusterTestBase::environment);
        streaming.checkEverything();

        // The same data under the same path (the paths are in the rows), after the streaming run's output moved away.
        Path streamingOut = tmp.resolve("streaming-out");
        java.nio.file.Files.move(streaming.out, streamingOut);
        deleteTree(streamingTmp);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        // As FeedRun's default run: occasional 503s, cut bodies and dropped connections.
        Faults faults = Faults.builder().seed(3).unavailable(0.1).truncated(0.03).reset(0.03).build();
        FeedRun batch = FeedRun.run(ENERGY, cli.overrides(), settings, faults, streamingTmp, TOKEN_ENV, token(),
                (config, sim, scenario) -> {
                    StreamExecutionEnvironment env = environment(config);
                    env.configure(Backfill.settings());
                    return cli.backfill().run(env, config, new PrintStream(printed, true, StandardCharsets.UTF_8));
                });
        batch.checkEverything();

        try (OutputQuery q = new OutputQuery(batch.out.toString())) {
            for (String dataset : List.of("results", "rejects", "batches")) {
                String streamingRows = "(" + OutputQuery.scan(streamingOut.toString(), dataset) + ")";
                // X-Request-Ids differ from run to run: every other column must be equal.
                String columns = dataset.equals("batches") ? "* EXCLUDE (manifest_correlation_id)" : "* EXCLUDE (correlation_id)";
                long rows = ((Number) q.rows("SELECT count(*) FROM " + dataset).get(0).get(0)).longValue();
                long streamingCount = ((Number) q.rows("SELECT count(*) FROM " + streamingRows).get(0).get(0)).longValue();
                assertThat(rows).as("%s rows", dataset).isEqualTo(streamingCount).isPositive();
                assertThat(q.rows("SELECT " + columns + " FROM " + dataset + " EXCEPT ALL SELECT " + columns + " FROM " + streamingRows))
                        .as("%s rows of BATCH not in STREAMING", dataset).isEmpty();
                assertThat(q.rows("SELECT " + columns + " FROM " + streamingRows + " EXCEPT ALL SELECT " + columns + " FROM " + dataset))
                        .as("%s rows of STREAMING not in BATCH", dataset).isEmpty();
            }
        }

        // The summary, from the BATCH run's accumulators.
        String summary = printed.toString(StandardCharsets.UTF_8);
        assertThat(summary).startsWith("reconflow: backfill of energy-confirmations from 2026-11-18 to 2026-11-20 (3 dates) in BATCH mode")
                .contains("reconflow: backfill 2026-11-18..2026-11-20 done in ");
        try (OutputQuery q = new OutputQuery(batch.out.toString())) {
            assertThat(summary).contains("dates    3");
            long batches = count(q, "SELECT count(*) FROM batches");
            long complete = count(q, "SELECT count(*) FROM batches WHERE status = 'COMPLETE'");
            assertThat(summary).contains("batches  " + batches + " (" + complete + " complete, " + (batches - complete) + " incomplete)");
            long pages = batch.scenario.batches().stream().mapToLong(b -> b.pages().size()).sum();
            assertThat(summary).contains("pages    " + pages + " known, " + pages + " fetched, 0 failed");
            StringBuilder results = new StringBuilder("results  ");
            for (MatchStatus s : MatchStatus.values()) {
                long n = count(q, "SELECT count(*) FROM results WHERE status = '" + s + "'");
                if (n > 0) {
                    results.append(results.length() > 9 ? ", " : "").append(s).append(' ').append(n);
                }
            }
            assertThat(summary).contains(results.toString());
            long duplicates = batch.truth.totals().exactDuplicatesDropped();
            assertThat(summary).contains(duplicates + " exact duplicates dropped");
            for (List<Object> row : q.rows("SELECT error_code, count(*) FROM rejects GROUP BY ALL")) {
                assertThat(summary).contains(row.get(0) + " " + row.get(1));
            }
        }
    }

    @Test
    void badBackfillFlagsAreRefusedNamingTheFlag() {
        String config = ENERGY.toString();
        assertThatThrownBy(() -> ReconflowJob.CommandLine.parse(new String[] {"--config", config, "--from", "2026-11-20", "--to", "2026-11-18"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("--from 2026-11-20 is after --to 2026-11-18");
        assertThatThrownBy(() -> ReconflowJob.CommandLine.parse(new String[] {"--config", config, "--from", "2026-11-18"}))
                .hasMessageStartingWith("--from needs --to");
        assertThatThrownBy(() -> ReconflowJob.CommandLine.parse(new String[] {"--config", config, "--from", "2026-13-01", "--to", "2026-12-01"}))
                .hasMessage("--from '2026-13-01' is not a date (YYYY-MM-DD)");
        assertThatThrownBy(() -> ReconflowJob.CommandLine.parse(new String[] {"--config", config, "--from", "2024-01-01", "--to", "2026-01-01"}))
                .hasMessageContaining("spans 732 dates; a backfill takes at most 366");
        assertThatThrownBy(() -> ReconflowJob.CommandLine.parse(new String[] {"--config", config, "--set", "business_dates=[2026-11-01]",
                "--from", "2026-11-18", "--to", "2026-11-19"}))
                .hasMessage("--from/--to set the business dates; drop --set business_dates=[2026-11-01]");
    }

    private static long count(OutputQuery q, String sql) throws Exception {
        return ((Number) q.rows(sql).get(0).get(0)).longValue();
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }
}
