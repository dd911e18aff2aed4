package io.reconflow.operators.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
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
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 * <p>Each client owns its threads (an HTTP pool and a one-thread scheduler for retry delays and
 * attempt deadlines) so that one slow counterparty cannot starve another, and nothing here ever
 * runs on the common pool or blocks the caller. Not serializable: create it in {@code open()}.
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
    private final ThreadPoolExecutor httpExecutor;
    private final ScheduledThreadPoolExecutor scheduler;
    private final HttpClient http;
    private volatile boolean closed;

    /** Reads the bearer token from the environment variable {@code endpoint.tokenEnv()}. */
    public CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings) {
        this(endpoint, settings, FetchListener.NONE);
    }

    /** Reads the bearer token from the environment variable {@code endpoint.tokenEnv()}. */
    public CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings, FetchListener listener) {
        this(endpoint, settings, listener, environmentToken(endpoint));
    }

    /** For tests: the token comes from {@code tokenSource}, read once, here. */
    CounterpartyClient(CounterpartyEndpoint endpoint, FetchSettings settings, FetchListener listener,
                       Supplier<String> tokenSource) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = listener == null ? FetchListener.NONE : listener;
        validate(endpoint, settings);
        this.base = baseUrl(endpoint);
        this.token = checkedToken(endpoint, tokenSource.get());
        this.authorization = "Bearer " + token;
        this.bodyLimit = Math.min(settings.maxBodyBytes(), MAX_ARRAY);

        int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
        // Runs a task on the submitting thread once the pool is shut down, so that a future still
        // in flight at close() completes instead of hanging on a rejected continuation.
        this.httpExecutor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("reconflow-http-" + endpoint.name()), (task, pool) -> task.run());
        this.httpExecutor.allowCoreThreadTimeOut(true);
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("reconflow-retry-" + endpoint.name()));
        // Most attempt deadlines are cancelled; without this they would sit in the queue until due.
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.http = HttpClient.newBuilder()
                .executor(httpExecutor)
                .connectTimeout(settings.connectTimeout())
                // A redirect could carry the bearer token to another host; the contract has none.
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public String counterparty() {
        return endpoint.name();
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
        return execute(path, (body, length) -> ManifestParser.parse(body, length, feed, businessDate), onAttempt,
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

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
        try {
            // Java 21+ can stop the client's selector thread; on 17 it ends once the client is collected.
            HttpClient.class.getMethod("shutdownNow").invoke(http);
        } catch (ReflectiveOperationException e) {
            LOG.debug("HttpClient.shutdownNow not available", e);
        }
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
    }

    /** One request through all its attempts. */
    private static final class Call {
        final String path;
        final URI uri;
        final long startNanos = System.nanoTime();
        final AtomicInteger attempts = new AtomicInteger();
        volatile String lastRequestId = "";
        volatile Integer lastStatus;

        Call(String path, URI uri) {
            this.path = path;
            this.uri = uri;
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
        Call call = new Call(path, URI.create(base + path));
        CompletableFuture<R> out = new CompletableFuture<>();
        if (closed) {
            out.complete(shape.apply(giveUp(call, new IllegalStateException("client is closed"))));
            return out;
        }
        RetryPolicy<Attempt<T>> policy = RetryPolicy.<Attempt<T>>builder()
                .handleResultIf(a -> a.verdict() == Verdict.RETRY)
                .withMaxAttempts(settings.maxAttempts())
                .withDelayFn(ctx -> retryDelay(settings, ctx.getLastResult() == null ? 1 : ctx.getLastResult().number(),
                        ctx.getLastResult() == null ? null : ctx.getLastResult().retryAfter(),
                        ThreadLocalRandom.current()))
                .build();
        CompletableFuture<Attempt<T>> run;
        try {
            run = Failsafe.with(policy).with(scheduler).getStageAsync(ctx -> attempt(call, parser, onAttempt, ctx));
        } catch (RejectedExecutionException e) {
            out.complete(shape.apply(giveUp(call, e)));
            return out;
        }
        run.whenComplete((a, err) -> out.complete(shape.apply(err != null || a == null ? giveUp(call, err) : finish(call, a))));
        // A caller that stops waiting (the async operator's timeout) also stops the retries.
        out.whenComplete((o, err) -> {
            if (out.isCancelled()) {
                run.cancel(true);
            }
        });
        return out;
    }

    private <T> CompletionStage<Attempt<T>> attempt(Call call, BodyParser<T> parser, Consumer<String> onAttempt,
                                                    ExecutionContext<Attempt<T>> ctx) {
        int n = call.attempts.incrementAndGet();
        String requestId = UUID.randomUUID().toString();
        if (closed) {
            return CompletableFuture.completedFuture(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                    "client is closed"));
        }
        call.lastRequestId = requestId;
        listener.requestSent();
        if (n > 1) {
            listener.retried();
        }
        if (onAttempt != null) {
            onAttempt.accept(requestId);
        }
        CompletableFuture<Attempt<T>> result = new CompletableFuture<>();
        try {
            HttpRequest request = HttpRequest.newBuilder(call.uri)
                    .GET()
                    .timeout(settings.requestTimeout())
                    .header("X-Request-Id", requestId)
                    .header("Authorization", authorization)
                    .header("Accept", "application/json")
                    .header("Accept-Encoding", "gzip")
                    .build();
            Exchange exchange = new Exchange();
            CompletableFuture<HttpResponse<BoundedBodySubscriber.Body>> sent =
                    http.sendAsync(request, info -> {
                        exchange.status = info.statusCode();
                        call.lastStatus = info.statusCode();
                        return exchange.attach(subscriberFor(info));
                    });
            sent.whenCompleteAsync((response, err) -> {
                try {
                    result.complete(response != null
                            ? fromResponse(call, n, requestId, response, parser)
                            : fromError(n, requestId, exchange.status, err));
                } catch (RuntimeException e) {
                    result.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                            "unexpected error: " + describe(e)));
                }
            }, httpExecutor);
            // HttpRequest.timeout stops counting once headers arrive; the setting covers the whole
            // body, so the attempt has its own deadline as well.
            ScheduledFuture<?> deadline = scheduler.schedule(() -> {
                String why = "no complete answer within " + millis(settings.requestTimeout());
                if (result.complete(Attempt.retry(n, requestId, exchange.status, ErrorCode.FETCH_FAILED, why, null))) {
                    stop(sent, exchange, new HttpTimeoutException(why));
                }
            }, settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
            result.whenComplete((a, err) -> deadline.cancel(false));
            ctx.onCancel(() -> {
                result.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED, "cancelled"));
                stop(sent, exchange, new CancellationException("cancelled"));
            });
        } catch (RuntimeException e) {
            // Also the scheduler refusing work after close(): answer rather than leave Failsafe waiting.
            result.complete(Attempt.fail(n, requestId, null, ErrorCode.FETCH_FAILED,
                    "request could not be sent: " + describe(e)));
        }
        return result.thenApply(a -> {
            logAttempt(call, a);
            return a;
        });
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
            return new BoundedBodySubscriber(bodyLimit, true, declared, listener::bytesReceived);
        }
        return new BoundedBodySubscriber(ERROR_BODY_LIMIT, false, declared, listener::bytesReceived);
    }

    private <T> Attempt<T> fromResponse(Call call, int n, String requestId,
                                        HttpResponse<BoundedBodySubscriber.Body> response, BodyParser<T> parser) {
        int status = response.statusCode();
        call.lastStatus = status;
        BoundedBodySubscriber.Body body = response.body();
        if (status >= 200 && status < 300) {
            try {
                BoundedBodySubscriber.Body decoded = decode(response.headers(), body);
                return Attempt.ok(n, requestId, status, parser.parse(decoded.bytes(), decoded.length()));
            } catch (UnparseableBodyException e) {
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
            if (retryAfter != null) {
                Duration waited = Duration.ofNanos(System.nanoTime() - call.startNanos);
                // The async operator's timeout is sized on the retry budget: a longer wait would only
                // be cut by it, so give up now with the reason instead.
                if (waited.plus(retryAfter).compareTo(settings.retryBudget()) > 0) {
                    return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, message + "; Retry-After of "
                            + retryAfter.toSeconds() + " s is beyond the retry budget of "
                            + settings.retryBudget().toSeconds() + " s");
                }
            }
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED, message, retryAfter);
        }
        return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, message);
    }

    /** @param status the status line of this attempt, if the failure came after it */
    private <T> Attempt<T> fromError(int n, String requestId, Integer status, Throwable err) {
        Throwable e = unwrap(err);
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof BoundedBodySubscriber.TooLargeException tooLarge) {
                return Attempt.fail(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE, tooLarge.getMessage());
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                    "connect timed out after " + millis(settings.connectTimeout()), null);
        }
        if (e instanceof HttpTimeoutException) {
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                    "no response within " + millis(settings.requestTimeout()), null);
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

    private <T> Outcome<T> finish(Call call, Attempt<T> last) {
        if (last.verdict() == Verdict.OK) {
            return new Outcome<>(last.value(), last.requestId(), last.number(), null);
        }
        String message = last.verdict() == Verdict.RETRY
                ? "gave up after " + last.number() + " attempts: " + last.message()
                : last.message();
        listener.failed();
        LOG.warn("counterparty {} GET {} failed for good after {} attempt(s), last X-Request-Id {}: {}",
                endpoint.name(), call.path, last.number(), last.requestId(), message);
        FetchFailure failure = FetchFailure.newBuilder()
                .setCode(last.code())
                .setHttpStatus(call.lastStatus)
                .setMessage(scrub(message))
                .setAttempts(last.number())
                .build();
        return new Outcome<>(null, last.requestId(), last.number(), failure);
    }

    /** Failsafe itself failed (the client was closed under it): answer with what is known. */
    private <T> Outcome<T> giveUp(Call call, Throwable err) {
        String message = closed ? "client is closed" : "request failed: " + describe(unwrap(err));
        listener.failed();
        LOG.warn("counterparty {} GET {} failed after {} attempt(s), last X-Request-Id {}: {}",
                endpoint.name(), call.path, call.attempts.get(), call.lastRequestId, message);
        FetchFailure failure = FetchFailure.newBuilder()
                .setCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(call.lastStatus)
                .setMessage(scrub(message))
                .setAttempts(Math.max(1, call.attempts.get()))
                .build();
        return new Outcome<>(null, call.lastRequestId, Math.max(1, call.attempts.get()), failure);
    }

    private void logAttempt(Call call, Attempt<?> a) {
        if (a.verdict() == Verdict.OK) {
            LOG.debug("counterparty {} GET {} attempt {} -> {} X-Request-Id {}",
                    endpoint.name(), call.path, a.number(), a.status(), a.requestId());
            return;
        }
        boolean willRetry = a.verdict() == Verdict.RETRY && a.number() < settings.maxAttempts() && !closed;
        String status = a.status() == null ? "none" : a.status().toString();
        if (willRetry) {
            // Transient faults are part of the contract: worth a line, not an alarm.
            LOG.info("counterparty {} GET {} attempt {}/{} failed (status {}, X-Request-Id {}): {}; retrying",
                    endpoint.name(), call.path, a.number(), settings.maxAttempts(), status, a.requestId(),
                    scrub(a.message()));
        } else {
            LOG.warn("counterparty {} GET {} attempt {}/{} failed (status {}, X-Request-Id {}): {}; not retrying",
                    endpoint.name(), call.path, a.number(), settings.maxAttempts(), status, a.requestId(),
                    scrub(a.message()));
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

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void validate(CounterpartyEndpoint e, FetchSettings s) {
        String who = "counterparty " + e.name() + ": ";
        if (s.maxAttempts() < 1) {
            throw new IllegalArgumentException(who + "maxAttempts must be at least 1");
        }
        for (Duration d : new Duration[] {s.connectTimeout(), s.requestTimeout(), s.backoffInitial(), s.backoffMax()}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(who + "fetch durations must be set and not negative");
            }
        }
        if (s.connectTimeout().isZero() || s.requestTimeout().isZero()) {
            throw new IllegalArgumentException(who + "connect and request timeouts must be positive");
        }
        if (s.maxBodyBytes() <= 0) {
            throw new IllegalArgumentException(who + "maxBodyBytes must be positive");
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
