package io.reconflow.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The truth the batches add up to: every expected key and reject, and the totals. */
final class TruthBook {
    final Map<Truth.KeyRef, Truth.ExpectedKey> truthKeys = new TreeMap<>();
    final List<Truth.ExpectedReject> truthRejects = new ArrayList<>();
    long served;
    long counterpartyValid;
    long counterpartyRejected;
    long duplicatesDropped;
    long internalWritten;
    long internalValid;
    long internalRejected;

    Truth truth() {
        Truth.Totals totals = new Truth.Totals(served, counterpartyValid, counterpartyRejected, duplicatesDropped,
                internalWritten, internalValid, internalRejected);
        return new Truth(truthKeys, truthRejects, totals);
    }
}
