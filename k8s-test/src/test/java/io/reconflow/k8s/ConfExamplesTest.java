package io.reconflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Flink configuration files of {@code conf/}, read by Flink 2.3's own loader. */
class ConfExamplesTest {
    private static final String PROM = "metrics.reporter.prom.";

    @TempDir
    Path dir;

    private Map<String, String> load(String file) throws Exception {
        Files.copy(Path.of("../conf", file), dir.resolve(GlobalConfiguration.FLINK_CONF_FILENAME));
        Configuration conf = GlobalConfiguration.loadConfiguration(dir.toString());
        return conf.toMap();
    }

    @Test
    void theClusterConfigurationReadsAsWritten() throws Exception {
        Map<String, String> conf = load("config.yaml");
        assertThat(conf).containsEntry("pipeline.generic-types", "false")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("restart-strategy.type", "exponential-delay");
    }

    /** The example's reporter, made from its factory and settings, serves a reconflow metric over HTTP. */
    @Test
    void thePrometheusExampleServesMetrics() throws Exception {
        Map<String, String> conf = load("config-prometheus.yaml");
        assertThat(conf).containsEntry("metrics.reporters", "prom");
        MetricConfig settings = new MetricConfig();
        conf.forEach((k, v) -> {
            if (k.startsWith(PROM) && !k.equals(PROM + "factory.class")) {
                settings.setProperty(k.substring(PROM.length()), v);
            }
        });
        MetricReporterFactory factory = (MetricReporterFactory) Class.forName(conf.get(PROM + "factory.class"))
                .getDeclaredConstructor().newInstance();
        MetricReporter reporter = factory.createMetricReporter(settings);
        try {
            reporter.open(settings);
            SimpleCounter requests = new SimpleCounter();
            requests.inc(3);
            reporter.notifyOfAddedMetric(requests, "requests", new CounterpartyGroup());
            Method getPort = reporter.getClass().getDeclaredMethod("getPort");
            getPort.setAccessible(true);
            int port = (int) getPort.invoke(reporter);
            assertThat(port).isBetween(9249, 9259);
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body().lines().filter(l -> l.startsWith("flink_taskmanager_job_task_operator_counterparty_requests{")))
                    .singleElement().asString()
                    .contains("counterparty=\"northpool_energy\"").contains("tm_id=\"tm_1\"").endsWith(" 3.0");
        } finally {
            reporter.close();
        }
    }

    /** A metric group as a fetch operator's: the key-value group {@code counterparty, <name>} under an operator. */
    private static final class CounterpartyGroup extends UnregisteredMetricsGroup implements LogicalScopeProvider {
        @Override
        public String[] getScopeComponents() {
            return new String[] {"tm-1", "job", "fetch-pages", "0", "counterparty", "northpool-energy"};
        }

        @Override
        public Map<String, String> getAllVariables() {
            return Map.of("<tm_id>", "tm-1", "<counterparty>", "northpool-energy");
        }

        @Override
        public String getLogicalScope(CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(CharacterFilter filter, char delimiter) {
            // A key-value group's value is a label, not part of the name.
            return String.join(String.valueOf(delimiter), "taskmanager", "job", "task", "operator", "counterparty");
        }

        @Override
        public MetricGroup getWrappedMetricGroup() {
            return this;
        }
    }
}
