package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class FetchMetricsTest {

    /** Remembers counters by their scope below the operator. */
    static final class Capturing extends UnregisteredMetricsGroup {
        final String scope;
        final Map<String, Counter> counters;

        Capturing(String scope, Map<String, Counter> counters) {
            this.scope = scope;
            this.counters = counters;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Capturing(scope + name + ".", counters);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Capturing(scope + key + "." + value + ".", counters);
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            counters.put(scope + name, counter);
            return counter;
        }
    }

    @Test
    void countsRequestsRetriesFailuresAndBytesPerCounterparty() throws Exception {
        Map<String, Counter> counters = new TreeMap<>();
        try (StubCounterparty stub = new StubCounterparty();
             CounterpartyClient client = new CounterpartyClient(
                     new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN"), settings(),
                     FetchMetrics.register(new Capturing("", counters), "acme"), () -> "metrics-test-token-0001")) {
            stub.on(MANIFEST_PATH, status(503), json(200, MANIFEST));
            stub.on(PAGE_1, status(404));

            client.manifest(FEED, DATE).get(10, TimeUnit.SECONDS);
            client.page(FEED, DATE, 1).get(10, TimeUnit.SECONDS);
        }

        assertThat(counters).containsOnlyKeys("counterparty.acme.requests", "counterparty.acme.retries",
                "counterparty.acme.failures", "counterparty.acme.bytesReceived");
        assertThat(counters.get("counterparty.acme.requests").getCount()).isEqualTo(3);
        assertThat(counters.get("counterparty.acme.retries").getCount()).isEqualTo(1);
        assertThat(counters.get("counterparty.acme.failures").getCount()).isEqualTo(1);
        assertThat(counters.get("counterparty.acme.bytesReceived").getCount()).isGreaterThanOrEqualTo(MANIFEST.length());
    }
}
