package io.reconflow.operators.fetch;

import io.reconflow.events.FetchTask;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

/**
 * Reads batches: fetches each split's manifest through the counterparty's client (its retries,
 * circuit breaker, rate limits; never blocking the task thread, which waits on {@link #isAvailable()}),
 * emits it, then emits one page request per {@link #pollNext}, round-robin over its batches
 * ({@link ReaderSplits}). A split whose manifest had not arrived at a checkpoint fetches it again.
 */
final class CounterpartyReader implements SourceReader<FetchTask, FetchSplit> {

    /** Batches one reader works on at once: their manifests are fetched together. */
    static final int OPEN_BATCHES = 4;

    private final SourceReaderContext context;
    private final CounterpartyClients clients;
    private final ReaderSplits splits;

    // Task thread only.
    private boolean started;
    private boolean requestOutstanding;
    private boolean noMoreSplits;

    /** @param manifestTimeoutMs a backstop above the clients' own deadline, never expected to fire */
    CounterpartyReader(SourceReaderContext context, CounterpartyClients clients, long manifestTimeoutMs) {
        this.context = context;
        this.clients = clients;
        this.splits = new ReaderSplits(context, clients, manifestTimeoutMs);
    }

    @Override
    public void start() {
        started = true;
        requestSplit();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<FetchTask> output) {
        ReaderSplits.Arrival a = splits.nextArrival();
        if (a != null) {
            FetchSplit split = splits.get(a.splitId()).withManifest(a.manifest());
            splits.emitManifest(output, a.manifest());
            if (split.done()) {
                ended(split);
            } else {
                splits.put(split);
                splits.queuePages(split.splitId());
            }
            return InputStatus.MORE_AVAILABLE;
        }
        FetchSplit paged = splits.emitPage(output);
        if (paged != null) {
            if (paged.done()) {
                ended(paged);
            }
            return InputStatus.MORE_AVAILABLE;
        }
        return ended() ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
    }

    private void ended(FetchSplit split) {
        splits.remove(split.splitId());
        requestSplit();
    }

    private boolean ended() {
        return noMoreSplits && splits.size() == 0;
    }

    @Override
    public List<FetchSplit> snapshotState(long checkpointId) {
        return splits.all();
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return splits.isAvailable(this::ended);
    }

    @Override
    public void addSplits(List<FetchSplit> added) {
        requestOutstanding = false;
        for (FetchSplit split : added) {
            if (split.manifest() == null) {
                splits.put(split);
                splits.fetchManifest(split);
            } else if (!split.done()) {
                splits.put(split);
                splits.queuePages(split.splitId());
            }
        }
        requestSplit();
        splits.wakeUp();
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        requestOutstanding = false;
        splits.wakeUp();
    }

    /** Asks for one more batch while this reader has room; never before it is registered (start). */
    private void requestSplit() {
        if (started && !noMoreSplits && !requestOutstanding && splits.size() < OPEN_BATCHES) {
            requestOutstanding = true;
            context.sendSplitRequest();
        }
    }

    @Override
    public void close() {
        splits.close();
        clients.close();
    }
}
