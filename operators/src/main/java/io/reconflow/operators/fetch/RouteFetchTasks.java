package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
import io.reconflow.events.PageRequest;
import io.reconflow.events.Side;
import io.reconflow.operators.RejectCounters;
import io.reconflow.operators.Rejects;
import io.reconflow.operators.RunTotals;
import io.reconflow.operators.Tags;
import org.apache.flink.api.common.functions.OpenContext;
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
    private transient RejectCounters byCode;

    public RouteFetchTasks(String recon) {
        this.recon = recon;
    }

    @Override
    public void open(OpenContext openContext) {
        byCode = new RejectCounters(getRuntimeContext());
    }

    @Override
    public void processElement(FetchTask task, Context ctx, Collector<PageRequest> out) {
        if (task.getPage() != null) {
            getRuntimeContext().getLongCounter(RunTotals.PAGES_REQUESTED).add(1L);
            out.collect(task.getPage());
            return;
        }
        BatchManifest manifest = task.getManifest();
        ctx.output(Tags.MANIFESTS, manifest);
        getRuntimeContext().getLongCounter(RunTotals.BATCHES).add(1L);
        FetchFailure failure = manifest.getFailure();
        if (failure == null && manifest.getPageCount() != null) {
            getRuntimeContext().getLongCounter(RunTotals.PAGES_KNOWN).add((long) manifest.getPageCount());
        }
        if (failure != null) {
            byCode.inc(failure.getCode());
            Rejects.Origin origin = new Rejects.Origin(manifest.getFeed(), manifest.getBusinessDate(),
                    Side.COUNTERPARTY, manifest.getCounterparty(), null, null, null, manifest.getCorrelationId());
            ctx.output(Tags.REJECTS, Rejects.of(recon, origin, failure.getCode(), null, failure.getMessage(),
                    failure.getHttpStatus(), null, null));
        }
    }
}
