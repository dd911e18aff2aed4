package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_2;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class FetchMetricsTest {

    /** Remembers metrics by their scope below the operator. */
    static final class Capturing extends UnregisteredMetricsGroup {
        final String scope;
        final Map<String, Metric> metrics;

        Capturing(String scope, Map<String, Metric> metrics) {
            this.scope = scope;
            this.metrics = metrics;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Capturing(scope + name + ".", metrics);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Capturing(scope + key + "." + value + ".", metrics);
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            metrics.put(scope + name, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(scope + name, gauge);
            return gauge;
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            metrics.put(scope + name, histogram);
            return histogram;
        }
    }

    static long count(Map<String, Metric> metrics, String name) {
        return ((Counter) metrics.get("counterparty.acme." + name)).getCount();
    }

    static Object gauge(Map<String, Metric> metrics, String name) {
        return ((Gauge<?>) metrics.get("counterparty.acme." + name)).getValue();
    }

    @Test
    void reportsEachCounterpartysRequestsByStatusClassRetriesThrottlingCircuitLatencyAndBytes() throws Exception {
        Map<String, Metric> metrics = new TreeMap<>();
        FetchMetrics listener = FetchMetrics.register(new Capturing("", metrics), "acme");
        try (StubCounterparty stub = new StubCounterparty();
             CounterpartyClient client = new CounterpartyClient(
                     new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN"), settings(),
                     listener, () -> "metrics-test-token-0001")) {
            listener.watch(client);
            stub.on(MANIFEST_PATH, status(503), status(429), json(200, MANIFEST));
            stub.on(PAGE_1, status(404));
            stub.on(PAGE_2, status(401));

            client.manifest(FEED, DATE).get(10, TimeUnit.SECONDS);
            client.page(FEED, DATE, 1).get(10, TimeUnit.SECONDS);
            client.page(FEED, DATE, 2).get(10, TimeUnit.SECONDS);

            assertThat(gauge(metrics, "circuitState")).isEqualTo(0);
            assertThat(gauge(metrics, "inFlight")).isEqualTo(0);
        }

        assertThat(metrics).containsOnlyKeys(Stream.of("requests", "retries", "failures", "bytesReceived",
                "responses2xx", "responses3xx", "responses4xx", "responses5xx", "unanswered", "throttled",
                "authFailures", "circuitState", "inFlight", "latencyMs").map(n -> "counterparty.acme." + n).toList());
        assertThat(count(metrics, "requests")).isEqualTo(5);
        assertThat(count(metrics, "retries")).isEqualTo(2);
        assertThat(count(metrics, "failures")).isEqualTo(2);
        assertThat(count(metrics, "responses2xx")).isEqualTo(1);
        assertThat(count(metrics, "responses4xx")).isEqualTo(3);
        assertThat(count(metrics, "responses5xx")).isEqualTo(1);
        assertThat(count(metrics, "responses3xx")).isZero();
        assertThat(count(metrics, "unanswered")).isZero();
        assertThat(count(metrics, "throttled")).isEqualTo(1);
        assertThat(count(metrics, "authFailures")).isEqualTo(1);
        assertThat(count(metrics, "bytesReceived")).isGreaterThanOrEqualTo(MANIFEST.length());
        Histogram latency = (Histogram) metrics.get("counterparty.acme.latencyMs");
        assertThat(latency.getCount()).isEqualTo(5);
        assertThat(latency.getStatistics().getMax()).isGreaterThanOrEqualTo(0);
    }
}
