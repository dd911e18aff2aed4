package io.reconflow.operators;

/**
 * Names of the accumulators the operators add for the run's summary (the job prints them at the
 * end of a run, e.g. a backfill); summed over subtasks and operators by Flink.
 */
public final class RunTotals {
    private RunTotals() {}

    /** Manifests read (batches), whether fetched or failed. */
    public static final String BATCHES = "batches";
    public static final String BATCHES_COMPLETE = "batches.complete";
    public static final String BATCHES_INCOMPLETE = "batches.incomplete";
    /** Pages of the manifests read. */
    public static final String PAGES_KNOWN = "pages.known";
    /** Page requests handed to the page fetch. */
    public static final String PAGES_REQUESTED = "pages.requested";
    /** Pages that became a FETCH_FAILED or PAGE_UNPARSEABLE reject. */
    public static final String PAGES_FAILED = "pages.failed";
    /** Records that passed validation, per side: {@code records.valid.COUNTERPARTY}. */
    public static final String RECORDS_VALID = "records.valid.";
    /** Records rejected by validation (not counting duplicate conflicts), per side. */
    public static final String RECORDS_REJECTED = "records.rejected.";
    /** Result rows per status: {@code results.MATCHED}. */
    public static final String RESULTS = "results.";
}
