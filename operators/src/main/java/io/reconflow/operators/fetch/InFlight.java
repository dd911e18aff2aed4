package io.reconflow.operators.fetch;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests an async fetch function has under way, so that a timeout can still name the last
 * X-Request-Id and stop the retries. Whichever comes first of the client's answer and the
 * operator's timeout completes the ResultFuture (the operator ignores a second completion), and
 * whichever takes the request out of the map runs {@link #onComplete} for it: once.
 */
final class InFlight<OUT> {

    private static final Logger LOG = LoggerFactory.getLogger(InFlight.class);

    /** What is known of one request while it runs. */
    static final class Request {
        private final long startNanos = System.nanoTime();
        private final AtomicInteger attempts = new AtomicInteger();
        private volatile String lastRequestId = "";
        private volatile CompletableFuture<?> future;

        String lastRequestId() {
            return lastRequestId;
        }

        int attempts() {
            return attempts.get();
        }

        long startNanos() {
            return startNanos;
        }

        long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }
    }

    /** Runs once per request started, when its ResultFuture is completed (by the answer or the timeout). */
    private volatile Runnable onComplete = () -> { };

    void onComplete(Runnable r) {
        this.onComplete = r;
    }

    // Keyed by identity: the operator hands timeout() the very ResultFuture it gave asyncInvoke().
    private final Map<ResultFuture<OUT>, Request> requests = Collections.synchronizedMap(new IdentityHashMap<>());

    /**
     * @param call starts the request; it is told the X-Request-Id of each attempt
     * @param answer turns the client's answer into the function's outputs
     * @param broken the one output when the client failed in a way it should not (a bug)
     */
    <R> void start(ResultFuture<OUT> resultFuture, Function<Consumer<String>, CompletableFuture<R>> call,
                   BiFunction<R, Request, List<OUT>> answer, BiFunction<Throwable, Request, OUT> broken) {
        Request request = new Request();
        requests.put(resultFuture, request);
        CompletableFuture<R> future = call.apply(id -> {
            request.lastRequestId = id;
            request.attempts.incrementAndGet();
        });
        request.future = future;
        future.whenComplete((result, err) -> {
            List<OUT> out;
            try {
                out = err == null ? answer.apply(result, request) : List.of(broken.apply(err, request));
            } catch (RuntimeException e) {
                LOG.error("could not build the answer to a fetch", e);
                out = List.of(broken.apply(e, request));
            }
            try {
                resultFuture.complete(out);
            } finally {
                if (requests.remove(resultFuture, request)) {
                    onComplete.run();
                }
            }
        });
    }

    /** The request under way for {@code resultFuture}, or null. */
    Request request(ResultFuture<OUT> resultFuture) {
        return requests.get(resultFuture);
    }

    /** @param answer the output for a request that ran out of time; its Request is null if unknown */
    void timeout(ResultFuture<OUT> resultFuture, Function<Request, OUT> answer) {
        Request request = requests.remove(resultFuture);
        try {
            // First, so that the timeout's answer is the one the operator keeps.
            resultFuture.complete(List.of(answer.apply(request)));
        } finally {
            if (request != null) {
                CompletableFuture<?> f = request.future;
                if (f != null) {
                    f.cancel(true);
                }
                onComplete.run();
            }
        }
    }

    void clear() {
        requests.clear();
    }
}
