package io.reconflow.operators.fetch;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client per configured counterparty, for the lifetime of one fetch function instance. The
 * clients of one counterparty share its policies across the JVM ({@link CounterpartyPolicies}).
 */
final class CounterpartyClients implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CounterpartyClients.class);

    private final Map<String, CounterpartyClient> clients = new LinkedHashMap<>();

    /**
     * @param tokens null in production (tokens from the environment)
     * @throws IllegalStateException when a token is missing: the job should not start without it
     */
    static CounterpartyClients open(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings,
                                    MetricGroup metrics, TokenSource tokens) {
        return open(endpoints, settings, metrics, tokens, true);
    }

    /**
     * @param gauges whether to report the gauges of the counterparty's shared state ({@code inFlight},
     *     {@code circuitState}); one operator per task reports them, so that each counterparty shows them once
     */
    static CounterpartyClients open(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings,
                                    MetricGroup metrics, TokenSource tokens, boolean gauges) {
        HttpClientLogGuard.check(); // before any client exists that could log a token
        CounterpartyClients all = new CounterpartyClients();
        try {
            for (Map.Entry<String, CounterpartyEndpoint> e : endpoints.entrySet()) {
                CounterpartyEndpoint endpoint = e.getValue();
                FetchMetrics listener = FetchMetrics.register(metrics, e.getKey());
                // The endpoint's own settings, when it has them, win over the global ones.
                CounterpartyClient client = tokens == null
                        ? new CounterpartyClient(endpoint, settings, listener)
                        : new CounterpartyClient(endpoint, settings, listener, () -> tokens.token(endpoint));
                all.clients.put(e.getKey(), client);
                if (gauges) {
                    listener.watch(client);
                }
            }
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
        return all;
    }

    /** @return null for a counterparty that is not configured */
    CounterpartyClient get(String counterparty) {
        return counterparty == null ? null : clients.get(counterparty);
    }

    @Override
    public void close() {
        for (CounterpartyClient c : clients.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed", c, e);
            }
        }
        clients.clear();
    }
}
