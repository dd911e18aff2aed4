package io.reconflow.operators.fetch;

import io.reconflow.events.FetchFailure;

/**
 * The answer to a page request: exactly one of {@code page} and {@code failure} is set.
 *
 * @param correlationId X-Request-Id of the answering attempt, or of the last attempt on failure
 * @param attempts attempts made, the first included
 */
public record PageResult(String correlationId, int attempts, PageParser.ParsedPage page, FetchFailure failure) {

    public boolean ok() {
        return failure == null;
    }
}
