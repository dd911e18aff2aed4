package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** Fetches a batch's manifest without blocking: the answer, or a FETCH_FAILED manifest, goes to a callback on the client's threads. */
final class ManifestFetch {
    private final CounterpartyClients clients;
    private final long timeoutMs;
    private final Set<CompletableFuture<?>> fetching = ConcurrentHashMap.newKeySet();

    /** @param timeoutMs a backstop above the clients' own deadline, never expected to fire */
    ManifestFetch(CounterpartyClients clients, long timeoutMs) {
        this.clients = clients;
        this.timeoutMs = timeoutMs;
    }

    void fetch(BatchRequest batch, Consumer<BatchManifest> done) {
        CounterpartyClient client = clients.get(batch.getCounterparty());
        if (client == null) {
            done.accept(Manifests.failed(batch, "", failure("unknown counterparty " + batch.getCounterparty(), 0)));
            return;
        }
        AtomicReference<String> lastRequestId = new AtomicReference<>("");
        AtomicInteger attempts = new AtomicInteger();
        long start = System.nanoTime();
        CompletableFuture<ManifestResult> call = client.manifest(batch.getFeed(), batch.getBusinessDate(), requestId -> {
            lastRequestId.set(requestId);
            attempts.incrementAndGet();
        });
        fetching.add(call);
        call.copy().orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((result, err) -> {
            fetching.remove(call);
            if (err == null) {
                done.accept(Manifests.of(batch, result));
            } else if (err instanceof TimeoutException) {
                call.cancel(true);
                done.accept(Manifests.failed(batch, lastRequestId.get(), failure(
                        "timed out after " + (System.nanoTime() - start) / 1_000_000 + " ms", attempts.get())));
            } else {
                done.accept(Manifests.failed(batch, lastRequestId.get(), failure(
                        "fetch failed unexpectedly: " + err, Math.max(1, attempts.get()))));
            }
        });
    }

    private static FetchFailure failure(String message, int attempts) {
        return FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED).setHttpStatus(null)
                .setMessage(message).setAttempts(attempts).build();
    }

    void close() {
        fetching.forEach(f -> f.cancel(true));
        fetching.clear();
    }
}
