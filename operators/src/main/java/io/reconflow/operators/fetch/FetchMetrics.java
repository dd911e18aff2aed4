package io.reconflow.operators.fetch;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The client's events as Flink metrics under {@code counterparty.<name>} of the fetch operator:
 *
 * <ul>
 *   <li>counters {@code requests} (attempts sent), {@code retries}, {@code failures} (requests that
 *       failed for good), {@code bytesReceived}, {@code responses2xx}/{@code 3xx}/{@code 4xx}/{@code 5xx},
 *       {@code unanswered} (no status line: refused, reset, timed out), {@code throttled} (429s),
 *       {@code authFailures} (401/403);
 *   <li>gauges {@code circuitState} (0 closed, 1 open, 2 half-open) and {@code inFlight} (HTTP
 *       requests in flight to the counterparty from this TaskManager);
 *   <li>histogram {@code latencyMs} of attempts, from sending to the end of the body.
 * </ul>
 */
final class FetchMetrics implements FetchListener {

    /** Latencies kept for the histogram's statistics. */
    static final int LATENCY_WINDOW = 1024;

    private final MetricGroup group;
    private final Counter requests;
    private final Counter retries;
    private final Counter failures;
    private final Counter bytesReceived;
    private final Counter[] byClass = new Counter[6];
    private final Counter unanswered;
    private final Counter throttled;
    private final Counter authFailures;
    private final Histogram latency;

    private FetchMetrics(MetricGroup group) {
        this.group = group;
        // Thread-safe counters: the client reports from its HTTP threads, never the task thread.
        this.requests = group.counter("requests", new ThreadSafeSimpleCounter());
        this.retries = group.counter("retries", new ThreadSafeSimpleCounter());
        this.failures = group.counter("failures", new ThreadSafeSimpleCounter());
        this.bytesReceived = group.counter("bytesReceived", new ThreadSafeSimpleCounter());
        for (int c = 2; c <= 5; c++) {
            byClass[c] = group.counter("responses" + c + "xx", new ThreadSafeSimpleCounter());
        }
        this.unanswered = group.counter("unanswered", new ThreadSafeSimpleCounter());
        this.throttled = group.counter("throttled", new ThreadSafeSimpleCounter());
        this.authFailures = group.counter("authFailures", new ThreadSafeSimpleCounter());
        this.latency = group.histogram("latencyMs", new Synchronized(new DescriptiveStatisticsHistogram(LATENCY_WINDOW)));
    }

    static FetchMetrics register(MetricGroup operatorGroup, String counterparty) {
        return new FetchMetrics(operatorGroup.addGroup("counterparty", counterparty));
    }

    /** Adds the gauges that read the client's shared state. */
    FetchMetrics watch(CounterpartyClient client) {
        group.gauge("circuitState", (Gauge<Integer>) client::circuitState);
        group.gauge("inFlight", (Gauge<Integer>) client::inFlight);
        return this;
    }

    @Override
    public void requestSent() {
        requests.inc();
    }

    @Override
    public void retried() {
        retries.inc();
    }

    @Override
    public void failed() {
        failures.inc();
    }

    @Override
    public void bytesReceived(long bytes) {
        bytesReceived.inc(bytes);
    }

    @Override
    public void answered(int status, long latencyNanos) {
        int c = status / 100;
        if (c >= 2 && c <= 5) {
            byClass[c].inc();
        }
        latency.update(latencyNanos / 1_000_000);
    }

    @Override
    public void unanswered(long latencyNanos) {
        unanswered.inc();
        latency.update(latencyNanos / 1_000_000);
    }

    @Override
    public void throttled() {
        throttled.inc();
    }

    @Override
    public void authRejected(int status) {
        authFailures.inc();
    }

    /** DescriptiveStatisticsHistogram is not thread-safe; HTTP threads update it concurrently. */
    private static final class Synchronized implements Histogram {
        private final Histogram delegate;

        Synchronized(Histogram delegate) {
            this.delegate = delegate;
        }

        @Override
        public synchronized void update(long value) {
            delegate.update(value);
        }

        @Override
        public synchronized long getCount() {
            return delegate.getCount();
        }

        @Override
        public synchronized HistogramStatistics getStatistics() {
            return delegate.getStatistics();
        }
    }
}
