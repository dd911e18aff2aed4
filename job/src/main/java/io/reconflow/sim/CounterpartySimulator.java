package io.reconflow.sim;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 */
public final class CounterpartySimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CounterpartySimulator.class);
    private static final Pattern ROUTE = Pattern.compile("^/v1/feeds/([^/]+)/batches/([^/]+)/(manifest|pages/([^/]+))$");
    private static final int THREADS = 16;
    private static final int LOG_LINES = 10_000;

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

    private record Reply(int status, Map<String, String> headers, byte[] body) {}

    private final String feed;
    private final String counterparty;
    private final byte[] expectedAuthorization;
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> pages = new ConcurrentHashMap<>();
    /** Batches taken off the API by {@link #unpublish}, served again by {@link #publish(LocalDate)}. */
    private final Map<String, byte[]> withheldManifests = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> withheldPages = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private volatile Faults faults;

    private final AtomicLong downSince = new AtomicLong(Long.MIN_VALUE);
    private final Map<String, AtomicInteger> attemptsByPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> faultsByPath = new ConcurrentHashMap<>();
    /** A 429 given: no request before {@code until} (System.nanoTime()). */
    private record Throttle(long until, String requestId) {}

    /** The 429 whose Retry-After ends last; in the past until a 429 is given. */
    private final AtomicReference<Throttle> throttle = new AtomicReference<>(new Throttle(System.nanoTime(), null));
    private final Set<String> answeredPermanently = ConcurrentHashMap.newKeySet();

    private final LongAdder total = new LongAdder();
    private final Map<String, LongAdder> byPath = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final Map<Fault, LongAdder> byFault = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final LongAdder earlyRetries = new LongAdder();
    private final LongAdder retriesAfterPermanent = new LongAdder();
    private final LongAdder hugeBytes = new LongAdder();
    /** Whole answers per page path. */
    private final Map<String, AtomicInteger> pageServes = new ConcurrentHashMap<>();
    private final LongAdder pagesServedAgain = new LongAdder();
    private final List<Early> earlyRequests = new ArrayList<>();
    private final Deque<String> log = new ArrayDeque<>();

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
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a bearer token is required");
        }
        this.feed = scenario.feed();
        this.counterparty = counterparty;
        this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.faults = faults;
        for (Scenario.Batch b : scenario.batches()) {
            if (b.counterparty().equals(counterparty)) {
                String date = b.businessDate().toString();
                manifests.put(date, utf8(b.manifest().toJson()));
                List<byte[]> bodies = new ArrayList<>();
                for (Scenario.Page p : b.pages()) {
                    bodies.add(p.bodyBytes(b.manifest().batchId()));
                }
                pages.put(date, bodies);
            }
        }
        if (manifests.isEmpty()) {
            throw new IllegalArgumentException("the scenario has no batch of counterparty '" + counterparty + "'");
        }
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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
        downSince.set(Long.MIN_VALUE);
    }

    public Counters counters() {
        Map<String, Long> paths = new TreeMap<>();
        byPath.forEach((k, v) -> paths.put(k, v.sum()));
        Map<Integer, Long> statuses = new TreeMap<>();
        byStatus.forEach((k, v) -> statuses.put(k, v.sum()));
        Map<Fault, Long> fs = new EnumMap<>(Fault.class);
        byFault.forEach((k, v) -> fs.put(k, v.sum()));
        List<Early> early;
        synchronized (earlyRequests) {
            early = List.copyOf(earlyRequests);
        }
        return new Counters(total.sum(), paths, statuses, fs, maxInFlight.get(), earlyRetries.sum(),
                retriesAfterPermanent.sum(), hugeBytes.sum(), early, pageServes.size(), pagesServedAgain.sum());
    }

    /** Forgets counters and per-path fault history (faults already given to a path count again). */
    public void resetCounters() {
        total.reset();
        byPath.clear();
        byStatus.clear();
        byFault.clear();
        maxInFlight.set(inFlight.get());
        earlyRetries.reset();
        retriesAfterPermanent.reset();
        hugeBytes.reset();
        pageServes.clear();
        pagesServedAgain.reset();
        attemptsByPath.clear();
        faultsByPath.clear();
        throttle.set(new Throttle(System.nanoTime(), null));
        synchronized (earlyRequests) {
            earlyRequests.clear();
        }
        answeredPermanently.clear();
        synchronized (log) {
            log.clear();
        }
    }

    /** The most recent request log lines (at most 10,000), oldest first. */
    public List<String> requestLog() {
        synchronized (log) {
            return List.copyOf(log);
        }
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
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        String path = ex.getRequestURI().getRawPath();
        total.increment();
        byPath.computeIfAbsent(path, k -> new LongAdder()).increment();
        String requestId = ex.getRequestHeaders().getFirst("X-Request-Id");
        if (requestId != null) {
            ex.getResponseHeaders().set("X-Request-Id", requestId);
        }
        Throttle t = throttle.get();
        if (t.until() - start > 0) {
            earlyRetries.increment();
            synchronized (earlyRequests) {
                if (earlyRequests.size() < LOG_LINES) {
                    earlyRequests.add(new Early(requestId, path, t.requestId(), (t.until() - start) / 1_000_000));
                }
            }
            LOG.info("{}: {} (X-Request-Id {}) came {} ms before the Retry-After of the 429 to X-Request-Id {} had passed",
                    counterparty, path, requestId, (t.until() - start) / 1_000_000, t.requestId());
        }
        if (answeredPermanently.contains(path)) {
            retriesAfterPermanent.increment();
        }
        Faults f = faults;
        try {
            if (isDown(f, start)) {
                finish(ex, path, requestId, start, Fault.DOWN, error(503, "unavailable", "the service is down for maintenance"), false);
                return;
            }
            if (f.alwaysUnauthorized() || !authorized(ex)) {
                Reply r = error(401, "unauthorized", "missing or invalid bearer token");
                r.headers().put("WWW-Authenticate", "Bearer");
                finish(ex, path, requestId, start, null, r, false);
                return;
            }
            if (f.alwaysForbidden()) {
                finish(ex, path, requestId, start, null, error(403, "forbidden", "this client may not read this feed"), false);
                return;
            }
            if (isHugePage(f, ex, path)) {
                streamHugeBody(ex, path, requestId, start, f);
                return;
            }
            Fault fault = pickFault(f, path);
            if (fault == Fault.UNAVAILABLE) {
                finish(ex, path, requestId, start, fault, error(503, "unavailable", "try again later"), false);
            } else if (fault == Fault.SERVER_ERROR) {
                finish(ex, path, requestId, start, fault, error(500, "internal_error", "something went wrong"), false);
            } else if (fault == Fault.THROTTLED) {
                Reply r = error(429, "too_many_requests", "slow down");
                long waitNanos = TimeUnit.SECONDS.toNanos(f.retryAfterSeconds());
                if (f.retryAfterAsDate()) {
                    // An HTTP-date has whole seconds: name the last whole second at or before now + wait.
                    Instant until = Instant.now().plusSeconds(f.retryAfterSeconds()).truncatedTo(ChronoUnit.SECONDS);
                    r.headers().put("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME.format(until.atZone(ZoneOffset.UTC)));
                    waitNanos = Math.max(0, Duration.between(Instant.now(), until).toNanos());
                } else {
                    r.headers().put("Retry-After", Integer.toString(f.retryAfterSeconds()));
                }
                // Set before the answer leaves, so a client that waits as told is never counted early.
                Throttle given = new Throttle(System.nanoTime() + waitNanos, requestId);
                throttle.accumulateAndGet(given, (cur, next) -> next.until() - cur.until() > 0 ? next : cur);
                finish(ex, path, requestId, start, fault, r, false);
            } else if (fault == Fault.RESET) {
                count(Fault.RESET);
                log(ex, path, requestId, start, "reset", Fault.RESET);
                done(ex);
            } else if (fault == Fault.SLOW) {
                Reply r = route(ex, path);
                // Only the wake-up on the 2 delay threads: the answer is written on the handler pool,
                // so that a large page's blocking write does not hold every other delayed answer back.
                scheduler.schedule(() -> executor.execute(() -> finish(ex, path, requestId, start, Fault.SLOW, r, false)),
                        f.slowDelay().toMillis(), TimeUnit.MILLISECONDS);
            } else if (fault == Fault.GARBLED) {
                Reply good = route(ex, path);
                finish(ex, path, requestId, start, fault, good.status() == 200 ? garble(good) : good, false);
            } else {
                finish(ex, path, requestId, start, fault, route(ex, path), fault == Fault.TRUNCATED);
            }
        } catch (RuntimeException e) {
            LOG.warn("Simulator failed on {} {}", ex.getRequestMethod(), path, e);
            finish(ex, path, requestId, start, null, error(500, "internal_error", "simulator failure"), false);
        }
    }

    private boolean isDown(Faults f, long now) {
        if (f.downFor().isZero()) {
            return false;
        }
        downSince.compareAndSet(Long.MIN_VALUE, now);
        return now - downSince.get() < f.downFor().toNanos();
    }

    private boolean authorized(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        return h != null && MessageDigest.isEqual(expectedAuthorization, h.getBytes(StandardCharsets.UTF_8));
    }

    /** The transient fault for this attempt at the path, seeded by (seed, path, attempt); none once the path had its share. */
    private Fault pickFault(Faults f, String path) {
        int attempt = attemptsByPath.computeIfAbsent(path, k -> new AtomicInteger()).getAndIncrement();
        double u = new SplittableRandom(f.seed() * 1_000_003L + path.hashCode() * 31L + attempt).nextDouble();
        double[] ps = {f.unavailable(), f.serverError(), f.throttled(), f.slow(), f.truncated(), f.reset(), f.garbled()};
        Fault[] kinds = {Fault.UNAVAILABLE, Fault.SERVER_ERROR, Fault.THROTTLED, Fault.SLOW, Fault.TRUNCATED, Fault.RESET,
                Fault.GARBLED};
        Fault chosen = null;
        double acc = 0;
        for (int i = 0; i < ps.length && chosen == null; i++) {
            acc += ps[i];
            if (u < acc) {
                chosen = kinds[i];
            }
        }
        if (chosen == null) {
            return null;
        }
        // Reserve one of the path's fault slots atomically, so concurrent requests cannot exceed the cap.
        int max = f.maxFaultsPerPath();
        int before = faultsByPath.computeIfAbsent(path, k -> new AtomicInteger()).getAndUpdate(n -> n < max ? n + 1 : n);
        return before < max ? chosen : null;
    }

    private Reply route(HttpExchange ex, String path) {
        if (!"GET".equals(ex.getRequestMethod())) {
            Reply r = error(405, "method_not_allowed", "only GET is served");
            r.headers().put("Allow", "GET");
            return r;
        }
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            return error(404, "not_found", "no such resource");
        }
        if (!m.group(1).equals(feed)) {
            return error(404, "not_found", "unknown feed '" + m.group(1) + "'");
        }
        String date = m.group(2);
        try {
            LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            return error(404, "not_found", "'" + date + "' is not a business date");
        }
        byte[] manifest = manifests.get(date);
        if (manifest == null) {
            return error(404, "not_found", "no batch for business date " + date);
        }
        if (m.group(4) == null) {
            return new Reply(200, new HashMap<>(), manifest);
        }
        List<byte[]> bodies = pages.get(date);
        String page = m.group(4);
        int n = page.matches("\\d{1,9}") ? Integer.parseInt(page) : 0;
        if (n < 1 || n > bodies.size()) {
            return error(404, "not_found", "no page " + page + " in the batch of " + date + " (" + bodies.size() + " pages)");
        }
        return new Reply(200, new HashMap<>(), bodies.get(n - 1));
    }

    /** A complete 200 body that is not JSON: the real one broken in the middle. */
    private static Reply garble(Reply good) {
        byte[] body = good.body();
        byte[] broken = java.util.Arrays.copyOf(body, body.length / 2 + 3);
        broken[broken.length - 3] = '}';
        broken[broken.length - 2] = '{';
        broken[broken.length - 1] = ']';
        return new Reply(200, good.headers(), broken);
    }

    private boolean isHugePage(Faults f, HttpExchange ex, String path) {
        if (f.hugePages().isEmpty() || !"GET".equals(ex.getRequestMethod())) {
            return false;
        }
        Matcher m = ROUTE.matcher(path);
        if (!m.matches() || m.group(4) == null || !m.group(4).matches("\\d{1,9}")) {
            return false;
        }
        return f.hugePages().contains(Integer.parseInt(m.group(4))) && route(ex, path).status() == 200;
    }

    /**
     * A 200 that starts like the page and never ends: records of filler, chunked (no length to
     * refuse it by), written from one reused buffer until {@code hugeBodyBytes} or until the client
     * hangs up. Memory stays at one chunk, whatever the size.
     */
    private void streamHugeBody(HttpExchange ex, String path, String requestId, long start, Faults f) {
        count(Fault.HUGE);
        byStatus.computeIfAbsent(200, k -> new LongAdder()).increment();
        log(ex, path, requestId, start, "200", Fault.HUGE);
        Matcher m = ROUTE.matcher(path);
        m.matches();
        byte[] head = utf8("{\"batch_id\":\"huge\",\"page\":" + m.group(4) + ",\"records\":[");
        StringBuilder filler = new StringBuilder(64 * 1024);
        while (filler.length() < 60 * 1024) {
            filler.append("{\"filler\":\"").append("x".repeat(1000)).append("\"},");
        }
        byte[] chunk = utf8(filler.toString());
        long sent = 0;
        try {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(head);
            sent += head.length;
            hugeBytes.add(head.length);
            while (sent < f.hugeBodyBytes()) {
                int n = (int) Math.min(chunk.length, f.hugeBodyBytes() - sent);
                out.write(chunk, 0, n);
                sent += n;
                hugeBytes.add(n);
            }
            out.close();
        } catch (IOException e) {
            LOG.debug("Client hung up on the huge body of {} after {} bytes", path, sent);
        } finally {
            done(ex);
        }
    }

    private static Reply error(int status, String code, String message) {
        String body = Scenario.json(g -> {
            g.writeStartObject();
            g.writeStringField("error", code);
            g.writeStringField("message", message);
            g.writeEndObject();
        });
        return new Reply(status, new HashMap<>(), utf8(body));
    }

    /** Sends the reply (or half of it, then closes, for a truncated body) and records it. */
    private void finish(HttpExchange ex, String path, String requestId, long start, Fault fault, Reply reply,
                        boolean truncate) {
        if (fault != null) {
            count(fault);
        }
        byStatus.computeIfAbsent(reply.status(), k -> new LongAdder()).increment();
        int s = reply.status();
        if (s == 401 || s == 403 || s == 404) {
            answeredPermanently.add(path);
        }
        // Logged before the answer leaves: a client that has its answer finds it counted and logged.
        log(ex, path, requestId, start, Integer.toString(s), fault);
        boolean left = false;
        try {
            Headers h = ex.getResponseHeaders();
            h.set("Content-Type", "application/json");
            reply.headers().forEach(h::set);
            byte[] body = reply.body();
            ex.sendResponseHeaders(s, body.length);
            // Out of flight before the body leaves: a client that has it may send its next request
            // before this thread is done closing, and must not be counted above its limit for that.
            inFlight.decrementAndGet();
            left = true;
            OutputStream out = ex.getResponseBody();
            // A truncated body declares its full length and stops halfway; closing then drops the connection.
            out.write(body, 0, truncate ? body.length / 2 : body.length);
            out.flush();
            if (s == 200 && !truncate && fault != Fault.GARBLED && path.contains("/pages/")
                    && pageServes.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet() > 1) {
                pagesServedAgain.increment();
            }
        } catch (IOException e) {
            LOG.debug("Client went away during {}: {}", path, e.toString());
        } finally {
            if (left) {
                ex.close();
            } else {
                done(ex);
            }
        }
    }

    private void count(Fault fault) {
        byFault.computeIfAbsent(fault, k -> new LongAdder()).increment();
    }

    /** Counts the request out of flight, then closes it (which, without an answer, drops the connection). */
    private void done(HttpExchange ex) {
        inFlight.decrementAndGet();
        ex.close();
    }

    private void log(HttpExchange ex, String path, String requestId, long start, String outcome, Fault fault) {
        // Method, path, outcome, fault, request id and time only: never a header, never the token.
        String line = ex.getRequestMethod() + " " + path + " -> " + outcome
                + (fault != null ? " [" + fault + "]" : "")
                + (requestId != null ? " request-id=" + requestId : "")
                + " " + (System.nanoTime() - start) / 1_000_000 + " ms";
        LOG.debug("{} {}", counterparty, line);
        synchronized (log) {
            log.addLast(line);
            if (log.size() > LOG_LINES) {
                log.removeFirst();
            }
        }
    }

    /** Takes a date's batch off the API: its manifest and pages answer 404 (not published yet) until {@link #publish(LocalDate)}. */
    public void unpublish(LocalDate date) {
        String d = date.toString();
        // Pages first: a client that still sees the manifest may find a page gone, never the reverse.
        List<byte[]> p = pages.remove(d);
        byte[] m = manifests.remove(d);
        if (m != null) {
            withheldManifests.put(d, m);
            withheldPages.put(d, p);
        }
    }

    /** Serves a date's batch that {@link #unpublish} withheld. */
    public void publish(LocalDate date) {
        String d = date.toString();
        byte[] m = withheldManifests.remove(d);
        if (m == null) {
            throw new IllegalStateException("no batch of " + d + " is withheld");
        }
        pages.put(d, withheldPages.remove(d));
        manifests.put(d, m);
    }

    /**
     * Publishes (or republishes) a date's batch: {@code manifest} (a new {@code batch_id} for a
     * republication) and its pages, whose bodies carry that batch id. The pages are in place before
     * the manifest names them.
     */
    public void publish(LocalDate date, Scenario.Manifest manifest, List<Scenario.Page> newPages) {
        String d = date.toString();
        List<byte[]> bodies = new ArrayList<>();
        newPages.forEach(p -> bodies.add(p.bodyBytes(manifest.batchId())));
        withheldManifests.remove(d);
        withheldPages.remove(d);
        pages.put(d, bodies);
        manifests.put(d, utf8(manifest.toJson()));
    }

    @Override
    public String toString() {
        return "CounterpartySimulator[" + counterparty + " " + feed + " at " + url() + "]";
    }
}
