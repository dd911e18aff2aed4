package io.reconflow.operators.fetch;

import io.reconflow.events.ErrorCode;

/**
 * A response body that is not what the contract promises. A body that does not parse is retried,
 * then given up with PAGE_UNPARSEABLE; one that parses but breaks a bound (a manifest's page_count
 * above fetch.max_pages, a control_total that is no DECIMAL(38,18)) says the same on every
 * attempt, so it fails at once with its own code.
 */
public final class UnparseableBodyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean retryable;

    public UnparseableBodyException(String message) {
        this(message, null);
    }

    public UnparseableBodyException(String message, Throwable cause) {
        this(message, cause, ErrorCode.PAGE_UNPARSEABLE, true);
    }

    private UnparseableBodyException(String message, Throwable cause, ErrorCode code, boolean retryable) {
        super(message, cause);
        this.code = code;
        this.retryable = retryable;
    }

    /** A manifest that parses but that the job will not act on: MANIFEST_INVALID, not retried. */
    static UnparseableBodyException invalidManifest(String message) {
        return new UnparseableBodyException(message, null, ErrorCode.MANIFEST_INVALID, false);
    }

    public ErrorCode code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
