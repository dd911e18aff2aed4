package io.reconflow.operators.fetch;

/**
 * What the client reports for metrics. Called from HTTP and scheduler threads, concurrently:
 * implementations must be thread-safe. Kept free of Flink types so the client can be tested
 * without a runtime.
 */
public interface FetchListener {

    /** Each HTTP attempt sent, retries included. */
    void requestSent();

    /** Each attempt that is a retry of an earlier one. */
    void retried();

    /** Each request that finally failed, after all its attempts. */
    void failed();

    /** Response body bytes as received on the wire (before gzip decoding). */
    void bytesReceived(long bytes);

    /**
     * An attempt that got a status line, whatever became of its body.
     *
     * @param latencyNanos from sending to the end of the attempt
     */
    default void answered(int status, long latencyNanos) {}

    /** An attempt that got no status line: refused, reset, timed out, cancelled. */
    default void unanswered(long latencyNanos) {}

    /** A 429 Too Many Requests. */
    default void throttled() {}

    /** A 401 or 403: the token is missing, wrong or lacks access. */
    default void authRejected(int status) {}

    FetchListener NONE = new FetchListener() {
        @Override
        public void requestSent() {}

        @Override
        public void retried() {}

        @Override
        public void failed() {}

        @Override
        public void bytesReceived(long bytes) {}
    };
}
