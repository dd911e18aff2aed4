package io.reconflow.operators.fetch;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;

/**
 * The FETCH_FAILED answers both fetch paths (manifest and page) give when the client could not
 * answer itself, worded once so that a reject reads the same whichever request failed.
 */
final class FetchFailures {
    private FetchFailures() {}

    /** The request names a counterparty with no configured endpoint: nothing was sent. */
    static FetchFailure unknownCounterparty(String counterparty) {
        return fetchFailed("unknown counterparty " + counterparty, 0);
    }

    /** The client's future failed with {@code err} rather than answering with a result. */
    static FetchFailure unexpected(Throwable err, int attempts) {
        return fetchFailed("fetch failed unexpectedly: " + err, Math.max(1, attempts));
    }

    /** The backstop timeout fired before the client's own deadline answered. */
    static FetchFailure timedOut(long elapsedMillis, int attempts) {
        return fetchFailed("timed out after " + elapsedMillis + " ms", attempts);
    }

    static FetchFailure fetchFailed(String message, int attempts) {
        return FetchFailure.newBuilder()
                .setCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(null)
                .setMessage(message)
                .setAttempts(attempts)
                .build();
    }
}
