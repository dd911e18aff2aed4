package io.reconflow.operators.fetch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * Hands out the batches of the counterparty source, one per split request, and tells a reader
 * there are no more once all are assigned (so a bounded run ends). Pure: no HTTP and no token on
 * the JobManager; the readers fetch the manifests.
 */
final class BatchEnumerator implements SplitEnumerator<FetchSplit, EnumeratorCheckpoint> {

    private final SplitEnumeratorContext<FetchSplit> context;
    private final Deque<FetchSplit> pending;
    /** Readers that asked before they were registered, served when they are. */
    private final Set<Integer> waiting = new LinkedHashSet<>();

    BatchEnumerator(SplitEnumeratorContext<FetchSplit> context, Collection<FetchSplit> pending) {
        this.context = context;
        this.pending = new ArrayDeque<>(pending);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtask, String host) {
        if (!context.registeredReaders().containsKey(subtask)) {
            waiting.add(subtask);
            return;
        }
        FetchSplit next = pending.poll();
        if (next != null) {
            context.assignSplit(next, subtask);
        } else {
            context.signalNoMoreSplits(subtask);
        }
    }

    @Override
    public void addSplitsBack(List<FetchSplit> splits, int subtask) {
        // A failed reader's splits as of the last checkpoint: they go to whoever asks next.
        splits.forEach(pending::addFirst);
    }

    @Override
    public void addReader(int subtask) {
        // Readers ask for splits themselves; one that asked too early is answered now.
        if (waiting.remove(subtask)) {
            handleSplitRequest(subtask, null);
        }
    }

    @Override
    public EnumeratorCheckpoint snapshotState(long checkpointId) {
        return new EnumeratorCheckpoint(new ArrayList<>(pending), List.of());
    }

    @Override
    public void close() {}
}
