package io.reconflow.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One counterparty's HTTP endpoint, serving its batches of a {@link Scenario} exactly as {@code
 * counterparty-api.yaml} describes: {@code GET /v1/feeds/{feed}/batches/{business_date}/manifest}
 * and {@code .../pages/{page}}, bearer-token authentication, {@code X-Request-Id} echoed, JSON
 * bodies, 401/404 with the Error body, and switchable {@link Faults}. It listens on 127.0.0.1 only.
 *
 * <p>Counters let tests check how a client behaved: requests in total, by path and by status, the
 * most requests in flight at once (from arrival until the body of the answer starts to leave),
 * requests that came before a 429's Retry-After had passed (for the whole counterparty: after a 429
 * on any path, any request before its Retry-After counts, with the X-Request-Ids of both),
 * requests repeated after a 401, 403 or 404 (per path), and the bytes of huge bodies sent before
 * the client hung up.
 *
 * <p>The token is compared in constant time and never logged; log lines name the method, path,
 * status, fault, request id and duration only.
 *
 * <p>This class authenticates and dispatches; {@link BatchCatalog} routes to the published
 * batches, {@link FaultInjector} picks faults, {@link ExchangeWriter} sends answers and
 * {@link SimCounters} counts them.
 */
public final class CounterpartySimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CounterpartySimulator.class);
    private static final int THREADS = 16;

    /** A fault that hit a request. */
    public enum Fault { DOWN, UNAVAILABLE, SERVER_ERROR, THROTTLED, SLOW, TRUNCATED, RESET, GARBLED, HUGE }

    /**
     * A snapshot of the counters.
     *
     * @param earlyRetries requests (to any path) that arrived after a 429 was given and before its
     *     Retry-After had passed: the counterparty asked for no requests at all until then
     * @param retriesAfterPermanent requests for a path that had already been answered 401, 403 or 404
     * @param hugeBodyBytesSent bytes of huge bodies written before the client hung up
     * @param earlyRequests the early requests themselves (the first 10,000)
     * @param pagesServed distinct pages answered whole (a 200 with the page's full, intact body)
     * @param pagesServedAgain whole answers for a page beyond its first: pages a client fetched again
     */
    public record Counters(long totalRequests, Map<String, Long> requestsByPath, Map<Integer, Long> requestsByStatus,
                           Map<Fault, Long> faults, int maxInFlight, long earlyRetries, long retriesAfterPermanent,
                           long hugeBodyBytesSent, List<Early> earlyRequests, long pagesServed, long pagesServedAgain) {
        public long status(int code) {
            return requestsByStatus.getOrDefault(code, 0L);
        }

        public long fault(Fault f) {
            return faults.getOrDefault(f, 0L);
        }

        public long path(String path) {
            return requestsByPath.getOrDefault(path, 0L);
        }
    }

    /**
     * A request that came before a Retry-After had passed.
     *
     * @param requestId its X-Request-Id
     * @param throttledRequestId the X-Request-Id of the request whose 429 asked for the wait
     * @param millisEarly how long before the end of the wait it came
     */
    public record Early(String requestId, String path, String throttledRequestId, long millisEarly) {}

    private final String feed;
    private final String counterparty;
    private final byte[] expectedAuthorization;
    private final BatchCatalog catalog;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private volatile Faults faults;
    private final FaultInjector injector = new FaultInjector();
    private final SimCounters counters = new SimCounters();
    private final ExchangeWriter writer;

    /** Serves {@code counterparty}'s batches on an ephemeral port, without faults. */
    public CounterpartySimulator(Scenario scenario, String counterparty, String token) {
        this(scenario, counterparty, token, Faults.none(), 0);
    }

    /**
     * Starts serving {@code counterparty}'s batches of the scenario.
     *
     * @param token the bearer token a client must send (read from the environment by callers)
     * @param port the port on 127.0.0.1; 0 for an ephemeral one
     */
    public CounterpartySimulator(Scenario scenario, String counterparty, String token, Faults faults, int port) {
        this(new BatchCatalog(scenario, counterparty), counterparty, token, faults, port);
    }

    /** Serves one batch whose pages {@code source} gives at each request (a day too large to hold in memory). */
    public CounterpartySimulator(PageSource source, String counterparty, String token, Faults faults, int port) {
        this(new BatchCatalog(source), counterparty, token, faults, port);
    }

    private CounterpartySimulator(BatchCatalog catalog, String counterparty, String token, Faults faults, int port) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a bearer token is required");
        }
        this.feed = catalog.feed();
        this.counterparty = counterparty;
        this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.faults = faults;
        this.catalog = catalog;
        this.writer = new ExchangeWriter(counterparty, counters);
        // Without it the JDK server delays small responses by Nagle + delayed ACK (~40 ms each).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.executor = Executors.newFixedThreadPool(THREADS, threads("sim-" + counterparty + "-http"));
        this.scheduler = Executors.newScheduledThreadPool(2, threads("sim-" + counterparty + "-delay"));
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 256);
        } catch (IOException e) {
            executor.shutdownNow();
            scheduler.shutdownNow();
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("Counterparty simulator for {} ({}) listening on {}", counterparty, feed, url());
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String counterparty() {
        return counterparty;
    }

    public Faults faults() {
        return faults;
    }

    /** Switches faults while serving; a new {@code downFor} counts from the next request. */
    public void faults(Faults newFaults) {
        this.faults = newFaults;
        injector.restartDownWindow();
    }

    public Counters counters() {
        return counters.snapshot();
    }

    /** Requests received so far: cheap enough to poll often, unlike {@link #counters()}, which copies every path's count. */
    public long totalRequests() {
        return counters.total();
    }

    /** Forgets counters and per-path fault history (faults already given to a path count again). */
    public void resetCounters() {
        counters.reset();
        injector.reset();
    }

    /** The most recent request log lines (at most 10,000), oldest first. */
    public List<String> requestLog() {
        return counters.requestLog();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        scheduler.shutdownNow();
    }

    // --- request handling -----------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        long start = System.nanoTime();
        String path = ex.getRequestURI().getRawPath();
        counters.arrived(path);
        String requestId = ex.getRequestHeaders().getFirst("X-Request-Id");
        if (requestId != null) {
            ex.getResponseHeaders().set("X-Request-Id", requestId);
        }
        FaultInjector.Throttle t = injector.throttle();
        if (t.until() - start > 0) {
            counters.early(new Early(requestId, path, t.requestId(), (t.until() - start) / 1_000_000));
            LOG.info("{}: {} (X-Request-Id {}) came {} ms before the Retry-After of the 429 to X-Request-Id {} had passed",
                    counterparty, path, requestId, (t.until() - start) / 1_000_000, t.requestId());
        }
        Faults f = faults;
        try {
            if (injector.isDown(f, start)) {
                writer.finish(ex, path, requestId, start, Fault.DOWN,
                        SimReply.error(503, "unavailable", "the service is down for maintenance"), false);
                return;
            }
            if (f.alwaysUnauthorized() || !authorized(ex)) {
                SimReply r = SimReply.error(401, "unauthorized", "missing or invalid bearer token");
                r.headers().put("WWW-Authenticate", "Bearer");
                writer.finish(ex, path, requestId, start, null, r, false);
                return;
            }
            if (f.alwaysForbidden()) {
                writer.finish(ex, path, requestId, start, null, SimReply.error(403, "forbidden", "this client may not read this feed"), false);
                return;
            }
            String hugePage = hugePage(f, ex, path);
            if (hugePage != null) {
                writer.streamHugeBody(ex, path, hugePage, requestId, start, f);
                return;
            }
            Fault fault = injector.pickFault(f, path);
            if (fault == Fault.UNAVAILABLE) {
                writer.finish(ex, path, requestId, start, fault, SimReply.error(503, "unavailable", "try again later"), false);
            } else if (fault == Fault.SERVER_ERROR) {
                writer.finish(ex, path, requestId, start, fault, SimReply.error(500, "internal_error", "something went wrong"), false);
            } else if (fault == Fault.THROTTLED) {
                writer.finish(ex, path, requestId, start, fault, injector.throttled(f, requestId), false);
            } else if (fault == Fault.RESET) {
                writer.reset(ex, path, requestId, start);
            } else if (fault == Fault.SLOW) {
                SimReply r = route(ex, path);
                // Only the wake-up on the 2 delay threads: the answer is written on the handler pool,
                // so that a large page's blocking write does not hold every other delayed answer back.
                scheduler.schedule(() -> executor.execute(() -> writer.finish(ex, path, requestId, start, Fault.SLOW, r, false)),
                        f.slowDelay().toMillis(), TimeUnit.MILLISECONDS);
            } else if (fault == Fault.GARBLED) {
                SimReply good = route(ex, path);
                writer.finish(ex, path, requestId, start, fault, good.status() == 200 ? good.garbled() : good, false);
            } else {
                writer.finish(ex, path, requestId, start, fault, route(ex, path), fault == Fault.TRUNCATED);
            }
        } catch (RuntimeException e) {
            LOG.warn("Simulator failed on {} {}", ex.getRequestMethod(), path, e);
            writer.finish(ex, path, requestId, start, null, SimReply.error(500, "internal_error", "simulator failure"), false);
        }
    }

    private boolean authorized(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        return h != null && MessageDigest.isEqual(expectedAuthorization, h.getBytes(StandardCharsets.UTF_8));
    }

    private SimReply route(HttpExchange ex, String path) {
        return catalog.route(ex.getRequestMethod(), path);
    }

    /** The page (as written in the path) when {@code f} makes it a huge page, else null. */
    private String hugePage(Faults f, HttpExchange ex, String path) {
        if (f.hugePages().isEmpty() || !"GET".equals(ex.getRequestMethod())) {
            return null;
        }
        String page = BatchCatalog.pageOf(path);
        if (page == null) {
            return null;
        }
        return f.hugePages().contains(Integer.parseInt(page)) && route(ex, path).status() == 200 ? page : null;
    }

    /** Takes a date's batch off the API: its manifest and pages answer 404 (not published yet) until {@link #publish(LocalDate)}. */
    public void unpublish(LocalDate date) {
        catalog.unpublish(date);
    }

    /** Serves a date's batch that {@link #unpublish} withheld. */
    public void publish(LocalDate date) {
        catalog.publish(date);
    }

    /**
     * Publishes (or republishes) a date's batch: {@code manifest} (a new {@code batch_id} for a
     * republication) and its pages, whose bodies carry that batch id. The pages are in place before
     * the manifest names them.
     */
    public void publish(LocalDate date, Scenario.Manifest manifest, List<Scenario.Page> newPages) {
        catalog.publish(date, manifest, newPages);
    }

    @Override
    public String toString() {
        return "CounterpartySimulator[" + counterparty + " " + feed + " at " + url() + "]";
    }
}
