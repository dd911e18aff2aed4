package io.reconflow.operators.fetch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
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
            done.accept(Manifests.failed(batch, "", FetchFailures.unknownCounterparty(batch.getCounterparty())));
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
                done.accept(Manifests.failed(batch, lastRequestId.get(),
                        FetchFailures.timedOut((System.nanoTime() - start) / 1_000_000, attempts.get())));
            } else {
                done.accept(Manifests.failed(batch, lastRequestId.get(), FetchFailures.unexpected(err, attempts.get())));
            }
        });
    }

    void close() {
        fetching.forEach(f -> f.cancel(true));
        fetching.clear();
    }
}
