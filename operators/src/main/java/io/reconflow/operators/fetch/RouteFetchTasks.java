package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
import io.reconflow.events.PageRequest;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.operators.Tags;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Splits what the counterparty source emits: page requests go on to the page fetch (chained, so a
 * barrier waits for at most one free place in its queue); every manifest goes to {@link Tags#MANIFESTS}
 * for the completeness check, and a failed one also becomes a reject.
 */
public class RouteFetchTasks extends ProcessFunction<FetchTask, PageRequest> {

    private static final long serialVersionUID = 1L;

    private final String recon;

    public RouteFetchTasks(String recon) {
        this.recon = recon;
    }

    @Override
    public void processElement(FetchTask task, Context ctx, Collector<PageRequest> out) {
        if (task.getPage() != null) {
            out.collect(task.getPage());
            return;
        }
        BatchManifest manifest = task.getManifest();
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
        }
    }
}
