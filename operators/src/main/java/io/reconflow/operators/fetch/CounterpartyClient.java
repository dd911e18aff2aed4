package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.ResponseClassifier.unwrap;

import dev.failsafe.BulkheadFullException;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Failsafe;
import dev.failsafe.RateLimitExceededException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.TimeoutExceededException;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.operators.fetch.Attempt.Verdict;
import io.reconflow.operators.fetch.ResponseClassifier.BodyParser;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks counterparty-api.yaml to one counterparty: GETs a manifest or a page, retrying what the
 * contract calls transient, and always answers with a value rather than an exceptional future.
 *
 * <p>A request is a Failsafe {@link RetryPolicy} (full-jitter backoff, at least any Retry-After;
 * never a retry of what the contract calls final, such as 401, 403 and 404) over attempts. Each
 * attempt waits in {@link Admission} (pause, Retry-After gate, open circuit), then goes through
 * {@link CounterpartyPolicies#guarded} (bulkheads, token bucket, circuit breaker, the attempt's
 * timeout) to {@link AttemptSender}, which sends it. The whole request, waits included, is bounded
 * by {@link FetchSettings#deadline()}.
 *
 * <p>The policies, the HTTP client and its threads are shared by every client of the same
 * counterparty in this JVM ({@link CounterpartyPolicies}). Not serializable: create it in
 * {@code open()}, close it in {@code close()}.
 */
public final class CounterpartyClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CounterpartyClient.class);

    private final CounterpartyEndpoint endpoint;
    private final FetchSettings settings;
    private final FetchListener listener;
    private final CounterpartyAccess access;
    private final CounterpartyPolicies policies;
    private final Admission admission;
    private final AttemptSender sender;
    private final Set<FetchCall<?>> active = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Reads the bearer token from the environment variable {@code endpoint.tokenEnv()}. */
    public CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings) {
        this(endpoint, settings, FetchListener.NONE);
    }

    /** Reads the bearer token from the environment variable {@code endpoint.tokenEnv()}. */
    public CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings, FetchListener listener) {
        this(endpoint, settings, listener, CounterpartyAccess.environmentToken(endpoint));
    }

    /**
     * For tests: the token comes from {@code tokenSource}, read once, here.
     *
     * @param settings used unless the endpoint has its own
     */
    CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings, FetchListener listener,
                       Supplier<String> tokenSource) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.settings = Objects.requireNonNull(endpoint.settings(settings), "settings");
        this.listener = listener == null ? FetchListener.NONE : listener;
        List<String> problems = this.settings.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("counterparty " + endpoint.name() + ": " + String.join("; ", problems));
        }
        this.access = new CounterpartyAccess(endpoint, tokenSource);
        this.policies = CounterpartyPolicies.acquire(endpoint.name(), access.base(), this.settings);
        this.admission = new Admission(policies, this.settings, this::end);
        this.sender = new AttemptSender(endpoint, this.settings, this.listener, access, policies, this::end);
    }

    public String counterparty() {
        return endpoint.name();
    }

    /** The settings in force for this counterparty. */
    public FetchSettings settings() {
        return settings;
    }

    /** The circuit breaker's state: 0 closed, 1 open, 2 half-open (shared by the JVM's clients of it). */
    public int circuitState() {
        return policies.circuitState();
    }

    /** HTTP requests to this counterparty in flight now, from every client of it in this JVM. */
    public int inFlight() {
        return policies.inFlight();
    }

    /** Times this counterparty's circuit opened since its policies were created in this JVM. */
    long timesCircuitOpened() {
        return policies.timesOpened();
    }

    public CompletableFuture<ManifestResult> manifest(String feed, String businessDate) {
        return manifest(feed, businessDate, null);
    }

    /**
     * @param onAttempt told the X-Request-Id of each attempt as it is sent (may be null); lets a
     *     caller that gives up early still name the last request
     */
    public CompletableFuture<ManifestResult> manifest(String feed, String businessDate, Consumer<String> onAttempt) {
        return execute(CounterpartyAccess.manifestPath(feed, businessDate),
                (body, length) -> ManifestParser.parse(body, length, feed, businessDate, settings.maxPages()), onAttempt,
                o -> new ManifestResult(o.requestId, o.attempts, o.value, o.failure));
    }

    public CompletableFuture<PageResult> page(String feed, String businessDate, int page) {
        return page(feed, businessDate, page, null);
    }

    /** @param onAttempt as for {@link #manifest(String, String, Consumer)} */
    public CompletableFuture<PageResult> page(String feed, String businessDate, int page, Consumer<String> onAttempt) {
        return execute(CounterpartyAccess.pagePath(feed, businessDate, page), PageParser.BODY, onAttempt,
                o -> new PageResult(o.requestId, o.attempts, o.value, o.failure));
    }

    /** Ends every request still under way with a failure and lets go of the shared policies. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (FetchCall<?> call : List.copyOf(active)) {
            end(call, "client is closed");
            if (call.run != null) {
                call.run.cancel(true);
            }
        }
        active.clear();
        policies.release();
    }

    @Override
    public String toString() {
        return "CounterpartyClient[" + endpoint.name() + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private record Outcome<T>(T value, String requestId, int attempts, FetchFailure failure) {}

    /**
     * Runs one request through its attempts. The returned future is the one the caller holds (no
     * dependent stage in between) so that cancelling it reaches the retries.
     */
    private <T, R> CompletableFuture<R> execute(String path, BodyParser<T> parser, Consumer<String> onAttempt,
                                                Function<Outcome<T>, R> shape) {
        FetchCall<T> call = new FetchCall<>(path, access.uri(path), System.nanoTime() + settings.deadline().toNanos());
        CompletableFuture<R> out = new CompletableFuture<>();
        if (closed.get()) {
            out.complete(shape.apply(giveUp(call, new IllegalStateException("client is closed"))));
            return out;
        }
        active.add(call);
        RetryPolicy<Attempt<T>> retries = RetryPolicy.<Attempt<T>>builder()
                .handleResultIf(a -> a.verdict() == Verdict.RETRY ? mayRetry(call)
                        : a.verdict() == Verdict.HELD && call.over == null && !closed.get())
                // The contract's final answers, whatever the classifier said: never asked again.
                .abortIf(a -> a != null && a.status() != null && Set.of(401, 403, 404).contains(a.status()))
                // Our attempts answer with values; an exception is a bug, not something to retry.
                .abortIf((a, e) -> e != null)
                // Counted by hand: held attempts and failed half-open probes do not use up attempts,
                // and the deadline bounds all.
                .withMaxAttempts(-1)
                .withDelayFn(ctx -> ctx.getLastResult() != null && ctx.getLastResult().verdict() == Verdict.HELD
                        ? Duration.ZERO : backoff(call))
                .build();
        CompletableFuture<Attempt<T>> run;
        try {
            admission.armDeadline(call);
            run = Failsafe.with(retries).with(policies.scheduler).getStageAsync(ctx -> attempt(call, parser, onAttempt, ctx));
        } catch (RuntimeException e) {
            active.remove(call);
            out.complete(shape.apply(giveUp(call, e)));
            return out;
        }
        call.run = run;
        run.whenComplete((a, err) -> {
            call.deadlineTimer.cancel(false);
            active.remove(call);
            out.complete(shape.apply(err != null || a == null ? giveUp(call, err) : finish(call, a)));
        });
        // A caller that stops waiting (the async operator's timeout) also stops the retries.
        out.whenComplete((o, err) -> {
            if (out.isCancelled()) {
                end(call, "cancelled");
                run.cancel(true);
            }
        });
        return out;
    }

    private boolean mayRetry(FetchCall<?> call) {
        return call.over == null && !closed.get() && call.charged.get() < settings.maxAttempts();
    }

    /** Full-jitter backoff after the latest failed attempt, never past the deadline. */
    private Duration backoff(FetchCall<?> call) {
        Duration d = Backoff.retryDelay(settings, Math.max(1, call.attempts.get()), call.lastRetryAfter,
                ThreadLocalRandom.current());
        long left = Math.max(0, call.remainingNanos());
        return d.toNanos() > left ? Duration.ofNanos(left) : d;
    }

    /** Ends the request: the attempt under way (waiting or in flight) completes with {@code why}. */
    private void end(FetchCall<?> call, String why) {
        if (call.over == null) {
            call.over = why;
        }
        completeOver(call);
        Runnable stop = call.stopExchange;
        if (stop != null) {
            stop.run();
        }
    }

    private <T> void completeOver(FetchCall<T> call) {
        CompletableFuture<Attempt<T>> current = call.current;
        if (current != null) {
            current.complete(AttemptSender.overAttempt(call));
        }
    }

    /** One attempt: admission, then the guarded way to the wire; it ends with a value, never an exception. */
    private <T> CompletableFuture<Attempt<T>> attempt(FetchCall<T> call, BodyParser<T> parser,
                                                      Consumer<String> onAttempt, ExecutionContext<Attempt<T>> ctx) {
        CompletableFuture<Attempt<T>> result = new CompletableFuture<>();
        call.current = result;
        if (closed.get() && call.over == null) {
            call.over = "client is closed";
        }
        if (call.over != null) {
            result.complete(AttemptSender.overAttempt(call));
        } else {
            ctx.onCancel(() -> end(call, "cancelled"));
            admission.admit(call, result, () -> dispatch(call, result, parser, onAttempt));
        }
        return result.thenApply(a -> {
            logAttempt(call, a);
            return a;
        });
    }

    @SuppressWarnings("unchecked")
    private <T> void dispatch(FetchCall<T> call, CompletableFuture<Attempt<T>> result, BodyParser<T> parser,
                              Consumer<String> onAttempt) {
        call.seenWake = policies.wakeSeq();
        policies.guarded.getStageAsync(ctx -> (CompletableFuture<Object>) (CompletableFuture<?>)
                        sender.send(call, result, parser, onAttempt))
                .whenComplete((value, err) -> {
                    // The breaker has recorded the outcome: attempts waiting for a probe may try.
                    policies.wakeParked();
                    if (err == null) {
                        result.complete((Attempt<T>) value);
                        return;
                    }
                    Throwable why = unwrap(err);
                    if (why instanceof TimeoutExceededException) {
                        // Failsafe fires async timeouts on its own scheduler: back onto ours.
                        policies.execute(() -> sender.timedOut(call).thenAccept(result::complete));
                    } else if (why instanceof CircuitBreakerOpenException || why instanceof CounterpartyPolicies.HeldBack) {
                        call.refusedByBreaker = why instanceof CircuitBreakerOpenException;
                        result.complete(Attempt.held(call.attempts.get(), call.lastRequestId, call.lastStatus));
                    } else {
                        String problem = why instanceof RateLimitExceededException
                                ? "the rate limit would not let it go before its deadline"
                                : why instanceof BulkheadFullException
                                        ? "no place among the requests in flight before its deadline"
                                        : "could not be sent: " + access.describe(why);
                        result.complete(Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus,
                                ErrorCode.FETCH_FAILED, problem));
                    }
                });
    }

    private <T> Outcome<T> finish(FetchCall<T> call, Attempt<T> last) {
        if (last.verdict() == Verdict.OK) {
            return new Outcome<>(last.value(), last.requestId(), last.number(), null);
        }
        // A retryable answer that came as the request ended (its deadline fired while the answer was
        // being classified, so no retry followed): the end is the reason, the answer its last attempt.
        String message = last.verdict() == Verdict.RETRY && call.over != null
                ? call.over + "; last attempt (" + last.number() + "): " + last.message()
                : last.verdict() == Verdict.RETRY
                ? "gave up after " + last.number() + " attempts: " + last.message()
                : last.verdict() == Verdict.HELD ? (call.over != null ? call.over : "client is closed")
                : last.message();
        listener.failed();
        LOG.warn("counterparty {} GET {} failed for good after {} attempt(s), last X-Request-Id {}: {}",
                endpoint.name(), call.path, last.number(), last.requestId(), access.scrub(message));
        Integer status = last.status() != null ? last.status() : call.lastStatus;
        FetchFailure failure = FetchFailure.newBuilder()
                .setCode(last.code() != null ? last.code() : ErrorCode.FETCH_FAILED)
                .setHttpStatus(status)
                .setMessage(access.scrub(message))
                .setAttempts(last.number())
                .build();
        return new Outcome<>(null, last.requestId(), last.number(), failure);
    }

    /** Failsafe itself failed (or the client was closed under it): answer with what is known. */
    private <T> Outcome<T> giveUp(FetchCall<T> call, Throwable err) {
        String message = closed.get() ? "client is closed"
                : call.over != null ? call.over : "request failed: " + access.describe(unwrap(err));
        listener.failed();
        LOG.warn("counterparty {} GET {} failed after {} attempt(s), last X-Request-Id {}: {}",
                endpoint.name(), call.path, call.attempts.get(), call.lastRequestId, access.scrub(message));
        FetchFailure failure = FetchFailure.newBuilder()
                .setCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(call.lastStatus)
                .setMessage(access.scrub(message))
                .setAttempts(call.attempts.get())
                .build();
        return new Outcome<>(null, call.lastRequestId, call.attempts.get(), failure);
    }

    private void logAttempt(FetchCall<?> call, Attempt<?> a) {
        if (a.verdict() == Verdict.HELD) {
            return;
        }
        if (a.verdict() == Verdict.OK) {
            LOG.debug("counterparty {} GET {} attempt {} -> {} X-Request-Id {}",
                    endpoint.name(), call.path, a.number(), a.status(), a.requestId());
            return;
        }
        boolean willRetry = a.verdict() == Verdict.RETRY && mayRetry(call);
        String status = a.status() == null ? "none" : a.status().toString();
        if (willRetry) {
            // Transient faults are part of the contract: worth a line, not an alarm.
            LOG.info("counterparty {} GET {} attempt {} ({} of {} counted) failed (status {}, X-Request-Id {}): {}; "
                            + "retrying", endpoint.name(), call.path, a.number(), call.charged.get(),
                    settings.maxAttempts(), status, a.requestId(), access.scrub(a.message()));
        } else {
            LOG.warn("counterparty {} GET {} attempt {} failed (status {}, X-Request-Id {}): {}; not retrying",
                    endpoint.name(), call.path, a.number(), status, a.requestId(), access.scrub(a.message()));
        }
    }
}
