package io.reconflow.operators.fetch;

import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * The counterparty side's source: one split per (counterparty, business date) batch; each reader
 * fetches its batches' manifests and emits them, then their page requests one at a time, so that
 * checkpoint barriers pass between pages ({@link CounterpartyReader}). Bounded: it ends when every
 * batch's pages were emitted.
 */
public final class CounterpartySource
        implements Source<FetchTask, FetchSplit, List<FetchSplit>>, ResultTypeQueryable<FetchTask> {

    private static final long serialVersionUID = 1L;

    private final List<BatchRequest> batches;
    private final Map<String, CounterpartyEndpoint> endpoints;
    private final FetchSettings settings;
    private final long manifestTimeoutMs;
    private final TokenSource tokens;

    /**
     * @param manifestTimeoutMs a backstop above every counterparty's {@code deadline}, as the page
     *     fetch's operator timeout
     */
    public CounterpartySource(List<BatchRequest> batches, Map<String, CounterpartyEndpoint> endpoints,
                              FetchSettings settings, long manifestTimeoutMs) {
        this(batches, endpoints, settings, manifestTimeoutMs, null);
    }

    /** For tests: tokens from {@code tokens} instead of the environment. */
    CounterpartySource(List<BatchRequest> batches, Map<String, CounterpartyEndpoint> endpoints,
                       FetchSettings settings, long manifestTimeoutMs, TokenSource tokens) {
        this.batches = new ArrayList<>(batches);
        this.endpoints = new LinkedHashMap<>(endpoints);
        this.settings = settings;
        this.manifestTimeoutMs = manifestTimeoutMs;
        this.tokens = tokens;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SplitEnumerator<FetchSplit, List<FetchSplit>> createEnumerator(SplitEnumeratorContext<FetchSplit> context) {
        return new BatchEnumerator(context, batches.stream().map(FetchSplit::of).toList());
    }

    @Override
    public SplitEnumerator<FetchSplit, List<FetchSplit>> restoreEnumerator(SplitEnumeratorContext<FetchSplit> context,
                                                                          List<FetchSplit> pending) {
        return new BatchEnumerator(context, pending);
    }

    @Override
    public SimpleVersionedSerializer<FetchSplit> getSplitSerializer() {
        return new FetchSplitSerializers.Split();
    }

    @Override
    public SimpleVersionedSerializer<List<FetchSplit>> getEnumeratorCheckpointSerializer() {
        return new FetchSplitSerializers.Enumerator();
    }

    /** Runs on the TaskManager: opens the clients, which read the tokens (a missing one fails here, named). */
    @Override
    public SourceReader<FetchTask, FetchSplit> createReader(SourceReaderContext context) {
        // The page fetch chained behind reports the shared gauges (inFlight, circuitState); not here too.
        CounterpartyClients clients = CounterpartyClients.open(endpoints, settings, context.metricGroup(), tokens, false);
        return new CounterpartyReader(context, clients, manifestTimeoutMs);
    }

    @Override
    public TypeInformation<FetchTask> getProducedType() {
        return new AvroTypeInfo<>(FetchTask.class);
    }
}
