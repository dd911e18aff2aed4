package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Fetches the manifest of each requested batch. Always answers with exactly one BatchManifest:
 * a fetch that fails, times out or names an unknown counterparty yields one with {@code failure}
 * set, so that a counterparty's trouble becomes a reject rather than a job failure.
 */
public class FetchManifest extends RichAsyncFunction<BatchRequest, BatchManifest> {

    private static final long serialVersionUID = 1L;

    private final Map<String, CounterpartyEndpoint> endpoints;
    private final FetchSettings settings;
    private final TokenSource tokens;

    private transient CounterpartyClients clients;
    private transient InFlight<BatchManifest> inFlight;

    public FetchManifest(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings) {
        this(endpoints, settings, null);
    }

    /** For tests: tokens from {@code tokens} instead of the environment. */
    FetchManifest(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings, TokenSource tokens) {
        this.endpoints = new LinkedHashMap<>(endpoints);
        this.settings = settings;
        this.tokens = tokens;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        clients = CounterpartyClients.open(endpoints, settings, getRuntimeContext().getMetricGroup(), tokens);
        inFlight = new InFlight<>();
    }

    @Override
    public void close() throws Exception {
        if (clients != null) {
            clients.close();
        }
        if (inFlight != null) {
            inFlight.clear();
        }
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

    static FetchFailure failure(ErrorCode code, Integer httpStatus, String message, int attempts) {
        return FetchFailure.newBuilder()
                .setCode(code)
                .setHttpStatus(httpStatus)
                .setMessage(message)
                .setAttempts(attempts)
                .build();
    }
}
