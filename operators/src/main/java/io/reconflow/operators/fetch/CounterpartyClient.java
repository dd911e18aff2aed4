package io.reconflow.operators.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.BulkheadFullException;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Failsafe;
import dev.failsafe.RateLimitExceededException;
import dev.failsafe.RetryPolicy;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks counterparty-api.yaml to one counterparty: GETs a manifest or a page, retrying what the
 * contract calls transient, and always answers with a value rather than an exceptional future.
 *
 * <p>Each attempt is admitted in this order, every wait on a scheduler and none on the caller's
 * thread: the counterparty's Retry-After gate, its circuit breaker (open: wait for the probe
 * time; half-open: wait for a free probe), then its bulkhead (requests in flight) and token bucket
 * through Failsafe's async executor, then one last look at the gate and the breaker before sending.
 * Retries are a Failsafe {@link RetryPolicy} with full-jitter backoff. The whole request, waits
 * included, is bounded by {@link FetchSettings#deadline()}.
 *
 * <p>The policies, the HTTP client and its threads are shared by every client of the same
 * counterparty in this JVM ({@link CounterpartyPolicies}). Not serializable: create it in
 * {@code open()}, close it in {@code close()}.
 */
public final class CounterpartyClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CounterpartyClient.class);

    /** Error bodies are read only for their message. */
    private static final int ERROR_BODY_LIMIT = 2048;
    private static final int DETAIL_CHARS = 200;
    // The largest array the JVM reliably allocates.
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CounterpartyEndpoint endpoint;
    private final FetchSettings settings;
    private final FetchListener listener;
    private final String token;
    private final String authorization;
    private final String base;
    private final long bodyLimit;
    private final CounterpartyPolicies policies;
    private final Set<Call<?>> active = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Reads the bearer token from the environment variable {@code endpoint.tokenEnv()}. */
    public CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings) {
        this(endpoint, settings, FetchListener.NONE);
    }

    /** Reads the bearer token from the environment variable {@code endpoint.tokenEnv()}. */
    public CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings, FetchListener listener) {
        this(endpoint, settings, listener, environmentToken(endpoint));
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
        validate(endpoint, this.settings);
        this.base = baseUrl(endpoint);
        this.token = checkedToken(endpoint, tokenSource.get());
        this.authorization = "Bearer " + token;
        this.bodyLimit = Math.min(this.settings.maxBodyBytes(), MAX_ARRAY);
        this.policies = CounterpartyPolicies.acquire(endpoint.name(), base, this.settings);
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
        String path = "/v1/feeds/" + segment(feed) + "/batches/" + segment(businessDate) + "/manifest";
        return execute(path, (body, length) -> ManifestParser.parse(body, length, feed, businessDate, settings.maxPages()), onAttempt,
                o -> new ManifestResult(o.requestId, o.attempts, o.value, o.failure));
    }

    public CompletableFuture<PageResult> page(String feed, String businessDate, int page) {
        return page(feed, businessDate, page, null);
    }

    /** @param onAttempt as for {@link #manifest(String, String, Consumer)} */
    public CompletableFuture<PageResult> page(String feed, String businessDate, int page, Consumer<String> onAttempt) {
        String path = "/v1/feeds/" + segment(feed) + "/batches/" + segment(businessDate) + "/pages/" + page;
        return execute(path, PageParser::parse, onAttempt,
                o -> new PageResult(o.requestId, o.attempts, o.value, o.failure));
    }

    /** Ends every request still under way with a failure and lets go of the shared policies. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Call<?> call : List.copyOf(active)) {
            end(call, "client is closed");
            Future<?> run = call.run;
            if (run != null) {
                run.cancel(true);
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

    @FunctionalInterface
    private interface BodyParser<T> {
        T parse(byte[] body, int length) throws UnparseableBodyException;
    }

    private enum Verdict { OK, RETRY, FAIL }

    /** What one attempt came to. */
    private record Attempt<T>(int number, String requestId, Integer status, T value, Verdict verdict,
                              ErrorCode code, String message, Duration retryAfter) {
        static <T> Attempt<T> ok(int number, String requestId, int status, T value) {
            return new Attempt<>(number, requestId, status, value, Verdict.OK, null, null, null);
        }

        static <T> Attempt<T> retry(int number, String requestId, Integer status, ErrorCode code, String message,
                                    Duration retryAfter) {
            return new Attempt<>(number, requestId, status, null, Verdict.RETRY, code, message, retryAfter);
        }

        static <T> Attempt<T> fail(int number, String requestId, Integer status, ErrorCode code, String message) {
            return new Attempt<>(number, requestId, status, null, Verdict.FAIL, code, message, null);
        }

        /**
         * Whether the counterparty answered as a healthy server would, for the circuit breaker: any
         * 4xx (429 included: throttling has its own gate), a 2xx, even one whose complete body does
         * not parse (a content problem, retried but not a sign of an outage), are; a 5xx, no
         * answer, or a 2xx body cut short are not.
         */
        boolean healthy() {
            if (verdict == Verdict.OK) {
                return true;
            }
            if (status == null || status >= 500) {
                return false;
            }
            return !(verdict == Verdict.RETRY && status < 300 && code != ErrorCode.PAGE_UNPARSEABLE);
        }
    }

    /** One request through all its attempts and waits. */
    private static final class Call<T> {
        final String path;
        final URI uri;
        final long startNanos = System.nanoTime();
        final long deadlineNanos;
        /** Attempts sent. */
        final AtomicInteger attempts = new AtomicInteger();
        /** Attempts counted against max_attempts: all but failed half-open probes. */
        final AtomicInteger charged = new AtomicInteger();
        volatile String lastRequestId = "";
        volatile Integer lastStatus;
        volatile String lastProblem;
        volatile Duration lastRetryAfter;
        /** Why the request is over before its attempts are (deadline, cancel, close); null while it runs. */
        volatile String over;
        /** The attempt under way (waiting or sending); completing it ends the attempt. */
        volatile CompletableFuture<Attempt<T>> current;
        /** Stops the HTTP exchange in flight, if any. */
        volatile Runnable stopExchange;
        /** The circuit breaker permit held while waiting to send. */
        volatile CounterpartyPolicies.Permit permit;
        volatile Future<?> run;

        Call(String path, URI uri, long deadlineNanos) {
            this.path = path;
            this.uri = uri;
            this.deadlineNanos = deadlineNanos;
        }

        long remainingNanos() {
            return deadlineNanos - System.nanoTime();
        }
    }

    private record Outcome<T>(T value, String requestId, int attempts, FetchFailure failure) {}

    /** The body subscriber of one attempt, which a deadline or a cancel may have to stop. */
    private static final class Exchange {
        private BoundedBodySubscriber subscriber;
        private Throwable aborted;
        /** Known once headers arrive, even if the body then fails. */
        volatile Integer status;

        synchronized BoundedBodySubscriber attach(BoundedBodySubscriber s) {
            subscriber = s;
            if (aborted != null) {
                s.cancel(aborted);
            }
            return s;
        }

        synchronized void abort(Throwable why) {
            aborted = why;
            if (subscriber != null) {
                subscriber.cancel(why);
            }
        }
    }

    /**
     * Runs one request through its attempts. The returned future is the one the caller holds (no
     * dependent stage in between) so that cancelling it reaches the retries.
     */
    private <T, R> CompletableFuture<R> execute(String path, BodyParser<T> parser, Consumer<String> onAttempt,
                                                Function<Outcome<T>, R> shape) {
        Call<T> call = new Call<>(path, URI.create(base + path), System.nanoTime() + settings.deadline().toNanos());
        CompletableFuture<R> out = new CompletableFuture<>();
        if (closed.get()) {
            out.complete(shape.apply(giveUp(call, new IllegalStateException("client is closed"))));
            return out;
        }
        active.add(call);
        RetryPolicy<Attempt<T>> policy = RetryPolicy.<Attempt<T>>builder()
                .handleResultIf(a -> a.verdict() == Verdict.RETRY && mayRetry(call))
                // Our attempts answer with values; an exception is a bug, not something to retry.
                .abortIf((a, e) -> e != null)
                // Counted by hand: failed half-open probes do not use up attempts, and the deadline bounds all.
                .withMaxAttempts(-1)
                .withDelayFn(ctx -> backoff(call))
                .build();
        CompletableFuture<Attempt<T>> run;
        ScheduledFuture<?> deadline;
        try {
            deadline = policies.schedule(() -> end(call, "no answer within the deadline of "
                    + seconds(settings.deadline())), call.remainingNanos());
            run = Failsafe.with(policy).with(policies.scheduler).getStageAsync(ctx -> attempt(call, parser, onAttempt, ctx));
        } catch (RuntimeException e) {
            active.remove(call);
            out.complete(shape.apply(giveUp(call, e)));
            return out;
        }
        call.run = run;
        run.whenComplete((a, err) -> {
            deadline.cancel(false);
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

    private boolean mayRetry(Call<?> call) {
        return call.over == null && !closed.get() && call.charged.get() < settings.maxAttempts();
    }

    /** Full-jitter backoff after the latest failed attempt, never past the deadline. */
    private Duration backoff(Call<?> call) {
        Duration d = retryDelay(settings, Math.max(1, call.attempts.get()), call.lastRetryAfter,
                ThreadLocalRandom.current());
        long left = Math.max(0, call.remainingNanos());
        return d.toNanos() > left ? Duration.ofNanos(left) : d;
    }

    /** Ends the request: the attempt under way (waiting or in flight) completes with {@code why}. */
    private <T> void end(Call<T> call, String why) {
        if (call.over == null) {
            call.over = why;
        }
        CompletableFuture<Attempt<T>> current = call.current;
        if (current != null) {
            current.complete(overAttempt(call));
        }
        Runnable stop = call.stopExchange;
        if (stop != null) {
            stop.run();
        }
    }

    private <T> Attempt<T> overAttempt(Call<T> call) {
        String problem = call.lastProblem;
        String message = call.over + (problem == null ? "" : "; last attempt: " + problem);
        return Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus, ErrorCode.FETCH_FAILED, message);
    }

    private <T> CompletionStage<Attempt<T>> attempt(Call<T> call, BodyParser<T> parser, Consumer<String> onAttempt,
                                                    ExecutionContext<Attempt<T>> ctx) {
        CompletableFuture<Attempt<T>> result = new CompletableFuture<>();
        call.current = result;
        if (closed.get() && call.over == null) {
            call.over = "client is closed";
        }
        if (call.over != null) {
            result.complete(overAttempt(call));
        } else {
            ctx.onCancel(() -> end(call, "cancelled"));
            admit(call, result, parser, onAttempt);
        }
        return result.thenApply(a -> {
            logAttempt(call, a);
            return a;
        });
    }

    /**
     * Lets the attempt go when the counterparty may be asked: past its Retry-After, its circuit
     * letting it through, a place in its bulkhead and a token from its bucket. Every wait is a
     * timer or a queue; nothing blocks.
     */
    private <T> void admit(Call<T> call, CompletableFuture<Attempt<T>> result, BodyParser<T> parser,
                           Consumer<String> onAttempt) {
        try {
            if (result.isDone()) {
                releaseUnsent(call);
                return;
            }
            long now = System.nanoTime();
            long gate = policies.notBefore();
            if (gate - now > 0) {
                if (gate - call.deadlineNanos > 0) {
                    releaseUnsent(call);
                    result.complete(Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus,
                            ErrorCode.FETCH_FAILED, "the counterparty asked (Retry-After) for no requests during the next "
                                    + seconds(Duration.ofNanos(gate - now)) + ", beyond this request's deadline"
                                    + (call.lastProblem == null ? "" : "; last attempt: " + call.lastProblem)));
                    return;
                }
                policies.schedule(() -> admit(call, result, parser, onAttempt), gate - now);
                return;
            }
            if (call.permit == null) {
                long seen = policies.wakeSeq();
                CounterpartyPolicies.Permit permit = policies.tryAcquire();
                if (permit == null) {
                    long open = policies.remainingOpenNanos();
                    if (open > 0) {
                        // Open: wait (backpressure) for the probe time rather than fail; no attempt is used.
                        policies.schedule(() -> admit(call, result, parser, onAttempt),
                                Math.min(open, call.remainingNanos()) + 1_000_000L);
                    } else {
                        // Half-open and every probe taken: wait for a probe to come back.
                        policies.park(seen, () -> admit(call, result, parser, onAttempt));
                    }
                    return;
                }
                call.permit = permit;
            }
            // The bulkheads queue and the rate limiter schedules: Failsafe's async forms, no thread waits.
            // This counterparty's own place first, so that one slow counterparty queueing for it does
            // not hold places of the total that others could use.
            Failsafe.with(policies.bulkhead, policies.total, policies.rateLimiter).with(policies.scheduler)
                    .getStageAsync(() -> send(call, result, parser, onAttempt))
                    .whenComplete((handled, err) -> {
                        if (err != null) {
                            releaseUnsent(call);
                            Throwable why = unwrap(err);
                            String problem = why instanceof RateLimitExceededException
                                    ? "the rate limit would not let it go before its deadline"
                                    : why instanceof BulkheadFullException
                                            ? "no place among the requests in flight before its deadline"
                                            : "could not be sent: " + describe(why);
                            result.complete(Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus,
                                    ErrorCode.FETCH_FAILED, problem));
                        } else if (!handled) {
                            admit(call, result, parser, onAttempt);
                        }
                    });
        } catch (RuntimeException e) {
            // The scheduler refusing work after close(): answer rather than leave Failsafe waiting.
            releaseUnsent(call);
            result.complete(Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus,
                    ErrorCode.FETCH_FAILED, "request could not be sent: " + describe(e)));
        }
    }

    /**
     * A half-open probe permit that will not be used must still come back to the breaker, or the
     * breaker would wait for it forever; it is recorded as a failed probe. A closed-state permit
     * costs nothing and is simply dropped.
     */
    private void releaseUnsent(Call<?> call) {
        CounterpartyPolicies.Permit p = call.permit;
        call.permit = null;
        if (p != null && p.probe()) {
            policies.record(p, false);
        }
    }

    /**
     * Sends the attempt, holding a bulkhead place until it ends. Answers false when it must go back
     * to admission instead (a Retry-After or a change of the circuit arrived while it waited).
     */
    private <T> CompletableFuture<Boolean> send(Call<T> call, CompletableFuture<Attempt<T>> result,
                                                BodyParser<T> parser, Consumer<String> onAttempt) {
        if (result.isDone()) {
            releaseUnsent(call);
            return CompletableFuture.completedFuture(true);
        }
        // The last look at the gate, atomically ordered against every 429 that closes it.
        long order = policies.claimSend();
        if (order < 0) {
            return CompletableFuture.completedFuture(false);
        }
        CounterpartyPolicies.Permit permit = call.permit;
        call.permit = null;
        if (!policies.current(permit)) {
            // The circuit opened (or moved on) while this waited: its permit is void.
            return CompletableFuture.completedFuture(false);
        }
        long left = call.remainingNanos();
        if (left <= 0) {
            call.permit = permit;
            releaseUnsent(call);
            end(call, "no answer within the deadline of " + seconds(settings.deadline()));
            return CompletableFuture.completedFuture(true);
        }

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
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long sentAt = System.nanoTime();
        policies.sending();
        attempt.whenComplete((a, err) -> {
            policies.done();
            call.stopExchange = null;
            long latency = System.nanoTime() - sentAt;
            Attempt<T> outcome = a != null ? a : Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                    "unexpected error: " + describe(err));
            report(outcome, latency);
            boolean healthy = outcome.healthy();
            policies.record(permit, healthy);
            if (!(permit.probe() && !healthy)) {
                call.charged.incrementAndGet();
            }
            if (outcome.verdict() != Verdict.OK) {
                call.lastProblem = outcome.message();
            }
            call.lastRetryAfter = outcome.retryAfter();
            result.complete(outcome);
            done.complete(true);
        });
        Duration timeout = Duration.ofNanos(Math.min(settings.requestTimeout().toNanos(), left));
        try {
            HttpRequest request = HttpRequest.newBuilder(call.uri)
                    .GET()
                    .timeout(timeout)
                    .header("X-Request-Id", requestId)
                    .header("Authorization", authorization)
                    .header("Accept", "application/json")
                    .header("Accept-Encoding", "gzip")
                    .build();
            Exchange exchange = new Exchange();
            CompletableFuture<HttpResponse<BoundedBodySubscriber.Body>> sent =
                    policies.http.sendAsync(request, info -> {
                        exchange.status = info.statusCode();
                        call.lastStatus = info.statusCode();
                        onStatus(call, requestId, info);
                        return exchange.attach(subscriberFor(info));
                    });
            sent.whenCompleteAsync((response, err) -> {
                try {
                    attempt.complete(response != null
                            ? fromResponse(call, n, requestId, response, parser)
                            : fromError(n, requestId, exchange.status, err, timeout));
                } catch (RuntimeException e) {
                    attempt.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                            "unexpected error: " + describe(e)));
                }
            }, policies.httpExecutor);
            // A deadline or a cancel stops the exchange; the attempt then ends as the request did.
            call.stopExchange = () -> {
                if (attempt.complete(overAttempt(call))) {
                    stop(sent, exchange, new CancellationException(call.over));
                }
            };
            if (call.over != null) {
                call.stopExchange.run();
            }
            // HttpRequest.timeout stops counting once headers arrive; the setting covers the whole
            // body, so the attempt has its own timer as well.
            ScheduledFuture<?> timer = policies.schedule(() -> {
                String why = "no complete answer within " + millis(timeout);
                if (attempt.complete(Attempt.retry(n, requestId, exchange.status, ErrorCode.FETCH_FAILED, why, null))) {
                    stop(sent, exchange, new HttpTimeoutException(why));
                }
            }, timeout.toNanos());
            attempt.whenComplete((a, err) -> timer.cancel(false));
        } catch (RuntimeException e) {
            attempt.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                    "request could not be sent: " + describe(e)));
        }
        return done;
    }

    /**
     * Runs as soon as the status line is in, before the body: a Retry-After closes the gate for
     * every request to the counterparty at once, not only when this attempt has been read.
     */
    private void onStatus(Call<?> call, String requestId, HttpResponse.ResponseInfo info) {
        int status = info.statusCode();
        if (status == 429 || status == 503) {
            Duration retryAfter = info.headers().firstValue("Retry-After")
                    .map(v -> parseRetryAfter(v, Instant.now()))
                    .orElse(null);
            if (retryAfter != null && !retryAfter.isZero()) {
                long now = System.nanoTime();
                long order = policies.holdOff(now + Math.min(retryAfter.toNanos(), Long.MAX_VALUE / 4));
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

    private static void stop(CompletableFuture<?> sent, Exchange exchange, Throwable why) {
        exchange.abort(why);
        // cancel(true) makes the JDK client abort the exchange and close its connection.
        sent.cancel(true);
    }

    private BoundedBodySubscriber subscriberFor(HttpResponse.ResponseInfo info) {
        int status = info.statusCode();
        long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1L);
        if (status >= 200 && status < 300) {
            // Identity bodies are checked as JSON while they arrive; gzip ones once decoded.
            boolean identity = info.headers().firstValue("Content-Encoding")
                    .map(v -> v.isBlank() || v.trim().equalsIgnoreCase("identity")).orElse(true);
            return new BoundedBodySubscriber(bodyLimit, true, declared, listener::bytesReceived, identity);
        }
        return new BoundedBodySubscriber(ERROR_BODY_LIMIT, false, declared, listener::bytesReceived);
    }

    private <T> Attempt<T> fromResponse(Call<T> call, int n, String requestId,
                                        HttpResponse<BoundedBodySubscriber.Body> response, BodyParser<T> parser) {
        int status = response.statusCode();
        call.lastStatus = status;
        BoundedBodySubscriber.Body body = response.body();
        if (status >= 200 && status < 300) {
            try {
                BoundedBodySubscriber.Body decoded = decode(response.headers(), body);
                return Attempt.ok(n, requestId, status, parser.parse(decoded.bytes(), decoded.length()));
            } catch (UnparseableBodyException e) {
                if (!e.retryable()) {
                    return Attempt.fail(n, requestId, status, e.code(), "HTTP " + status + " " + scrub(e.getMessage()));
                }
                return Attempt.retry(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE,
                        "HTTP " + status + " body does not parse: " + scrub(e.getMessage()), null);
            } catch (BoundedBodySubscriber.TooLargeException e) {
                return Attempt.fail(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE, e.getMessage());
            } catch (UnsupportedEncodingError e) {
                return Attempt.fail(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE, e.getMessage());
            } catch (IOException e) {
                return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                        "HTTP " + status + " gzip body is corrupt or cut short: " + describe(e), null);
            }
        }
        String message = "HTTP " + status + errorDetail(response.headers(), body);
        if (status == 429 || (status >= 500 && status <= 599)) {
            Duration retryAfter = response.headers().firstValue("Retry-After")
                    .map(v -> parseRetryAfter(v, Instant.now()))
                    .orElse(null);
            if (retryAfter != null && retryAfter.toNanos() > call.remainingNanos()) {
                // Waiting would only run into the deadline: give up now, with the reason.
                return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, message + "; Retry-After of "
                        + retryAfter.toSeconds() + " s is beyond the request's deadline ("
                        + seconds(Duration.ofNanos(Math.max(0, call.remainingNanos()))) + " left)");
            }
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED, message, retryAfter);
        }
        // 401, 403, 404 and every other answer: the contract says not to retry.
        return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, message);
    }

    /** @param status the status line of this attempt, if the failure came after it */
    private <T> Attempt<T> fromError(int n, String requestId, Integer status, Throwable err, Duration timeout) {
        Throwable e = unwrap(err);
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof BoundedBodySubscriber.TooLargeException tooLarge) {
                return Attempt.fail(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE, tooLarge.getMessage());
            }
            if (c instanceof BoundedBodySubscriber.MalformedException malformed) {
                return Attempt.retry(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE,
                        "HTTP " + status + " body does not parse (given up while it arrived): "
                                + scrub(malformed.getMessage()), null);
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                    "connect timed out after " + millis(settings.connectTimeout()), null);
        }
        if (e instanceof HttpTimeoutException) {
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                    "no response within " + millis(timeout), null);
        }
        if (e instanceof IOException) {
            String what = status == null ? "I/O error: " : "I/O error reading the HTTP " + status + " body: ";
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED, what + describe(e), null);
        }
        if (e instanceof CancellationException) {
            return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, "cancelled");
        }
        return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, "unexpected error: " + describe(e));
    }

    private <T> Outcome<T> finish(Call<T> call, Attempt<T> last) {
        if (last.verdict() == Verdict.OK) {
            return new Outcome<>(last.value(), last.requestId(), last.number(), null);
        }
        String message = last.verdict() == Verdict.RETRY
                ? "gave up after " + last.number() + " attempts: " + last.message()
                : last.message();
        listener.failed();
        LOG.warn("counterparty {} GET {} failed for good after {} attempt(s), last X-Request-Id {}: {}",
                endpoint.name(), call.path, last.number(), last.requestId(), scrub(message));
        Integer status = last.status() != null ? last.status() : call.lastStatus;
        FetchFailure failure = FetchFailure.newBuilder()
                .setCode(last.code())
                .setHttpStatus(status)
                .setMessage(scrub(message))
                .setAttempts(last.number())
                .build();
        return new Outcome<>(null, last.requestId(), last.number(), failure);
    }

    /** Failsafe itself failed (or the client was closed under it): answer with what is known. */
    private <T> Outcome<T> giveUp(Call<T> call, Throwable err) {
        String message = closed.get() ? "client is closed"
                : call.over != null ? call.over : "request failed: " + describe(unwrap(err));
        listener.failed();
        LOG.warn("counterparty {} GET {} failed after {} attempt(s), last X-Request-Id {}: {}",
                endpoint.name(), call.path, call.attempts.get(), call.lastRequestId, scrub(message));
        FetchFailure failure = FetchFailure.newBuilder()
                .setCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(call.lastStatus)
                .setMessage(scrub(message))
                .setAttempts(call.attempts.get())
                .build();
        return new Outcome<>(null, call.lastRequestId, call.attempts.get(), failure);
    }

    private void logAttempt(Call<?> call, Attempt<?> a) {
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
                    settings.maxAttempts(), status, a.requestId(), scrub(a.message()));
        } else {
            LOG.warn("counterparty {} GET {} attempt {} failed (status {}, X-Request-Id {}): {}; not retrying",
                    endpoint.name(), call.path, a.number(), status, a.requestId(), scrub(a.message()));
        }
    }

    /** Thrown for a Content-Encoding the client did not ask for; the body cannot be read at all. */
    private static final class UnsupportedEncodingError extends Exception {
        private static final long serialVersionUID = 1L;

        UnsupportedEncodingError(String encoding) {
            super("unsupported Content-Encoding " + encoding);
        }
    }

    private BoundedBodySubscriber.Body decode(HttpHeaders headers, BoundedBodySubscriber.Body body)
            throws IOException, UnsupportedEncodingError {
        String encoding = headers.firstValue("Content-Encoding").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("");
        switch (encoding) {
            case "", "identity" -> {
                return body;
            }
            case "gzip", "x-gzip" -> {
                return gunzip(body);
            }
            default -> throw new UnsupportedEncodingError(encoding);
        }
    }

    /** Decodes with the same limit as the raw body: a small gzip can expand enormously. */
    private BoundedBodySubscriber.Body gunzip(BoundedBodySubscriber.Body body) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body.bytes(), 0, body.length()), 8192)) {
            byte[] out = new byte[(int) Math.min(bodyLimit, Math.max(8192L, body.length() * 4L))];
            int length = 0;
            while (true) {
                if (length == out.length) {
                    if (length >= bodyLimit) {
                        if (in.read() != -1) {
                            throw new BoundedBodySubscriber.TooLargeException(bodyLimit, "decoded response body");
                        }
                        break;
                    }
                    out = Arrays.copyOf(out, (int) Math.min(bodyLimit, (long) out.length * 2));
                }
                int r = in.read(out, length, out.length - length);
                if (r == -1) {
                    break;
                }
                length += r;
            }
            return new BoundedBodySubscriber.Body(out, length, false);
        }
    }

    /** The counterparty's own words from an error body ({@code {"error":…, "message":…}}), if any. */
    private String errorDetail(HttpHeaders headers, BoundedBodySubscriber.Body body) {
        if (body == null || body.length() == 0 || headers.firstValue("Content-Encoding").isPresent()) {
            return "";
        }
        try {
            JsonNode n = JSON.readTree(body.bytes(), 0, body.length());
            StringBuilder b = new StringBuilder();
            for (String field : new String[] {"error", "message"}) {
                JsonNode v = n == null ? null : n.get(field);
                if (v != null && v.isTextual() && !v.textValue().isBlank()) {
                    b.append(b.length() == 0 ? "" : ": ").append(v.textValue());
                }
            }
            if (b.length() == 0) {
                return "";
            }
            String detail = b.length() > DETAIL_CHARS ? b.substring(0, DETAIL_CHARS) + "…" : b.toString();
            return " (" + scrub(detail.replaceAll("\\p{Cntrl}", " ")) + ")";
        } catch (IOException | RuntimeException e) {
            // A truncated or non-JSON error body says nothing we can use.
            return "";
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Full-jitter exponential backoff: uniform in [0, min(max, initial·2^(n-1))] after the n-th
     * failed attempt, but never shorter than a Retry-After the server asked for.
     */
    static Duration retryDelay(FetchSettings s, int failedAttempt, Duration retryAfter, RandomGenerator random) {
        Duration ceiling = backoffCeiling(s, failedAttempt);
        Duration delay = Duration.ofNanos(random.nextLong(ceiling.toNanos() + 1));
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        return delay;
    }

    static Duration backoffCeiling(FetchSettings s, int failedAttempt) {
        Duration ceiling = s.backoffInitial();
        for (int i = 1; i < failedAttempt && ceiling.compareTo(s.backoffMax()) < 0; i++) {
            ceiling = ceiling.multipliedBy(2);
        }
        return ceiling.compareTo(s.backoffMax()) > 0 ? s.backoffMax() : ceiling;
    }

    /** Retry-After as delta-seconds or an HTTP-date; null when absent or unreadable. */
    static Duration parseRetryAfter(String value, Instant now) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                // Beyond a long: certainly beyond any budget.
                return Duration.ofSeconds(Long.MAX_VALUE);
            }
        }
        try {
            Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are). */
    static String segment(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    private String scrub(String s) {
        // Defence in depth: nothing we build contains the token, but server or JDK text might echo it.
        return s == null ? "" : s.replace(token, "<redacted>");
    }

    private String describe(Throwable e) {
        if (e == null) {
            return "unknown";
        }
        String m = e.getMessage();
        return scrub(e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private static void validate(CounterpartyEndpoint e, FetchSettings s) {
        List<String> problems = s.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("counterparty " + e.name() + ": " + String.join("; ", problems));
        }
    }

    private static String baseUrl(CounterpartyEndpoint e) {
        String url = e.baseUrl() == null ? "" : e.baseUrl().trim();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("counterparty " + e.name() + ": baseUrl is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("counterparty " + e.name()
                    + ": baseUrl must be an http(s) URL with a host and no query or fragment");
        }
        return url;
    }

    private static Supplier<String> environmentToken(CounterpartyEndpoint e) {
        return () -> {
            String variable = e.tokenEnv();
            if (variable == null || variable.isBlank()) {
                throw new IllegalStateException("counterparty " + e.name() + " has no token environment variable configured");
            }
            String value = System.getenv(variable);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException("environment variable " + variable
                        + " (bearer token of counterparty " + e.name() + ") is not set or empty");
            }
            return value;
        };
    }

    private static String checkedToken(CounterpartyEndpoint e, String raw) {
        String from = e.tokenEnv() == null ? "its token source" : e.tokenEnv();
        if (raw == null || raw.isBlank()) {
            throw new IllegalStateException("the bearer token of counterparty " + e.name() + " from " + from + " is empty");
        }
        String t = raw.trim();
        // Checked here so that the JDK's header validation, whose message might quote the value, never sees it.
        if (!t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalStateException("the bearer token of counterparty " + e.name() + " from " + from
                    + " contains characters not allowed in an HTTP header");
        }
        return t;
    }
}
