package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;

/**
 * Reads batches: fetches each split's manifest through the counterparty's client (its retries,
 * circuit breaker, rate limits; never blocking the task thread, which waits on {@link #isAvailable()}),
 * emits it, then emits one page request per {@link #pollNext}, round-robin over its batches. The
 * split's cursor moves with each page, so a checkpoint taken between two pages records exactly the
 * pages handed to the page fetch; a split whose manifest had not arrived fetches it again.
 */
final class CounterpartyReader implements SourceReader<FetchTask, FetchSplit> {

    /** Batches one reader works on at once: their manifests are fetched together. */
    static final int OPEN_BATCHES = 4;

    private record Arrival(String splitId, BatchManifest manifest) {}

    private final SourceReaderContext context;
    private final CounterpartyClients clients;
    private final long manifestTimeoutMs;
    /** Per counterparty: pages of the manifests emitted, and page requests emitted. */
    private final Map<String, Counter> pagesKnown = new HashMap<>();
    private final Map<String, Counter> pagesRequested = new HashMap<>();

    // Task thread only.
    private final Map<String, FetchSplit> splits = new LinkedHashMap<>();
    private final Deque<String> withPages = new ArrayDeque<>();
    private boolean started;
    private boolean requestOutstanding;
    private boolean noMoreSplits;

    // From the clients' threads.
    private final Queue<Arrival> arrived = new ConcurrentLinkedQueue<>();
    private final Set<CompletableFuture<?>> fetching = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private CompletableFuture<Void> available = new CompletableFuture<>();

    /** @param manifestTimeoutMs a backstop above the clients' own deadline, never expected to fire */
    CounterpartyReader(SourceReaderContext context, CounterpartyClients clients, long manifestTimeoutMs) {
        this.context = context;
        this.clients = clients;
        this.manifestTimeoutMs = manifestTimeoutMs;
    }

    @Override
    public void start() {
        started = true;
        requestSplit();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<FetchTask> output) {
        Arrival a = arrived.poll();
        if (a != null) {
            FetchSplit split = splits.get(a.splitId()).withManifest(a.manifest());
            output.collect(FetchTask.newBuilder().setManifest(a.manifest()).setPage(null).build());
            counter(pagesKnown, "pagesKnown", split).inc(split.pageCount());
            progress(split);
            return InputStatus.MORE_AVAILABLE;
        }
        String id = withPages.poll();
        if (id != null) {
            FetchSplit split = splits.get(id);
            output.collect(FetchTask.newBuilder().setManifest(null).setPage(split.pageRequest()).build());
            counter(pagesRequested, "pagesRequested", split).inc();
            progress(split.advanced());
            return InputStatus.MORE_AVAILABLE;
        }
        return noMoreSplits && splits.isEmpty() ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE;
    }

    /** Task thread only: plain counters suffice. */
    private Counter counter(Map<String, Counter> counters, String name, FetchSplit split) {
        return counters.computeIfAbsent(split.batch().getCounterparty(),
                cp -> context.metricGroup().addGroup("counterparty", cp).counter(name, new SimpleCounter()));
    }

    /** Records an emitted manifest or page: the split goes on, or is done. */
    private void progress(FetchSplit split) {
        if (split.done()) {
            splits.remove(split.splitId());
            requestSplit();
        } else {
            splits.put(split.splitId(), split);
            withPages.addLast(split.splitId());
        }
    }

    @Override
    public List<FetchSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(splits.values());
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        synchronized (lock) {
            if (!arrived.isEmpty() || !withPages.isEmpty() || (noMoreSplits && splits.isEmpty())) {
                return CompletableFuture.completedFuture(null);
            }
            if (available.isDone()) {
                available = new CompletableFuture<>();
            }
            return available;
        }
    }

    private void wakeUp() {
        synchronized (lock) {
            available.complete(null);
        }
    }

    @Override
    public void addSplits(List<FetchSplit> added) {
        requestOutstanding = false;
        for (FetchSplit split : added) {
            splits.put(split.splitId(), split);
            if (split.manifest() == null) {
                fetchManifest(split);
            } else if (split.done()) {
                splits.remove(split.splitId());
            } else {
                withPages.addLast(split.splitId());
            }
        }
        requestSplit();
        wakeUp();
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        requestOutstanding = false;
        wakeUp();
    }

    /** Asks for one more batch while this reader has room; never before it is registered (start). */
    private void requestSplit() {
        if (started && !noMoreSplits && !requestOutstanding && splits.size() < OPEN_BATCHES) {
            requestOutstanding = true;
            context.sendSplitRequest();
        }
    }

    private void fetchManifest(FetchSplit split) {
        BatchRequest batch = split.batch();
        CounterpartyClient client = clients.get(batch.getCounterparty());
        if (client == null) {
            arrive(split, Manifests.failed(batch, "", failure(null, "unknown counterparty " + batch.getCounterparty(), 0)));
            return;
        }
        AtomicReference<String> lastRequestId = new AtomicReference<>("");
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();
        CompletableFuture<ManifestResult> call = client.manifest(batch.getFeed(), batch.getBusinessDate(), requestId -> {
            lastRequestId.set(requestId);
            attempts.incrementAndGet();
        });
        fetching.add(call);
        call.copy().orTimeout(manifestTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((result, err) -> {
            fetching.remove(call);
            BatchManifest manifest;
            if (err == null) {
                manifest = Manifests.of(batch, result);
            } else if (err instanceof TimeoutException) {
                call.cancel(true);
                manifest = Manifests.failed(batch, lastRequestId.get(), failure(null,
                        "timed out after " + (System.nanoTime() - start) / 1_000_000 + " ms", attempts.get()));
            } else {
                manifest = Manifests.failed(batch, lastRequestId.get(), failure(null,
                        "fetch failed unexpectedly: " + err, Math.max(1, attempts.get())));
            }
            arrive(split, manifest);
        });
    }

    private void arrive(FetchSplit split, BatchManifest manifest) {
        arrived.add(new Arrival(split.splitId(), manifest));
        wakeUp();
    }

    private static FetchFailure failure(Integer httpStatus, String message, int attempts) {
        return FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED).setHttpStatus(httpStatus)
                .setMessage(message).setAttempts(attempts).build();
    }

    @Override
    public void close() {
        fetching.forEach(f -> f.cancel(true));
        fetching.clear();
        clients.close();
    }
}
