package io.reconflow.operators.fetch;

import io.reconflow.events.PageRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A page fetch subtask's progress in its log, at INFO, so that a run on a cluster (and a backfill
 * in particular) shows how far it is in the TaskManagers' logs: a line when a batch's last page is
 * answered, and at most every {@code every} a line with the pages answered of those known, batch by
 * batch. Pages known are the manifests' page counts, as the page requests carry them. Counts start
 * when the subtask starts (after a restore: from the restore).
 */
final class FetchProgress {

    private static final Logger LOG = LoggerFactory.getLogger(FetchProgress.class);

    private static final class Batch {
        final int known;
        int requested;
        int fetched;
        int failed;

        Batch(int known) {
            this.known = known;
        }

        boolean done() {
            return fetched + failed >= known;
        }
    }

    private final String subtask;
    private final long everyNanos;
    private final Map<String, Batch> batches = new LinkedHashMap<>(); // guarded by this
    private long lastLine = System.nanoTime(); // guarded by this

    FetchProgress(String subtask, long every, TimeUnit unit) {
        this.subtask = subtask;
        this.everyNanos = unit.toNanos(every);
    }

    synchronized void requested(PageRequest r) {
        batches.computeIfAbsent(key(r), k -> new Batch(Math.max(r.getPageCount(), 1))).requested++;
    }

    void answered(PageRequest r, boolean ok) {
        String line = null;
        synchronized (this) {
            Batch b = batches.get(key(r));
            if (b == null) {
                return;
            }
            if (ok) {
                b.fetched++;
            } else {
                b.failed++;
            }
            long now = System.nanoTime();
            if (b.done()) {
                line = "fetch " + subtask + ": batch " + key(r) + " done: " + b.fetched + " of " + b.known
                        + " pages fetched" + (b.failed == 0 ? "" : ", " + b.failed + " failed");
                batches.remove(key(r));
            } else if (now - lastLine >= everyNanos) {
                lastLine = now;
                line = summary();
            }
        }
        if (line != null) {
            LOG.info(line);
        }
    }

    /** Guarded by this. */
    private String summary() {
        StringBuilder s = new StringBuilder("fetch ").append(subtask).append(": ");
        int fetched = 0;
        int known = 0;
        for (Map.Entry<String, Batch> e : batches.entrySet()) {
            Batch b = e.getValue();
            fetched += b.fetched + b.failed;
            known += b.known;
        }
        s.append(fetched).append(" of ").append(known).append(" pages answered in ").append(batches.size())
                .append(" batch(es) under way");
        batches.forEach((k, b) -> s.append("; ").append(k).append(' ').append(b.fetched + b.failed).append('/').append(b.known));
        return s.toString();
    }

    private static String key(PageRequest r) {
        return r.getCounterparty() + " " + r.getBusinessDate() + " " + r.getBatchId();
    }
}
