package io.reconflow.operators.fetch;

import io.reconflow.events.BatchRequest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous counterparty source's enumerator: every {@code checkEveryMs} it opens the dates
 * the calendar (and, if asked, the internal folders) make due, and assigns one split per
 * (counterparty, date) to the readers, round-robin; a reader keeps its splits until their date
 * closes. Its checkpoint holds the dates opened (those not yet closed) and the splits not yet
 * assigned, so a restore neither reopens nor refetches a date. No HTTP and no token here.
 */
final class ContinuousEnumerator implements SplitEnumerator<FetchSplit, EnumeratorCheckpoint> {
    private static final Logger LOG = LoggerFactory.getLogger(ContinuousEnumerator.class);

    private final SplitEnumeratorContext<FetchSplit> context;
    private final ContinuousSchedule schedule;
    @Nullable private final InternalFolderDates folders;
    private final List<String> counterparties;
    private final String feed;
    private final long checkEveryMs;
    private final Set<LocalDate> opened;
    private final List<FetchSplit> pending;
    private int nextReader;

    ContinuousEnumerator(SplitEnumeratorContext<FetchSplit> context, ContinuousSchedule schedule,
                         @Nullable InternalFolderDates folders, String feed, List<String> counterparties,
                         long checkEveryMs, EnumeratorCheckpoint restored) {
        this.context = context;
        this.schedule = schedule;
        this.folders = folders;
        this.feed = feed;
        this.counterparties = List.copyOf(counterparties);
        this.checkEveryMs = checkEveryMs;
        this.opened = new TreeSet<>(restored.opened());
        this.pending = new ArrayList<>(restored.pending());
    }

    @Override
    public void start() {
        context.callAsync(this::due, (dates, err) -> {
            if (err != null) {
                // A folder listing that failed is tried again at the next check; the calendar goes on.
                LOG.warn("Cannot list the internal folders to open business dates: {}", err.toString());
                return;
            }
            open(dates);
        }, 0, checkEveryMs);
    }

    /** Worker thread: the dates due now, calendar and folders. */
    Set<LocalDate> due() throws Exception {
        long now = schedule.clock().millis();
        Set<LocalDate> dates = new TreeSet<>(schedule.calendarDates(now));
        if (folders != null) {
            for (LocalDate d : folders.list()) {
                if (schedule.openable(d, now)) {
                    dates.add(d);
                }
            }
        }
        return dates;
    }

    /** Coordinator thread: opens the dates not opened yet, forgets closed ones, and assigns. */
    void open(Set<LocalDate> dates) {
        long now = schedule.clock().millis();
        opened.removeIf(d -> now >= schedule.closeAt(d));
        for (LocalDate d : dates) {
            if (opened.add(d)) {
                LOG.info("Business date {} opens", d);
                counterparties.forEach(cp -> pending.add(FetchSplit.of(BatchRequest.newBuilder()
                        .setCounterparty(cp).setFeed(feed).setBusinessDate(d.toString()).build())));
            }
        }
        assign();
    }

    private void assign() {
        List<Integer> readers = new ArrayList<>(new TreeSet<>(context.registeredReaders().keySet()));
        if (readers.isEmpty()) {
            return;
        }
        for (FetchSplit split : pending) {
            context.assignSplit(split, readers.get(nextReader++ % readers.size()));
        }
        pending.clear();
    }

    /** Readers do not ask in continuous mode: splits are handed out as their dates open. */
    @Override
    public void handleSplitRequest(int subtask, String host) {}

    @Override
    public void addSplitsBack(List<FetchSplit> splits, int subtask) {
        pending.addAll(splits);
    }

    @Override
    public void addReader(int subtask) {
        assign();
    }

    @Override
    public EnumeratorCheckpoint snapshotState(long checkpointId) {
        return new EnumeratorCheckpoint(new ArrayList<>(pending), new ArrayList<>(new LinkedHashSet<>(opened)));
    }

    @Override
    public void close() {}
}
