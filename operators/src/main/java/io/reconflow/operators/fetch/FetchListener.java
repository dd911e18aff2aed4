package io.reconflow.operators.fetch;

/**
 * What the client reports for metrics. Called from HTTP threads, concurrently: implementations
 * must be thread-safe. Kept free of Flink types so the client can be tested without a runtime.
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
