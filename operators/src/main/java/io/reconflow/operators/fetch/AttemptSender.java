package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.ResponseClassifier.millis;
import static io.reconflow.operators.fetch.ResponseClassifier.seconds;

import io.reconflow.events.ErrorCode;
import io.reconflow.operators.fetch.ResponseClassifier.BodyParser;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one admitted attempt over the shared HTTP client and turns what comes back into an
 * {@link Attempt}, counting it (metrics, attempts charged, in flight) whichever way it ends: an
 * answer, an error, its timeout, or the request's end (deadline, cancel, close).
 */
final class AttemptSender {

    private static final Logger LOG = LoggerFactory.getLogger(CounterpartyClient.class);

    private final CounterpartyEndpoint endpoint;
    private final FetchSettings settings;
    private final FetchListener listener;
    private final CounterpartyAccess access;
    private final CounterpartyPolicies policies;
    private final BodyReader bodies;
    private final ResponseClassifier classifier;
    private final BiConsumer<FetchCall<?>, String> end;

    AttemptSender(CounterpartyEndpoint endpoint, FetchSettings settings, FetchListener listener,
                  CounterpartyAccess access, CounterpartyPolicies policies, BiConsumer<FetchCall<?>, String> end) {
        this.endpoint = endpoint;
        this.settings = settings;
        this.listener = listener;
        this.access = access;
        this.policies = policies;
        this.bodies = new BodyReader(settings, listener);
        this.classifier = new ResponseClassifier(settings, access, bodies);
        this.end = end;
    }

