package io.reconflow.operators.fetch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads response bodies within their limits: a 2xx body up to {@code fetch.max_body_bytes} (checked
 * as JSON while it arrives, when not compressed), an error body only for its message, and gzip
 * decoded under the same limit as the raw body.
 */
final class BodyReader {

    /** Error bodies are read only for their message. */
    static final int ERROR_BODY_LIMIT = 2048;
    // The largest array the JVM reliably allocates.
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final long bodyLimit;
    private final FetchListener listener;

    BodyReader(FetchSettings settings, FetchListener listener) {
        this.bodyLimit = Math.min(settings.maxBodyBytes(), MAX_ARRAY);
        this.listener = listener;
    }

    /** Thrown for a Content-Encoding the client did not ask for; the body cannot be read at all. */
    static final class UnsupportedEncodingError extends Exception {
        private static final long serialVersionUID = 1L;

        UnsupportedEncodingError(String encoding) {
            super("unsupported Content-Encoding " + encoding);
        }
    }

    /** The body subscriber of one attempt, which a deadline or a cancel may have to stop. */
    static final class Exchange {
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

    BoundedBodySubscriber subscriberFor(HttpResponse.ResponseInfo info) {
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

    BoundedBodySubscriber.Body decode(HttpHeaders headers, BoundedBodySubscriber.Body body)
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
}
