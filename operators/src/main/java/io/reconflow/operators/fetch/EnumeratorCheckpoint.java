package io.reconflow.operators.fetch;

import java.time.LocalDate;
import java.util.List;

/**
 * The counterparty source's enumerator checkpoint: the splits not yet assigned, and (continuous
 * mode) the business dates opened and not yet closed.
 */
public record EnumeratorCheckpoint(List<FetchSplit> pending, List<LocalDate> opened) {
    public EnumeratorCheckpoint {
        pending = List.copyOf(pending);
        opened = List.copyOf(opened);
    }
}
