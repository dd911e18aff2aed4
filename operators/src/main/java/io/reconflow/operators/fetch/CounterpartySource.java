package io.reconflow.operators.fetch;

import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
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
 * batch's pages were emitted; or continuous ({@link #continuous}).
 */
public final class CounterpartySource
        implements Source<FetchTask, FetchSplit, EnumeratorCheckpoint>, ResultTypeQueryable<FetchTask> {

    private static final long serialVersionUID = 1L;

    private final List<BatchRequest> batches;
    private final Map<String, CounterpartyEndpoint> endpoints;
    private final FetchSettings settings;
    private final long manifestTimeoutMs;
    private final TokenSource tokens;
    @Nullable private ContinuousSchedule continuous;
    @Nullable private InternalFolderDates folders;
    private String feed;

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

    /**
     * A continuous source of {@code feed}: dates open by {@code schedule} (and, unless null, as
     * {@code folders} appear) instead of the fixed batches; it never ends.
     */
    public CounterpartySource continuous(String feed, ContinuousSchedule schedule, @Nullable InternalFolderDates folders) {
        if (!batches.isEmpty()) {
            throw new IllegalStateException("a continuous source opens its own batches");
        }
        this.feed = feed;
        this.continuous = schedule;
        this.folders = folders;
        return this;
    }

    @Override
    public Boundedness getBoundedness() {
        return continuous == null ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<FetchSplit, EnumeratorCheckpoint> createEnumerator(SplitEnumeratorContext<FetchSplit> context) {
        if (continuous != null) {
            return continuousEnumerator(context, new EnumeratorCheckpoint(List.of(), List.of()));
        }
        return new BatchEnumerator(context, batches.stream().map(FetchSplit::of).toList());
    }

    private SplitEnumerator<FetchSplit, EnumeratorCheckpoint> continuousEnumerator(
            SplitEnumeratorContext<FetchSplit> context, EnumeratorCheckpoint checkpoint) {
        return new ContinuousEnumerator(context, continuous, folders, feed, List.copyOf(endpoints.keySet()),
                Math.min(continuous.manifestPollMs(), 10_000L), checkpoint);
    }

    @Override
    public SplitEnumerator<FetchSplit, EnumeratorCheckpoint> restoreEnumerator(SplitEnumeratorContext<FetchSplit> context,
                                                                          EnumeratorCheckpoint checkpoint) {
        if (continuous != null) {
            return continuousEnumerator(context, checkpoint);
        }
        return new BatchEnumerator(context, checkpoint.pending());
    }

    @Override
    public SimpleVersionedSerializer<FetchSplit> getSplitSerializer() {
        return new FetchSplitSerializers.Split();
    }

    @Override
    public SimpleVersionedSerializer<EnumeratorCheckpoint> getEnumeratorCheckpointSerializer() {
        return new FetchSplitSerializers.Enumerator();
    }

    /** Runs on the TaskManager: opens the clients, which read the tokens (a missing one fails here, named). */
    @Override
    public SourceReader<FetchTask, FetchSplit> createReader(SourceReaderContext context) {
        // The page fetch chained behind reports the shared gauges (inFlight, circuitState); not here too.
        CounterpartyClients clients = CounterpartyClients.open(endpoints, settings, context.metricGroup(), tokens, false);
        return continuous == null ? new CounterpartyReader(context, clients, manifestTimeoutMs)
                : new ContinuousReader(context, clients, manifestTimeoutMs, continuous);
    }

    @Override
    public TypeInformation<FetchTask> getProducedType() {
        return new AvroTypeInfo<>(FetchTask.class);
    }
}
