package io.reconflow.operators.fetch;

import io.reconflow.events.FetchFailure;

/**
 * The answer to a manifest request: exactly one of {@code manifest} and {@code failure} is set.
 *
 * @param correlationId X-Request-Id of the answering attempt, or of the last attempt on failure
 * @param attempts attempts made, the first included
 */
public record ManifestResult(String correlationId, int attempts, Manifest manifest, FetchFailure failure) {

    /** The manifest as the counterparty published it; {@code controlTotal} is kept as its exact text. */
    public record Manifest(String feed, String businessDate, String batchId, long recordCount, int pageCount,
                           String controlTotal, String publishedAt) {}

    public boolean ok() {
        return failure == null;
    }
}
