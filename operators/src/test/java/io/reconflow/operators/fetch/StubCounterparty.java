package io.reconflow.operators.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A counterparty on 127.0.0.1 that answers each path from a script and records what it saw. As a
 * {@code @RegisterExtension} field it is started per test and closed after it.
 */
final class StubCounterparty implements AutoCloseable, AfterEachCallback {

    static {
        // Without it the JDK server waits for Nagle/delayed-ACK, about 40 ms per request.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** One request as the server saw it. */
    record Seen(String path, String requestId, String authorization, String accept, String acceptEncoding,
                long nanos) {}

    /**
     * Thrown by a responder to make the JDK server close the socket at once; its own handling of a
     * short fixed-length body keeps the connection open and would leave the client waiting.
     */
    static final class DropConnection extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stub-counterparty");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Deque<Responder>> scripts = new HashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    /** Released at close so that stalling responders end. */
    final CountDownLatch closing = new CountDownLatch(1);

    StubCounterparty() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A started stub, for a {@code @RegisterExtension} field (which cannot throw a checked exception). */
    static StubCounterparty started() {
        try {
            return new StubCounterparty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The one counterparty "acme" at this stub, as the fetch functions and the source take it. */
    Map<String, CounterpartyEndpoint> acme() {
        return Map.of("acme", new CounterpartyEndpoint("acme", baseUrl(), "ACME_TOKEN"));
    }

    /** Answers {@code path} with each responder in turn; the last one answers every request after. */
    synchronized StubCounterparty on(String path, Responder... responders) {
        scripts.put(path, new ArrayDeque<>(List.of(responders)));
        return this;
    }

    List<Seen> seen(String path) {
        List<Seen> out = new ArrayList<>();
        for (Seen s : seen) {
            if (s.path().equals(path)) {
                out.add(s);
            }
        }
        return out;
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void handle(HttpExchange ex) throws IOException {
        boolean drop = false;
        String path = ex.getRequestURI().getRawPath();
        var h = ex.getRequestHeaders();
        seen.add(new Seen(path, h.getFirst("X-Request-Id"), h.getFirst("Authorization"), h.getFirst("Accept"),
                h.getFirst("Accept-Encoding"), System.nanoTime()));
        Responder r;
        synchronized (this) {
            Deque<Responder> script = scripts.get(path);
            r = script == null ? null : script.size() > 1 ? script.poll() : script.peek();
        }
        try {
            if (r == null) {
                json(404, "{\"error\":\"not_found\",\"message\":\"no such path\"}").respond(ex);
            } else {
                r.respond(ex);
            }
        } catch (DropConnection e) {
            drop = true;
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client hung up on purpose in several tests.
        } finally {
            if (!drop) {
                ex.close();
            }
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    // ----- responders --------------------------------------------------------------------------

    static Responder json(int status, String body, String... headers) {
        return ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                ex.getResponseHeaders().set(headers[i], headers[i + 1]);
            }
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        };
    }

    static Responder status(int status, String... headers) {
        return json(status, "{\"error\":\"status_" + status + "\",\"message\":\"scripted\"}", headers);
    }

    static Responder gzip(String body) {
        return ex -> {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                gz.write(body.getBytes(StandardCharsets.UTF_8));
            }
            byte[] b = buf.toByteArray();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        };
    }

    /** Declares the whole body's length, writes half of it, then drops the connection. */
    static Responder cutShort(String body) {
        return ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            OutputStream os = ex.getResponseBody();
            os.write(b, 0, b.length / 2);
            os.flush();
            throw new DropConnection();
        };
    }

    /** A chunked body of {@code totalBytes} filler (or until the client hangs up). */
    static Responder endless(long totalBytes) {
        return ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try (OutputStream os = ex.getResponseBody()) {
                for (long sent = 0; sent < totalBytes; sent += chunk.length) {
                    os.write(chunk);
                }
            }
        };
    }

    /** Answers as {@code then} does, after {@code millis}. */
    static Responder after(long millis, Responder then) {
        return ex -> {
            TimeUnit.MILLISECONDS.sleep(millis);
            then.respond(ex);
        };
    }

    /** A chunked 200 that starts as a page, then turns into {@code totalBytes} of bytes that are not JSON. */
    static Responder startsLikeJsonThenGarbage(long totalBytes) {
        return ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) '@');
            try (OutputStream os = ex.getResponseBody()) {
                os.write("{\"batch_id\":\"B-1\",\"records\":[{\"a\":1},".getBytes(StandardCharsets.UTF_8));
                for (long sent = 0; sent < totalBytes; sent += chunk.length) {
                    os.write(chunk);
                }
            }
        };
    }

    /** Sends 200 headers, then stalls until the stub closes (a body that never finishes). */
    Responder stallBody() {
        return ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream os = ex.getResponseBody();
            os.write('{');
            os.flush();
            closing.await(30, TimeUnit.SECONDS);
        };
    }
}
