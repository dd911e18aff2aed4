package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * Fetches the manifest of each requested batch. Always answers with exactly one BatchManifest:
 * a fetch that fails, times out or names an unknown counterparty yields one with {@code failure}
 * set, so that a counterparty's trouble becomes a reject rather than a job failure.
 */
public class FetchManifest extends CounterpartyFetchFunction<BatchRequest, BatchManifest> {

    private static final long serialVersionUID = 1L;

    public FetchManifest(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings) {
        this(endpoints, settings, null);
    }

    /** For tests: tokens from {@code tokens} instead of the environment. */
    FetchManifest(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings, TokenSource tokens) {
        super(endpoints, settings, tokens);
    }

    @Override
    public void asyncInvoke(BatchRequest request, ResultFuture<BatchManifest> resultFuture) {
        CounterpartyClient client = clients.get(request.getCounterparty());
        if (client == null) {
            resultFuture.complete(List.of(failed(request, "", failure(ErrorCode.FETCH_FAILED, null,
                    "unknown counterparty " + request.getCounterparty(), 0))));
            return;
        }
        inFlight.start(resultFuture,
                onAttempt -> client.manifest(request.getFeed(), request.getBusinessDate(), onAttempt),
                (result, r) -> List.of(toManifest(request, result)),
                (err, r) -> failed(request, r.lastRequestId(), failure(ErrorCode.FETCH_FAILED, null,
                        "fetch failed unexpectedly: " + err, Math.max(1, r.attempts()))));
    }

    @Override
    public void timeout(BatchRequest request, ResultFuture<BatchManifest> resultFuture) {
        inFlight.timeout(resultFuture, r -> failed(request, r == null ? "" : r.lastRequestId(),
                failure(ErrorCode.FETCH_FAILED, null, r == null
                        ? "timed out (async operator timeout)"
                        : "timed out after " + r.elapsedMillis() + " ms", r == null ? 0 : r.attempts())));
    }

    static BatchManifest toManifest(BatchRequest request, ManifestResult result) {
        if (!result.ok()) {
            return failed(request, result.correlationId(), result.failure());
        }
        ManifestResult.Manifest m = result.manifest();
        return BatchManifest.newBuilder()
                .setCounterparty(request.getCounterparty())
                .setFeed(request.getFeed())
                .setBusinessDate(request.getBusinessDate())
                .setCorrelationId(result.correlationId())
                .setBatchId(m.batchId())
                .setRecordCount(m.recordCount())
                .setPageCount(m.pageCount())
                .setControlTotal(m.controlTotal())
                .setPublishedAt(m.publishedAt())
                .setFailure(null)
                .build();
    }

    static BatchManifest failed(BatchRequest request, String correlationId, FetchFailure failure) {
        return BatchManifest.newBuilder()
                .setCounterparty(request.getCounterparty())
                .setFeed(request.getFeed())
                .setBusinessDate(request.getBusinessDate())
                .setCorrelationId(correlationId == null ? "" : correlationId)
                .setFailure(failure)
                .build();
    }
}
