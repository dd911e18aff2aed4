package io.reconflow.operators.fetch;

/** A response body that is not what the contract promises; the client retries it, then gives up with PAGE_UNPARSEABLE. */
public final class UnparseableBodyException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnparseableBodyException(String message) {
        super(message);
    }

    public UnparseableBodyException(String message, Throwable cause) {
        super(message, cause);
    }
}
