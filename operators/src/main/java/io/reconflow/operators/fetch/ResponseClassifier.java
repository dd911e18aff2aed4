package io.reconflow.operators.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.events.ErrorCode;
import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Decides what an answer (or the lack of one) means under counterparty-api.yaml: a value, a
 * transient fault worth another attempt (5xx, 429, I/O errors, a body cut short or not parsing),
 * or a final failure (401, 403, 404 and every other status, a body over the limit).
 */
final class ResponseClassifier {

    private static final int DETAIL_CHARS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Turns a complete, decoded 2xx body into the value asked for. */
    @FunctionalInterface
    interface BodyParser<T> {
        T parse(byte[] body, int length) throws UnparseableBodyException;

        /** The body with what was learnt while it arrived; a parser that can use it overrides this. */
        default T parse(BoundedBodySubscriber.Body body) throws UnparseableBodyException {
            return parse(body.bytes(), body.length());
        }
    }

    private final FetchSettings settings;
    private final CounterpartyAccess access;
    private final BodyReader bodies;

    ResponseClassifier(FetchSettings settings, CounterpartyAccess access, BodyReader bodies) {
        this.settings = settings;
        this.access = access;
        this.bodies = bodies;
    }

    /** @param remainingNanos what is left of the request's deadline */
    <T> Attempt<T> fromResponse(int n, String requestId, int status, HttpHeaders headers,
                                BoundedBodySubscriber.Body body, BodyParser<T> parser, long remainingNanos) {
        if (status >= 200 && status < 300) {
            try {
                BoundedBodySubscriber.Body decoded = bodies.decode(headers, body);
                return Attempt.ok(n, requestId, status, parser.parse(decoded));
            } catch (UnparseableBodyException e) {
                if (!e.retryable()) {
                    return Attempt.fail(n, requestId, status, e.code(), "HTTP " + status + " " + access.scrub(e.getMessage()));
                }
                return Attempt.retry(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE,
                        "HTTP " + status + " body does not parse: " + access.scrub(e.getMessage()), null);
            } catch (BoundedBodySubscriber.TooLargeException | BodyReader.UnsupportedEncodingError e) {
                return Attempt.fail(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE, e.getMessage());
            } catch (IOException e) {
                return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                        "HTTP " + status + " gzip body is corrupt or cut short: " + access.describe(e), null);
            }
        }
        String message = "HTTP " + status + errorDetail(headers, body);
        if (status == 429 || (status >= 500 && status <= 599)) {
            Duration retryAfter = retryAfter(headers);
            if (retryAfter != null && retryAfter.toNanos() > remainingNanos) {
                // Waiting would only run into the deadline: give up now, with the reason.
                return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, message + "; Retry-After of "
                        + retryAfter.toSeconds() + " s is beyond the request's deadline ("
                        + seconds(Duration.ofNanos(Math.max(0, remainingNanos))) + " left)");
            }
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED, message, retryAfter);
        }
        // 401, 403, 404 and every other answer: the contract says not to retry.
        return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, message);
    }

    /** @param status the status line of this attempt, if the failure came after it */
    <T> Attempt<T> fromError(int n, String requestId, Integer status, Throwable err, Duration timeout) {
        Throwable e = unwrap(err);
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof BoundedBodySubscriber.TooLargeException tooLarge) {
                return Attempt.fail(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE, tooLarge.getMessage());
            }
            if (c instanceof BoundedBodySubscriber.MalformedException malformed) {
                return Attempt.retry(n, requestId, status, ErrorCode.PAGE_UNPARSEABLE,
                        "HTTP " + status + " body does not parse (given up while it arrived): "
                                + access.scrub(malformed.getMessage()), null);
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED,
                    "connect timed out after " + millis(settings.connectTimeout()), null);
        }
        if (e instanceof HttpTimeoutException) {
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED, "no response within " + millis(timeout), null);
        }
        if (e instanceof IOException) {
            String what = status == null ? "I/O error: " : "I/O error reading the HTTP " + status + " body: ";
            return Attempt.retry(n, requestId, status, ErrorCode.FETCH_FAILED, what + access.describe(e), null);
        }
        if (e instanceof CancellationException) {
            return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, "cancelled");
        }
        return Attempt.fail(n, requestId, status, ErrorCode.FETCH_FAILED, "unexpected error: " + access.describe(e));
    }

    /** A 429 or 503's Retry-After, or null; read from the headers alone, before any body. */
    static Duration retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").map(v -> parseRetryAfter(v, Instant.now())).orElse(null);
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
            return " (" + access.scrub(detail.replaceAll("\\p{Cntrl}", " ")) + ")";
        } catch (IOException | RuntimeException e) {
            // A truncated or non-JSON error body says nothing we can use.
            return "";
        }
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
