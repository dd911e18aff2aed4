package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.FetchTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;

/**
 * What the bounded and the continuous counterparty readers share: their splits, the manifests fetched
 * for them, the page requests emitted one per poll, round-robin over the splits with pages, and the
 * wake-ups of the task waiting on {@code isAvailable}. A page request is held back while its
 * counterparty is paused (PauseGate), so the source never waits on a queue only a resume would free,
 * and while the chained page fetch's queue is full (FetchSlots), so the task idles rather than waits
 * busy. A split's cursor moves with each page emitted, so a checkpoint records exactly the pages handed on.
 *
 * <p>Task thread only, but for the manifest answers, resumes and wake-ups that come from other threads.
 */
final class ReaderSplits {

    record Arrival(String splitId, BatchManifest manifest) {}

    private final SourceReaderContext context;
    private final ManifestFetch fetch;
    /** Per counterparty: pages of the manifests emitted, and page requests emitted. Plain counters suffice. */
    private final Map<String, Counter> pagesKnown = new HashMap<>();
    private final Map<String, Counter> pagesRequested = new HashMap<>();

    private final Map<String, FetchSplit> splits = new LinkedHashMap<>();
    private final Deque<String> withPages = new ArrayDeque<>();
    /** Splits whose next page request the emergency pause holds, until handed back through {@link #resumed}. */
    private final Set<String> held = new HashSet<>();

    // From other threads.
    private final Queue<Arrival> arrived = new ConcurrentLinkedQueue<>();
    private final Queue<String> resumed = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private CompletableFuture<Void> available = new CompletableFuture<>();

    /** @param manifestTimeoutMs a backstop above the clients' own deadline, never expected to fire */
    ReaderSplits(SourceReaderContext context, CounterpartyClients clients, long manifestTimeoutMs) {
        this.context = context;
        this.fetch = new ManifestFetch(clients, manifestTimeoutMs);
    }

    FetchSplit get(String splitId) {
        return splits.get(splitId);
    }

    void put(FetchSplit split) {
        splits.put(split.splitId(), split);
    }

    void remove(String splitId) {
        splits.remove(splitId);
    }

    /** A copy, in the order the splits came. */
    List<FetchSplit> all() {
        return new ArrayList<>(splits.values());
    }

    int size() {
        return splits.size();
    }

    /** The split has pages to request: it joins the round. */
    void queuePages(String splitId) {
        withPages.addLast(splitId);
    }

    /** Whether page requests of the split wait their turn or are held by the pause. */
    boolean pagesPending(String splitId) {
        return held.contains(splitId) || withPages.contains(splitId);
    }

    /** Fetches the split's manifest; the answer (or a FETCH_FAILED manifest) comes from {@link #nextArrival()}. */
    void fetchManifest(FetchSplit split) {
        fetch.fetch(split.batch(), m -> {
            arrived.add(new Arrival(split.splitId(), m));
            wakeUp();
        });
    }

    Arrival nextArrival() {
        return arrived.poll();
    }

    void emitManifest(ReaderOutput<FetchTask> output, BatchManifest manifest) {
        output.collect(FetchTask.newBuilder().setManifest(manifest).setPage(null).build());
        int pages = manifest.getFailure() == null && manifest.getPageCount() != null ? manifest.getPageCount() : 0;
        counter(pagesKnown, "pagesKnown", manifest.getCounterparty()).inc(pages);
    }

    /**
     * Emits the next page request that may go: the split advanced past it (kept, and back in the round
     * unless done), or null when none may go now (a wake-up follows when one may).
     */
    FetchSplit emitPage(ReaderOutput<FetchTask> output) {
        for (String id; (id = resumed.poll()) != null; ) {
            held.remove(id);
            withPages.addLast(id);
        }
        while (!withPages.isEmpty() && pageFetchHasRoom()) {
            String id = withPages.poll();
            FetchSplit split = splits.get(id);
            if (PauseGate.of(split.batch().getCounterparty()).hold(() -> {
                resumed.add(id);
                wakeUp();
            })) {
                held.add(id);
                continue;
            }
            output.collect(FetchTask.newBuilder().setManifest(null).setPage(split.pageRequest()).build());
            counter(pagesRequested, "pagesRequested", split.batch().getCounterparty()).inc();
            FetchSplit next = split.advanced();
            splits.put(id, next);
            if (!next.done()) {
                withPages.addLast(id);
            }
            return next;
        }
        return null;
    }

    private Counter counter(Map<String, Counter> counters, String name, String counterparty) {
        return counters.computeIfAbsent(counterparty,
                cp -> context.metricGroup().addGroup("counterparty", cp).counter(name, new SimpleCounter()));
    }

    /** @param more whether the reader has something of its own to do */
    CompletableFuture<Void> isAvailable(BooleanSupplier more) {
        synchronized (lock) {
            // Renewed before the checks, so that a wake-up they cause (a free place) completes the one returned.
            if (available.isDone()) {
                available = new CompletableFuture<>();
            }
            if (!arrived.isEmpty() || !resumed.isEmpty() || (!withPages.isEmpty() && pageFetchHasRoom())
                    || more.getAsBoolean()) {
                return CompletableFuture.completedFuture(null);
            }
            return available;
        }
    }

    /**
     * Whether the page fetch chained behind has a free place (FetchSlots); if not, a wake-up when it
     * has one, so that the task idles rather than waits (busy) inside the page fetch's full queue.
     */
    private boolean pageFetchHasRoom() {
        FetchSlots slots = FetchSlots.ofThisTask();
        if (slots == null || slots.hasRoom()) {
            return true;
        }
        slots.whenRoom().thenRun(this::wakeUp);
        return false;
    }

    /** Any thread. */
    void wakeUp() {
        synchronized (lock) {
            available.complete(null);
        }
    }

    /** Cancels the manifest fetches in flight. */
    void close() {
        fetch.close();
    }
}
