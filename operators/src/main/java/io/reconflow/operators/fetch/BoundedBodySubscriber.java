package io.reconflow.operators.fetch;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;

/**
 * Collects a response body as the buffers arrive, counting bytes and stopping at a limit.
 *
 * <p>Non-blocking on purpose: a blocking {@code InputStream} read would hold one of the client's
 * few threads for as long as a slow server dribbles, while this subscriber only runs when data is
 * there, so a small pool never starves and the attempt deadline can stop it at any time.
 *
 * <p>With {@code tokenize}, each buffer is also checked by {@link JsonFraming} as it arrives, so a
 * body that stops being framed as one JSON object (a bracket that does not match, content after the
 * object) is given up at that byte (and the connection dropped) rather than read to the limit. Only
 * the framing is checked, never the values: a bad record is the validator's to reject alone, and no
 * parser limit (string length, nesting, number length) can fire before {@code limit}, so an
 * endless body always ends at the limit, as too large. The records are cut out of the kept bytes
 * afterwards, by {@link PageParser}, at the element ends the framing marked ({@link FramedElements}).
 */
final class BoundedBodySubscriber implements HttpResponse.BodySubscriber<BoundedBodySubscriber.Body> {

    /**
     * The bytes read; only the first {@code length} bytes of {@code bytes} are the body.
     *
     * @param elements where the framing saw the elements of the body's arrays end, or null
     */
    record Body(byte[] bytes, int length, boolean truncated, FramedElements elements) {
        Body(byte[] bytes, int length, boolean truncated) {
            this(bytes, length, truncated, null);
        }
    }

    /** The body stopped being JSON while it arrived; the attempt is retried like any unparseable body. */
    static final class MalformedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    /** The body is larger than the client accepts; the attempt fails without retry. */
    static final class TooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long limit;

        TooLargeException(long limit, String what) {
            super(what + " exceeded " + limit + " bytes");
            this.limit = limit;
        }
    }

    private final long limit;
    private final boolean failOnOverflow;
    private final long declaredLength;
    private final LongConsumer onBytes;
    private final CompletableFuture<Body> body = new CompletableFuture<>();

    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    private byte[] buffer;
    private int length;
    /** Checks the framing as it arrives; null when not asked for, or once given up. */
    private JsonFraming tokens;

    /**
     * @param limit most bytes kept
     * @param failOnOverflow fail when the body is longer than {@code limit}; otherwise keep its first
     *     {@code limit} bytes and stop reading (for error bodies, read only for their message)
     * @param declaredLength the Content-Length, or -1
     */
    BoundedBodySubscriber(long limit, boolean failOnOverflow, long declaredLength, LongConsumer onBytes) {
        this(limit, failOnOverflow, declaredLength, onBytes, false);
    }

    /** @param tokenize check, as the bytes arrive, that they are one JSON object (identity-encoded bodies only) */
    BoundedBodySubscriber(long limit, boolean failOnOverflow, long declaredLength, LongConsumer onBytes,
                          boolean tokenize) {
        if (tokenize) {
            // Marking where elements end lets the page parser slice records without reading them again.
            this.tokens = new JsonFraming(true);
        }
        this.limit = limit;
        this.failOnOverflow = failOnOverflow;
        this.declaredLength = declaredLength;
        this.onBytes = onBytes;
        // Start small even when a length is declared: a lying Content-Length must not allocate the limit.
        this.buffer = new byte[(int) Math.min(Math.min(limit, 1 << 20), declaredLength >= 0 ? declaredLength : 8192)];
    }

    @Override
    public CompletionStage<Body> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else if (failOnOverflow && declaredLength > limit) {
            // No point reading what will be thrown away.
            s.cancel();
            body.completeExceptionally(new TooLargeException(limit, "declared Content-Length " + declaredLength));
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            int n = b.remaining();
            onBytes.accept(n);
            long room = limit - length;
            if (n > room) {
                subscription.cancel();
                if (failOnOverflow) {
                    body.completeExceptionally(new TooLargeException(limit, "response body"));
                } else {
                    append(b, (int) room);
                    body.complete(new Body(buffer, length, true));
                }
                return;
            }
            append(b, n);
            if (!check(length - n, n)) {
                return;
            }
        }
    }

    /** Checks the {@code n} bytes just kept at {@code from}. False when they are not JSON, after failing the body. */
    private boolean check(int from, int n) {
        JsonFraming t = tokens;
        if (t == null) {
            return true;
        }
        try {
            t.feed(buffer, from, n);
            return true;
        } catch (JsonFraming.FramingException e) {
            subscription.cancel();
            tokens = null;
            body.completeExceptionally(new MalformedException(e.getMessage()));
            return false;
        }
    }

    @Override
    public void onError(Throwable t) {
        tokens = null;
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        // Whether it ended as a whole object is the full parser's to say, with its own message.
        JsonFraming t = tokens;
        tokens = null;
        body.complete(new Body(buffer, length, false, t == null ? null : t.index()));
    }

    /** Stops reading; the body then never completes normally. */
    void cancel(Throwable why) {
        cancelled = true;
        tokens = null;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        body.completeExceptionally(why);
    }

    private void append(ByteBuffer b, int n) {
        if (length + n > buffer.length) {
            // Doubling keeps copies amortised; never beyond the limit, which is what bounds memory.
            long grown = Math.max((long) buffer.length * 2, (long) length + n);
            buffer = Arrays.copyOf(buffer, (int) Math.min(grown, limit));
        }
        b.get(buffer, length, n);
        length += n;
    }
}