    /** The attempt that stands for a request ended early (deadline, cancel, close). */
    static <T> Attempt<T> overAttempt(FetchCall<T> call) {
        String problem = call.lastProblem;
        String message = call.over + (problem == null ? "" : "; last attempt: " + problem);
        return Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus, ErrorCode.FETCH_FAILED, message);
    }

    /**
     * Sends the attempt, past the bulkheads, the token bucket and the breaker. Fails with
     * {@link CounterpartyPolicies.HeldBack} when it must go back to admission instead (a Retry-After
     * or the pause arrived while it waited).
     */
    <T> CompletableFuture<Attempt<T>> send(FetchCall<T> call, CompletableFuture<Attempt<T>> result,
                                           BodyParser<T> parser, Consumer<String> onAttempt) {
        // The last look at the gate, atomically ordered against every 429 that closes it.
        long order = policies.claimSend();
        if (result.isDone() || order < 0 || policies.pause.paused()) {
            return CompletableFuture.failedFuture(new CounterpartyPolicies.HeldBack());
        }
        long left = call.remainingNanos();
        if (left <= 0) {
            end.accept(call, "no answer within the deadline of " + seconds(settings.deadline()));
            return CompletableFuture.failedFuture(new CounterpartyPolicies.HeldBack());
        }
        boolean probe = policies.isHalfOpen();
        int n = call.attempts.incrementAndGet();
        String requestId = UUID.randomUUID().toString();
        call.lastRequestId = requestId;
        listener.requestSent();
        if (n > 1) {
            listener.retried();
        }
        if (onAttempt != null) {
            onAttempt.accept(requestId);
        }
        LOG.debug("counterparty {} GET {} attempt {} sent (X-Request-Id {}, #{})", endpoint.name(), call.path, n,
                requestId, order);
        CompletableFuture<Attempt<T>> attempt = new CompletableFuture<>();
        // Counted here, apart from the stage Failsafe holds (which its Timeout may cancel first).
        CompletableFuture<Attempt<T>> counted = new CompletableFuture<>();
        BodyReader.Exchange exchange = new BodyReader.Exchange();
        call.sending = attempt;
        call.counted = counted;
        call.exchange = exchange;
        long sentAt = System.nanoTime();
        policies.sending();
        attempt.whenComplete((a, err) -> {
            policies.done();
            call.stopExchange = null;
            Attempt<T> outcome = a != null ? a : Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                    "unexpected error: " + access.describe(err));
            report(outcome, System.nanoTime() - sentAt);
            if (!(probe && !outcome.healthy())) {
                call.charged.incrementAndGet();
            }
            if (outcome.verdict() != Attempt.Verdict.OK) {
                call.lastProblem = outcome.message();
            }
            call.lastRetryAfter = outcome.retryAfter();
            counted.complete(outcome);
        });
        Duration timeout = Duration.ofNanos(Math.min(settings.requestTimeout().toNanos(), left));
        try {
            HttpRequest request = HttpRequest.newBuilder(call.uri)
                    .GET()
                    .timeout(timeout)
                    .header("X-Request-Id", requestId)
                    .header("Authorization", access.authorization())
                    .header("Accept", "application/json")
                    .header("Accept-Encoding", "gzip")
                    .build();
            CompletableFuture<HttpResponse<BoundedBodySubscriber.Body>> sent = policies.http.sendAsync(request, info -> {
                exchange.status = info.statusCode();
                call.lastStatus = info.statusCode();
                onStatus(call, requestId, info);
                BoundedBodySubscriber subscriber = exchange.attach(bodies.subscriberFor(info));
                // Decided as soon as the body is complete, on the client's executor (not inside the JDK's
                // delivery, which still holds the connection): the JDK's own completion of the response
                // comes after a further hop, on a new thread per response on <= 2 cores (README "Fetch
                // throughput"), which every answer would otherwise wait for.
                subscriber.getBody().thenAcceptAsync(body -> complete(attempt, n, requestId, () -> classifier.fromResponse(n,
                        requestId, info.statusCode(), info.headers(), body, parser, call.remainingNanos())),
                        policies.httpExecutor);
                return subscriber;
            });
            // Errors (and any answer not decided above) from the JDK's completion.
            sent.whenCompleteAsync((response, err) -> {
                try {
                    attempt.complete(response != null
                            ? classifier.fromResponse(n, requestId, response.statusCode(), response.headers(),
                                    response.body(), parser, call.remainingNanos())
                            : classifier.fromError(n, requestId, exchange.status, err, timeout));
                } catch (RuntimeException e) {
                    attempt.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                            "unexpected error: " + access.describe(e)));
                }
            }, policies.httpExecutor);
            // A deadline, a cancel or the attempt's timeout stops the exchange.
            call.stopExchange = () -> stop(attempt, AttemptSender.overAttempt(call), sent, exchange,
                    new CancellationException(call.over));
            if (call.over != null) {
                call.stopExchange.run();
            }
        } catch (RuntimeException e) {
            attempt.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                    "request could not be sent: " + access.describe(e)));
        }
        return counted.copy();
    }

    /**
     * The attempt's Timeout fired: HttpRequest.timeout stops counting once headers arrive, the
     * setting covers the whole body. Ends the exchange; completes with the attempt as counted.
     */
    <T> CompletableFuture<Attempt<T>> timedOut(FetchCall<T> call) {
        CompletableFuture<Attempt<T>> attempt = call.sending;
        BodyReader.Exchange exchange = call.exchange;
        Attempt<T> timedOut = Attempt.retry(call.attempts.get(), call.lastRequestId,
                exchange == null ? null : exchange.status, ErrorCode.FETCH_FAILED,
                "no complete answer within " + millis(settings.requestTimeout()), null);
        if (attempt == null) {
            return CompletableFuture.completedFuture(timedOut);
        }
        Runnable stop = call.stopExchange;
        if (attempt.complete(timedOut) && stop != null) {
            stop.run();
        }
        return call.counted;
    }

    private <T> void complete(CompletableFuture<Attempt<T>> attempt, int n, String requestId,
                              Supplier<Attempt<T>> decide) {
        if (attempt.isDone()) {
            return;
        }
        try {
            attempt.complete(decide.get());
        } catch (RuntimeException e) {
            attempt.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED, "unexpected error: " + access.describe(e)));
        }
    }

    private static <T> void stop(CompletableFuture<Attempt<T>> attempt, Attempt<T> as,
                                 CompletableFuture<?> sent, BodyReader.Exchange exchange, Throwable why) {
        attempt.complete(as);
        exchange.abort(why);
        // cancel(true) makes the JDK client abort the exchange and close its connection.
        sent.cancel(true);
    }

    /**
     * Runs as soon as the status line is in, before the body: a Retry-After closes the gate for
     * every request to the counterparty at once, not only when this attempt has been read.
     */
    private void onStatus(FetchCall<?> call, String requestId, HttpResponse.ResponseInfo info) {
        int status = info.statusCode();
        if (status == 429 || status == 503) {
            Duration retryAfter = ResponseClassifier.retryAfter(info.headers());
            if (retryAfter != null && !retryAfter.isZero()) {
                long order = policies.holdOff(System.nanoTime() + Math.min(retryAfter.toNanos(), Long.MAX_VALUE / 4));
                LOG.info("counterparty {} answered {} with Retry-After {} s on GET {} (X-Request-Id {}, #{}): "
                        + "no request to it before then", endpoint.name(), status, retryAfter.toSeconds(), call.path,
                        requestId, order);
            }
        }
    }

    private void report(Attempt<?> a, long latencyNanos) {
        Integer status = a.status();
        if (status == null) {
            listener.unanswered(latencyNanos);
            return;
        }
        listener.answered(status, latencyNanos);
        if (status == 429) {
            listener.throttled();
        } else if (status == 401 || status == 403) {
            listener.authRejected(status);
            if (policies.firstAuthFailure()) {
                // Loud and once: every request to this counterparty will fail the same way.
                LOG.error("counterparty {} refused our credentials (HTTP {}): check the bearer token in environment "
                        + "variable {}; every request to it fails until that is fixed", endpoint.name(), status,
                        endpoint.tokenEnv());
            }
        }
    }
}
