package io.reconflow.operators.fetch;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * Fetches one page and answers with one RawRecord per record on it, each the record's exact text;
 * or, when the page finally fails or times out, with exactly one RawRecord whose {@code failure}
 * is set (and {@code raw} empty), so that the page's loss is counted rather than silent.
 */
public class FetchPage extends CounterpartyFetchFunction<PageRequest, RawRecord> {

    private static final long serialVersionUID = 1L;

    public FetchPage(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings) {
        this(endpoints, settings, null);
    }

    /** For tests: tokens from {@code tokens} instead of the environment. */
    FetchPage(Map<String, CounterpartyEndpoint> endpoints, FetchSettings settings, TokenSource tokens) {
        super(endpoints, settings, tokens);
    }

    /** Per counterparty: pages answered whole, and pages that finally failed (against the source's pagesKnown). */
    private transient Map<String, Counter> pagesFetched;
    private transient Map<String, Counter> pagesFailed;

    @Override
    public void open(OpenContext openContext) throws Exception {
        super.open(openContext);
        pagesFetched = new HashMap<>();
        pagesFailed = new HashMap<>();
        for (String cp : endpointNames()) {
            MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("counterparty", cp);
            // Thread-safe: answers complete on the client's threads.
            pagesFetched.put(cp, group.counter("pagesFetched", new ThreadSafeSimpleCounter()));
            pagesFailed.put(cp, group.counter("pagesFailed", new ThreadSafeSimpleCounter()));
        }
    }

    @Override
    public void asyncInvoke(PageRequest request, ResultFuture<RawRecord> resultFuture) {
        CounterpartyClient client = clients.get(request.getCounterparty());
        if (client == null) {
            resultFuture.complete(List.of(failed(request, "", failure(ErrorCode.FETCH_FAILED, null,
                    "unknown counterparty " + request.getCounterparty(), 0))));
            return;
        }
        inFlight.start(resultFuture,
                onAttempt -> client.page(request.getFeed(), request.getBusinessDate(), request.getPage(), onAttempt),
                (result, r) -> {
                    (result.ok() ? pagesFetched : pagesFailed).get(request.getCounterparty()).inc();
                    return toRecords(request, result);
                },
                (err, r) -> failed(request, r.lastRequestId(), failure(ErrorCode.FETCH_FAILED, null,
                        "fetch failed unexpectedly: " + err, Math.max(1, r.attempts()))));
    }

    @Override
    public void timeout(PageRequest request, ResultFuture<RawRecord> resultFuture) {
        inFlight.timeout(resultFuture, r -> failed(request, r == null ? "" : r.lastRequestId(),
                failure(ErrorCode.FETCH_FAILED, null, r == null
                        ? "timed out (async operator timeout)"
                        : "timed out after " + r.elapsedMillis() + " ms", r == null ? 0 : r.attempts())));
    }

    /** The records of one page, or its one failure record. */
    static List<RawRecord> toRecords(PageRequest request, PageResult result) {
        if (!result.ok()) {
            return List.of(failed(request, result.correlationId(), result.failure()));
        }
        PageParser.ParsedPage page = result.page();
        String batchId = page.batchId() != null ? page.batchId() : request.getBatchId();
        List<RawRecord> out = new ArrayList<>(page.records().size());
        for (String raw : page.records()) {
            out.add(RawRecord.newBuilder()
                    .setSide(Side.COUNTERPARTY)
                    .setSource(request.getCounterparty())
                    .setFeed(request.getFeed())
                    .setBusinessDate(request.getBusinessDate())
                    .setBatchId(batchId)
                    .setPage(request.getPage())
                    .setLine(null)
                    .setCorrelationId(result.correlationId())
                    .setRaw(raw)
                    .setJson(null)
                    .setFailure(null)
                    .build());
        }
        return out;
    }

    static RawRecord failed(PageRequest request, String correlationId, FetchFailure failure) {
        return RawRecord.newBuilder()
                .setSide(Side.COUNTERPARTY)
                .setSource(request.getCounterparty())
                .setFeed(request.getFeed())
                .setBusinessDate(request.getBusinessDate())
                .setBatchId(request.getBatchId())
                .setPage(request.getPage())
                .setLine(null)
                .setCorrelationId(correlationId == null ? "" : correlationId)
                .setRaw("")
                .setJson(null)
                .setFailure(failure)
                .build();
    }
}
