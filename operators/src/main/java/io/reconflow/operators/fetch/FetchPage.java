package io.reconflow.operators.fetch;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.events.RecordDefect;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.Texts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    /** The emergency pause switch this job watches (README "Emergency pause"), or null for none. */
    private PauseFileWatcher.Settings pause;

    /** Per counterparty: pages answered whole, and pages that finally failed (against the source's pagesKnown). */
    private transient Map<String, Counter> pagesFetched;
    private transient Map<String, Counter> pagesFailed;
    private transient FetchProgress progress;
    private transient AutoCloseable pauseWatch;
    private transient FetchSlots slots;

    /** Watches {@code settings}' pause file while this function is open. */
    public FetchPage pausedBy(PauseFileWatcher.Settings settings) {
        this.pause = settings;
        return this;
    }

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
            PauseGate gate = PauseGate.of(cp);
            group.gauge("paused", () -> gate.paused() ? 1 : 0);
        }
        slots = FetchSlots.open(fetchSettings().capacity());
        inFlight.onComplete(slots::free);
        progress = new FetchProgress("subtask " + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), 10, TimeUnit.SECONDS);
        if (pause != null) {
            pauseWatch = PauseFileWatcher.watch(pause, endpointNames());
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (slots != null) {
                slots.close();
            }
            if (pauseWatch != null) {
                pauseWatch.close();
                pauseWatch = null;
            }
        } finally {
            super.close();
        }
    }

    @Override
    public void asyncInvoke(PageRequest request, ResultFuture<RawRecord> resultFuture) {
        CounterpartyClient client = clients.get(request.getCounterparty());
        if (client == null) {
            resultFuture.complete(List.of(failed(request, "", FetchFailures.unknownCounterparty(request.getCounterparty()))));
            return;
        }
        progress.requested(request);
        slots.take();
        inFlight.start(resultFuture,
                onAttempt -> client.page(request.getFeed(), request.getBusinessDate(), request.getPage(), onAttempt),
                (result, r) -> {
                    (result.ok() ? pagesFetched : pagesFailed).get(request.getCounterparty()).inc();
                    progress.answered(request, result.ok());
                    return toRecords(request, result);
                },
                (err, r) -> failed(request, r.lastRequestId(), FetchFailures.unexpected(err, r.attempts())));
    }

    @Override
    public void timeout(PageRequest request, ResultFuture<RawRecord> resultFuture) {
        InFlight.Request running = inFlight.request(resultFuture);
        if (running != null && PauseGate.of(request.getCounterparty()).pausedSince(running.startNanos())) {
            // Held by the emergency pause, whose time its deadline does not count: the client still
            // answers by that deadline (the async operator leaves an element it did not complete).
            return;
        }
        if (running != null) {
            progress.answered(request, false);
        }
        inFlight.timeout(resultFuture, r -> r == null
                ? failed(request, "", FetchFailures.fetchFailed("timed out (async operator timeout)", 0))
                : failed(request, r.lastRequestId(), FetchFailures.timedOut(r.elapsedMillis(), r.attempts())));
    }

    /**
     * The records of one page, or its one failure record. A page that is not the one asked for (its
     * {@code page} is not the URL's, its {@code batch_id} missing or not the manifest's) still
     * yields its records, each marked with a PAGE_MISMATCH defect and the manifest's batch id, so
     * that each is rejected and counted for the batch it was fetched for.
     */
    static List<RawRecord> toRecords(PageRequest request, PageResult result) {
        if (!result.ok()) {
            return List.of(failed(request, result.correlationId(), result.failure()));
        }
        PageParser.ParsedPage page = result.page();
        RecordDefect mismatch = mismatch(request, page);
        List<RawRecord> out = new ArrayList<>(page.records().size());
        String correlationId = result.correlationId() == null ? "" : result.correlationId();
        for (int i = 0; i < page.records().size(); i++) {
            String undecodable = page.undecodable().get(i);
            RecordDefect defect = mismatch != null ? mismatch
                    : undecodable == null ? null
                    : RecordDefect.newBuilder().setCode(ErrorCode.BAD_ENCODING).setMessage(undecodable).build();
            // The all-fields constructor: a builder copies and checks every field per record, and
            // pages carry hundreds of them.
            out.add(new RawRecord(Side.COUNTERPARTY, request.getCounterparty(), request.getFeed(),
                    request.getBusinessDate(), request.getBatchId(), request.getPage(), null, correlationId,
                    page.records().get(i), null, null, null, defect));
        }
        return out;
    }

    /** Why the page is not the one asked for, or null. */
    private static RecordDefect mismatch(PageRequest request, PageParser.ParsedPage page) {
        String why = null;
        if (page.page() == null || page.page().intValue() != request.getPage()) {
            why = "the page body says page " + page.page() + ", but page " + request.getPage() + " was asked for";
        } else if (page.batchId() == null) {
            why = "page " + request.getPage() + " has no batch_id; the manifest's is " + request.getBatchId();
        } else if (!page.batchId().equals(request.getBatchId())) {
            why = "page " + request.getPage() + " is of batch '" + Texts.abbreviate(page.batchId())
                    + "', not the manifest's " + request.getBatchId();
        }
        return why == null ? null : RecordDefect.newBuilder().setCode(ErrorCode.PAGE_MISMATCH).setMessage(why).build();
    }

    static RawRecord failed(PageRequest request, String correlationId, FetchFailure failure) {
        return onPage(request, correlationId).setRaw("").setFailure(failure).build();
    }

    /** A record of the requested page, all but its text, failure and defect set. */
    private static RawRecord.Builder onPage(PageRequest request, String correlationId) {
        return RawRecord.newBuilder()
                .setSide(Side.COUNTERPARTY)
                .setSource(request.getCounterparty())
                .setFeed(request.getFeed())
                .setBusinessDate(request.getBusinessDate())
                .setBatchId(request.getBatchId())
                .setPage(request.getPage())
                .setLine(null)
                .setCorrelationId(correlationId == null ? "" : correlationId)
                .setJson(null);
    }
}
