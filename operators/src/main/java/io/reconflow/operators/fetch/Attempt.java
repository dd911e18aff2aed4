package io.reconflow.operators.fetch;

import io.reconflow.events.ErrorCode;
import java.time.Duration;

/**
 * What one attempt of a request came to.
 *
 * @param number the attempts sent so far, this one included
 * @param status the HTTP status, or null when no answer came
 * @param retryAfter the Retry-After the counterparty asked for, if any
 */
record Attempt<T>(int number, String requestId, Integer status, T value, Verdict verdict,
                  ErrorCode code, String message, Duration retryAfter) {

    enum Verdict {
        OK,
        /** Transient: worth another attempt. */
        RETRY,
        /** Final: the contract says not to retry, or the request is over. */
        FAIL,
        /** Not sent: held back by the circuit, the Retry-After gate or the pause; goes back to admission. */
        HELD
    }

    static <T> Attempt<T> ok(int number, String requestId, int status, T value) {
        return new Attempt<>(number, requestId, status, value, Verdict.OK, null, null, null);
    }

    static <T> Attempt<T> retry(int number, String requestId, Integer status, ErrorCode code, String message,
                                Duration retryAfter) {
        return new Attempt<>(number, requestId, status, null, Verdict.RETRY, code, message, retryAfter);
    }

    static <T> Attempt<T> fail(int number, String requestId, Integer status, ErrorCode code, String message) {
        return new Attempt<>(number, requestId, status, null, Verdict.FAIL, code, message, null);
    }

    static <T> Attempt<T> held(int number, String requestId, Integer status) {
        return new Attempt<>(number, requestId, status, null, Verdict.HELD, null, null, null);
    }

    /**
     * Whether the counterparty answered as a healthy server would, for the circuit breaker: any
     * 4xx (429 included: throttling has its own gate), a 2xx, even one whose complete body does
     * not parse (a content problem, retried but not a sign of an outage), are; a 5xx, no answer,
     * or a 2xx body cut short are not.
     */
    boolean healthy() {
        if (verdict == Verdict.OK) {
            return true;
        }
        if (status == null || status >= 500) {
            return false;
        }
        return !(verdict == Verdict.RETRY && status < 300 && code != ErrorCode.PAGE_UNPARSEABLE);
    }
}
