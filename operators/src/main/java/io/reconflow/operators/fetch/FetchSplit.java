package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchSplitState;
import io.reconflow.events.PageRequest;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One (counterparty, feed, business date) batch of the counterparty source, with how far it got:
 * no manifest yet (it is fetched again after a restore), or the manifest emitted and the next page
 * to hand to the page fetch. Immutable: the reader keeps the cursor and snapshots new splits.
 */
public final class FetchSplit implements SourceSplit {

    private final BatchRequest batch;
    @Nullable private final BatchManifest manifest;
    private final int nextPage;

    public FetchSplit(BatchRequest batch, @Nullable BatchManifest manifest, int nextPage) {
        this.batch = Objects.requireNonNull(batch, "batch");
        this.manifest = manifest;
        this.nextPage = nextPage;
    }

    /** A batch whose manifest is still to be fetched. */
    public static FetchSplit of(BatchRequest batch) {
        return new FetchSplit(batch, null, 1);
    }

    @Override
    public String splitId() {
        return batch.getCounterparty() + "/" + batch.getFeed() + "/" + batch.getBusinessDate();
    }

    public BatchRequest batch() {
        return batch;
    }

    /** The manifest as emitted, or null while it is still to be fetched. */
    @Nullable
    public BatchManifest manifest() {
        return manifest;
    }

    /** The next page to emit, 1-based; the pages before it were emitted. */
    public int nextPage() {
        return nextPage;
    }

    /** Pages of the batch: 0 for a failed manifest or one not yet fetched. */
    public int pageCount() {
        return manifest == null || manifest.getFailure() != null || manifest.getPageCount() == null
                ? 0 : manifest.getPageCount();
    }

    /** True once the manifest and every page were emitted. */
    public boolean done() {
        return manifest != null && nextPage > pageCount();
    }

    /** The request of page {@link #nextPage()}. */
    PageRequest pageRequest() {
        return PageRequest.newBuilder()
                .setCounterparty(manifest.getCounterparty())
                .setFeed(manifest.getFeed())
                .setBusinessDate(manifest.getBusinessDate())
                .setBatchId(manifest.getBatchId())
                .setPage(nextPage)
                .setPageCount(pageCount())
                .build();
    }

    FetchSplit withManifest(BatchManifest emitted) {
        return new FetchSplit(batch, emitted, 1);
    }

    FetchSplit advanced() {
        return new FetchSplit(batch, manifest, nextPage + 1);
    }

    FetchSplitState toState() {
        return FetchSplitState.newBuilder().setBatch(batch).setManifest(manifest).setNextPage(nextPage).build();
    }

    static FetchSplit fromState(FetchSplitState state) {
        return new FetchSplit(state.getBatch(), state.getManifest(), state.getNextPage());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FetchSplit s && batch.equals(s.batch) && Objects.equals(manifest, s.manifest)
                && nextPage == s.nextPage;
    }

    @Override
    public int hashCode() {
        return Objects.hash(batch, manifest, nextPage);
    }

    @Override
    public String toString() {
        return splitId() + (manifest == null ? " (manifest to fetch)" : " page " + nextPage + " of " + pageCount());
    }
}
