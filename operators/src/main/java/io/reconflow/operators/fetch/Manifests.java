package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchFailure;

/** A client's answer to a manifest request as the event the completeness check reads. */
final class Manifests {
    private Manifests() {}

    static BatchManifest of(BatchRequest request, ManifestResult result) {
        if (!result.ok()) {
            return failed(request, result.correlationId(), result.failure());
        }
        ManifestResult.Manifest m = result.manifest();
        return forRequest(request, result.correlationId())
                .setBatchId(m.batchId())
                .setRecordCount(m.recordCount())
                .setPageCount(m.pageCount())
                .setControlTotal(m.controlTotal())
                .setPublishedAt(m.publishedAt())
                .setFailure(null)
                .build();
    }

    static BatchManifest failed(BatchRequest request, String correlationId, FetchFailure failure) {
        return forRequest(request, correlationId).setFailure(failure).build();
    }

    private static BatchManifest.Builder forRequest(BatchRequest request, String correlationId) {
        return BatchManifest.newBuilder()
                .setCounterparty(request.getCounterparty())
                .setFeed(request.getFeed())
                .setBusinessDate(request.getBusinessDate())
                .setCorrelationId(correlationId == null ? "" : correlationId);
    }
}
