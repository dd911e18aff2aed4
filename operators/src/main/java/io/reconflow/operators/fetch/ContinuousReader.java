package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;

/**
 * The continuous counterparty source's reader. Each split is one open (counterparty, date); its
 * manifest is asked for every {@code manifestPoll} until the date closes. A failed answer (404: not
 * published yet, or any other failure) is tried again at the next poll; a manifest with a
 * {@code batch_id} not emitted before (the first publication or a republication) is emitted and its
 * pages requested one per {@link #pollNext}, as in a bounded run. When the date closes, a date whose
 * manifest never came emits its last failure (a FETCH_FAILED reject and batch outcome) and the split
 * ends.
 *
 * <p>Watermark: the business clock, held one millisecond before the close of any split that still
 * has something to emit, so that nothing of a date reaches the matchers after its deadline.
 */
final class ContinuousReader implements SourceReader<FetchTask, FetchSplit> {

    /** How often the reader wakes up to poll, close dates and move the watermark. */
    static final long TICK_MS = 200;

    private record Arrival(String splitId, BatchManifest manifest) {}

    /** Task thread only: what is not checkpointed about a split. */
    private static final class Polling {
        /** System.nanoTime() of the next manifest poll. */
        long nextPollAt = System.nanoTime();
        boolean inFlight;
        BatchManifest lastFailure;
    }

    private final SourceReaderContext context;
    private final CounterpartyClients clients;
    private final ManifestFetch fetch;
    private final ContinuousSchedule schedule;
    private final Map<String, FetchSplit> splits = new LinkedHashMap<>();
    private final Map<String, Polling> polling = new HashMap<>();
    private final Map<String, Counter> pagesKnown = new HashMap<>();
    private final Map<String, Counter> pagesRequested = new HashMap<>();
    private final Deque<String> withPages = new ArrayDeque<>();
    private final Deque<BatchManifest> toEmit = new ArrayDeque<>();
    private final Queue<Arrival> arrived = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private ScheduledExecutorService ticker;

    ContinuousReader(SourceReaderContext context, CounterpartyClients clients, long manifestTimeoutMs,
                     ContinuousSchedule schedule) {
        this.context = context;
        this.clients = clients;
        this.fetch = new ManifestFetch(clients, manifestTimeoutMs);
        this.schedule = schedule;
    }

    @Override
    public void start() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "reconflow-continuous-source-tick");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::wakeUp, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public InputStatus pollNext(ReaderOutput<FetchTask> output) {
        long now = schedule.clock().millis();
        Arrival a;
        while ((a = arrived.poll()) != null) {
            received(a, now);
        }
        BatchManifest manifest = toEmit.poll();
        if (manifest != null) {
            output.collect(FetchTask.newBuilder().setManifest(manifest).setPage(null).build());
            if (manifest.getFailure() == null && manifest.getPageCount() != null) {
                counter(pagesKnown, "pagesKnown", manifest.getCounterparty()).inc(manifest.getPageCount());
            }
            return InputStatus.MORE_AVAILABLE;
        }
        String id = withPages.poll();
        if (id != null) {
            FetchSplit split = splits.get(id).advanced();
            output.collect(FetchTask.newBuilder().setManifest(null).setPage(splits.get(id).pageRequest()).build());
            counter(pagesRequested, "pagesRequested", split.batch().getCounterparty()).inc();
            splits.put(id, split);
            if (!split.done()) {
                withPages.addLast(id);
            }
            return InputStatus.MORE_AVAILABLE;
        }
        for (FetchSplit split : new ArrayList<>(splits.values())) {
            step(split, now);
        }
        if (!toEmit.isEmpty()) {
            return InputStatus.MORE_AVAILABLE;
        }
        output.emitWatermark(new Watermark(watermark(now)));
        return InputStatus.NOTHING_AVAILABLE;
    }

    /** The bounded reader's metrics, per counterparty: pages of the manifests emitted, and page requests emitted. */
    private Counter counter(Map<String, Counter> counters, String name, String counterparty) {
        return counters.computeIfAbsent(counterparty,
                cp -> context.metricGroup().addGroup("counterparty", cp).counter(name, new SimpleCounter()));
    }

    /** Polls a split's manifest when due, or closes the split once its date closed and nothing is pending. */
    private void step(FetchSplit split, long now) {
        Polling p = polling.computeIfAbsent(split.splitId(), k -> new Polling());
        if (p.inFlight || withPages.contains(split.splitId())) {
            return;
        }
        if (now >= closeAt(split)) {
            if (split.manifest() == null) {
                toEmit.add(p.lastFailure != null ? p.lastFailure : Manifests.failed(split.batch(), "",
                        FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED).setHttpStatus(null)
                                .setMessage("no manifest was published before the business date closed")
                                .setAttempts(0).build()));
            }
            splits.remove(split.splitId());
            polling.remove(split.splitId());
        } else if (System.nanoTime() - p.nextPollAt >= 0) {
            // Paced by the machine's clock: the business clock opens and closes dates, it need not tick evenly.
            p.inFlight = true;
            p.nextPollAt = System.nanoTime() + schedule.manifestPollMs() * 1_000_000L;
            fetch.fetch(split.batch(), m -> {
                arrived.add(new Arrival(split.splitId(), m));
                wakeUp();
            });
        }
    }

    /** A manifest answer: a new batch_id is emitted and its pages requested; a failure waits for the next poll. */
    private void received(Arrival a, long now) {
        FetchSplit split = splits.get(a.splitId());
        Polling p = polling.get(a.splitId());
        if (split == null || p == null) {
            return;
        }
        p.inFlight = false;
        BatchManifest m = a.manifest();
        if (m.getFailure() != null) {
            p.lastFailure = m;
            return;
        }
        if (split.manifest() != null && m.getBatchId().equals(split.manifest().getBatchId())) {
            return;
        }
        FetchSplit next = split.withManifest(m);
        splits.put(a.splitId(), next);
        toEmit.add(m);
        if (!next.done()) {
            withPages.addLast(a.splitId());
        }
    }

    /** The clock, held below the close of any split still pending. */
    long watermark(long now) {
        long wm = now;
        for (FetchSplit s : splits.values()) {
            wm = Math.min(wm, closeAt(s) - 1);
        }
        return wm;
    }

    private long closeAt(FetchSplit split) {
        return schedule.closeAt(LocalDate.parse(split.batch().getBusinessDate()));
    }

    @Override
    public List<FetchSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(splits.values());
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        synchronized (lock) {
            if (!arrived.isEmpty() || !withPages.isEmpty() || !toEmit.isEmpty()) {
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
        for (FetchSplit split : added) {
            splits.put(split.splitId(), split);
            // A restored split in the middle of its pages goes on with them; its manifest is polled after.
            if (split.manifest() != null && !split.done()) {
                withPages.addLast(split.splitId());
            }
        }
        wakeUp();
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        fetch.close();
        clients.close();
    }
}
