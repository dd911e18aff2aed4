package io.reconflow.operators.fetch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an async fetch function needs: the counterparties it may call, a client per counterparty
 * opened with the function (its policies shared across the TaskManager, with the counterparty
 * source's reader), and the requests in flight, which {@code close()} abandons.
 */
abstract class CounterpartyFetchFunction<IN, OUT> extends RichAsyncFunction<IN, OUT> {
    private static final long serialVersionUID = 1L;

    private final Map<String, CounterpartyEndpoint> endpoints;
    private final FetchSettings settings;
    private final TokenSource tokens;

    protected transient CounterpartyClients clients;
    protected transient InFlight<OUT> inFlight;

    /** @param tokens null in production (tokens from the environment); tests supply their own */
    CounterpartyFetchFunction(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings, TokenSource tokens) {
        this.endpoints = new LinkedHashMap<>(endpoints);
        this.settings = settings;
        this.tokens = tokens;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        clients = CounterpartyClients.open(endpoints, settings, getRuntimeContext().getMetricGroup(), tokens);
        inFlight = new InFlight<>();
    }

    @Override
    public void close() throws Exception {
        if (clients != null) {
            clients.close();
        }
        if (inFlight != null) {
            inFlight.clear();
        }
    }

    /** The global fetch settings ({@code capacity} is the async operator's). */
    protected FetchSettings fetchSettings() {
        return settings;
    }

    /** The configured counterparties' names. */
    protected java.util.Set<String> endpointNames() {
        return endpoints.keySet();
    }
}
