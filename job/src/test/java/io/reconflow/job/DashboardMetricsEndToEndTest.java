package io.reconflow.job;

import io.reconflow.sim.ScenarioSettings;
import io.reconflow.testkit.OutputQuery;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's metrics as a reporter sees them (Flink's in-memory reporter on a MiniCluster of
 * this test's own): short operator names, rejects by code, pages fetched against pages known, no
 * key left waiting at the end, the pause gauge.
 */
class DashboardMetricsEndToEndTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(REPORTER.addToConfiguration(ReconflowJob.localClusterSettings()))
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    Path tmp;

    @Test
    void everyDashboardMetricHasItsShortNameAndTheRunsFigures() throws Exception {
        ScenarioSettings settings = new ScenarioSettings(52L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                30, 6, 6, 3, 3, 6, 4, 3, 2, 5, 2, 1);
        FeedRun run = FeedRun.run(ENERGY, List.of("business_dates=[2026-11-20]"), settings, tmp,
                MiniClusterTestBase.TOKEN_ENV, System.getenv(MiniClusterTestBase.TOKEN_ENV), config -> {
                    Configuration conf = ReconflowJob.flinkSettings(config);
                    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
                    return StreamExecutionEnvironment.getExecutionEnvironment(conf);
                });
        run.checkEverything();
        // By group: a task of one operator has the operator's name, so task and operator identifiers coincide.
        Map<String, Metric> metrics = new TreeMap<>();
        REPORTER.getMetricsByGroup().forEach((group, byName) -> {
            if (!(group instanceof org.apache.flink.runtime.metrics.groups.TaskMetricGroup)) {
                byName.forEach((name, metric) -> metrics.put(group.getMetricIdentifier(name), metric));
            }
        });
        String cp = run.config.counterparties().get(0).name();

        // Operator names are short and whole (Flink cuts them at 80 characters in metric scopes).
        assertThat(metrics.keySet()).anyMatch(id -> id.contains(".Match pass 3 (secondary)."));
        assertThat(metrics.keySet()).noneMatch(id -> id.contains("Match by secondary"));

        // Rejects by code, across the operators that reject, equal the rejects written.
        Map<String, Long> byCode = new TreeMap<>();
        metrics.forEach((id, m) -> {
            int at = id.indexOf(".code.");
            if (at > 0 && id.endsWith(".rejects")) {
                byCode.merge(id.substring(at + 6, id.length() - ".rejects".length()), ((Counter) m).getCount(), Long::sum);
            }
        });
        Map<String, Long> written = new TreeMap<>();
        try (OutputQuery q = new OutputQuery(run.out.toString())) {
            for (List<Object> row : q.rows("SELECT error_code, count(*) FROM rejects GROUP BY ALL")) {
                written.put(row.get(0).toString(), ((Number) row.get(1)).longValue());
            }
        }
        assertThat(written).containsKey("DUPLICATE_CONFLICT");
        assertThat(byCode).isEqualTo(written);

        // Pages fetched against pages known.
        long pages = run.scenario.batches().stream().mapToLong(b -> b.pages().size()).sum();
        assertThat(sum(metrics, ".counterparty." + cp + ".pagesKnown")).isEqualTo(pages);
        assertThat(sum(metrics, ".counterparty." + cp + ".pagesFetched")).isEqualTo(pages);
        assertThat(sum(metrics, ".counterparty." + cp + ".pagesFailed")).isZero();
        assertThat(gauges(metrics, ".Fetch pages.0.counterparty." + cp + ".paused")).containsExactly(0);

        // Every key was decided: none waits for its other side.
        assertThat(gauges(metrics, ".Match by key.0.keysWaiting")).containsExactly(0L);
    }

    private static long sum(Map<String, Metric> metrics, String suffix) {
        return metrics.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .mapToLong(e -> ((Counter) e.getValue()).getCount()).sum();
    }

    private static List<Object> gauges(Map<String, Metric> metrics, String suffix) {
        List<Object> values = metrics.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .map(e -> ((Gauge<?>) e.getValue()).getValue()).map(v -> (Object) v).toList();
        assertThat(values).as("gauges ending %s", suffix).isNotEmpty();
        return values;
    }
}
