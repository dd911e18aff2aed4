package io.reconflow.operators.fetch;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;

/** The client's events as Flink counters under {@code counterparty.<name>}. */
final class FetchMetrics implements FetchListener {

    private final Counter requests;
    private final Counter retries;
    private final Counter failures;
    private final Counter bytesReceived;

    private FetchMetrics(MetricGroup group) {
        // Thread-safe counters: the client reports from its HTTP threads, never the task thread.
        this.requests = group.counter("requests", new ThreadSafeSimpleCounter());
        this.retries = group.counter("retries", new ThreadSafeSimpleCounter());
        this.failures = group.counter("failures", new ThreadSafeSimpleCounter());
        this.bytesReceived = group.counter("bytesReceived", new ThreadSafeSimpleCounter());
    }

    static FetchMetrics register(MetricGroup operatorGroup, String counterparty) {
        return new FetchMetrics(operatorGroup.addGroup("counterparty", counterparty));
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
}
