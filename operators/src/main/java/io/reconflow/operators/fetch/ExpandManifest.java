package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.PageRequest;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.operators.Tags;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns a fetched manifest into its page requests. Every manifest also goes to
 * {@link Tags#MANIFESTS} for the completeness check; a failed one becomes a reject instead of pages.
 */
public class ExpandManifest extends ProcessFunction<BatchManifest, PageRequest> {

    private static final long serialVersionUID = 1L;

    private final String recon;

    public ExpandManifest(String recon) {
        this.recon = recon;
    }

    @Override
    public void processElement(BatchManifest manifest, Context ctx, Collector<PageRequest> out) {
        ctx.output(Tags.MANIFESTS, manifest);
        FetchFailure failure = manifest.getFailure();
        if (failure != null) {
            ctx.output(Tags.REJECTS, Reject.newBuilder()
                    .setRecon(recon)
                    .setFeed(manifest.getFeed())
                    .setBusinessDate(manifest.getBusinessDate())
                    .setSide(Side.COUNTERPARTY)
                    .setSource(manifest.getCounterparty())
                    .setBatchId(null)
                    .setPage(null)
                    .setLine(null)
                    .setCorrelationId(manifest.getCorrelationId())
                    .setErrorCode(failure.getCode())
                    .setField(null)
                    .setMessage(failure.getMessage())
                    .setHttpStatus(failure.getHttpStatus())
                    .setIdempotencyKey(null)
                    .setRaw(null)
                    .build());
            return;
        }
        int pages = manifest.getPageCount() == null ? 0 : manifest.getPageCount();
        for (int page = 1; page <= pages; page++) {
            out.collect(PageRequest.newBuilder()
                    .setCounterparty(manifest.getCounterparty())
                    .setFeed(manifest.getFeed())
                    .setBusinessDate(manifest.getBusinessDate())
                    .setBatchId(manifest.getBatchId())
                    .setPage(page)
                    .setPageCount(pages)
                    .build());
        }
    }
}
