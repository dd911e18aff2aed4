package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

/**
 * The continuous counterparty source's reader. Each split is one open (counterparty, date); its
 * manifest is asked for every {@code manifestPoll} until the date closes. A failed answer (404: not
 * published yet, or any other failure) is tried again at the next poll; a manifest with a
 * {@code batch_id} not emitted before (the first publication or a republication) is emitted and its
 * pages requested one per {@link #pollNext}, as in a bounded run ({@link ReaderSplits}: held back while
 * the counterparty is paused or the page fetch's queue is full). When the date closes, a date whose
 * manifest never came emits its last failure (a FETCH_FAILED reject and batch outcome) and the split
 * ends.
 *
 * <p>Watermark: the business clock, held one millisecond before the close of any split that still
 * has something to emit, so that nothing of a date reaches the matchers after its deadline.
 */
final class ContinuousReader implements SourceReader<FetchTask, FetchSplit> {

    /** How often the reader wakes up to poll, close dates and move the watermark. */
    static final long TICK_MS = 200;

    /** Task thread only: what is not checkpointed about a split. */
    private static final class Polling {
        /** System.nanoTime() of the next manifest poll. */
        long nextPollAt = System.nanoTime();
        boolean inFlight;
        BatchManifest lastFailure;
    }

    private final CounterpartyClients clients;
    private final ContinuousSchedule schedule;
    private final ReaderSplits splits;
    private final Map<String, Polling> polling = new HashMap<>();
    private final Deque<BatchManifest> toEmit = new ArrayDeque<>();
    private ScheduledExecutorService ticker;

    ContinuousReader(SourceReaderContext context, CounterpartyClients clients, long manifestTimeoutMs,
                     ContinuousSchedule schedule) {
        this.clients = clients;
        this.schedule = schedule;
        this.splits = new ReaderSplits(context, clients, manifestTimeoutMs);
    }

    @Override
    public void start() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "reconflow-continuous-source-tick");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(splits::wakeUp, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public InputStatus pollNext(ReaderOutput<FetchTask> output) {
        long now = schedule.clock().millis();
        for (ReaderSplits.Arrival a; (a = splits.nextArrival()) != null; ) {
            received(a);
        }
        BatchManifest manifest = toEmit.poll();
        if (manifest != null) {
            splits.emitManifest(output, manifest);
            return InputStatus.MORE_AVAILABLE;
        }
        if (splits.emitPage(output) != null) {
            return InputStatus.MORE_AVAILABLE;
        }
        for (FetchSplit split : splits.all()) {
            step(split, now);
        }
        if (!toEmit.isEmpty()) {
            return InputStatus.MORE_AVAILABLE;
        }
        output.emitWatermark(new Watermark(watermark(now)));
        return InputStatus.NOTHING_AVAILABLE;
    }

    /** Polls a split's manifest when due, or closes the split once its date closed and nothing is pending. */
    private void step(FetchSplit split, long now) {
        Polling p = polling.computeIfAbsent(split.splitId(), k -> new Polling());
        if (p.inFlight || splits.pagesPending(split.splitId())) {
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
            splits.fetchManifest(split);
        }
    }

    /** A manifest answer: a new batch_id is emitted and its pages requested; a failure waits for the next poll. */
    private void received(ReaderSplits.Arrival a) {
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
        splits.put(next);
        toEmit.add(m);
        if (!next.done()) {
            splits.queuePages(a.splitId());
        }
    }

    /** The clock, held below the close of any split still pending. */
    long watermark(long now) {
        long wm = now;
        for (FetchSplit s : splits.all()) {
            wm = Math.min(wm, closeAt(s) - 1);
        }
        return wm;
    }

    private long closeAt(FetchSplit split) {
        return schedule.closeAt(LocalDate.parse(split.batch().getBusinessDate()));
    }

    @Override
    public List<FetchSplit> snapshotState(long checkpointId) {
        return splits.all();
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return splits.isAvailable(() -> !toEmit.isEmpty());
    }

    @Override
    public void addSplits(List<FetchSplit> added) {
        for (FetchSplit split : added) {
            splits.put(split);
            // A restored split in the middle of its pages goes on with them; its manifest is polled after.
            if (split.manifest() != null && !split.done()) {
                splits.queuePages(split.splitId());
            }
        }
        splits.wakeUp();
    }

    @Override
    public void notifyNoMoreSplits() {}

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        splits.close();
        clients.close();
    }
}
