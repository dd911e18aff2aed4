package io.reconflow.operators.fetch;

import dev.failsafe.Bulkhead;
import dev.failsafe.CircuitBreaker;
import dev.failsafe.RateLimiter;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What all clients of one counterparty in this JVM share: the counterparty sees one polite client
 * per TaskManager, however many fetch operators and subtasks run there.
 *
 * <ul>
 *   <li>the Retry-After gate: after a 429 (or a 503 with Retry-After) no request goes to the
 *       counterparty before the instant it named;
 *   <li>a Failsafe {@link CircuitBreaker}, driven by hand ({@code tryAcquirePermit}/{@code record*})
 *       because its executor fails fast when open, where we want requests to wait;
 *   <li>a Failsafe {@link Bulkhead} (requests in flight) and {@link RateLimiter} (token bucket),
 *       used through Failsafe's async executor, which queues and schedules instead of blocking;
 *   <li>one HTTP client with its own executor, and one scheduler for every wait.
 * </ul>
 *
 * <p>Reference-counted in a JVM-wide registry keyed by (name, base URL, settings): the first
 * {@link #acquire} creates it, the last {@link #release} stops its threads.
 */
final class CounterpartyPolicies {

    private static final Logger LOG = LoggerFactory.getLogger(CounterpartyPolicies.class);

    private record Key(String name, String baseUrl, FetchSettings settings) {}

    private static final Map<Key, CounterpartyPolicies> REGISTRY = new HashMap<>();

    /**
     * The limit on requests in flight to all counterparties together, one per distinct limit in
     * this JVM (in practice one: the setting is global). Tiny, so never released.
     */
    private static final Map<Integer, Bulkhead<Boolean>> TOTAL = new HashMap<>();

    /** A circuit breaker permit, valid only while the breaker stays in the state it was given in. */
    record Permit(long epoch, boolean probe) {}

    /**
     * Threads of the HTTP client's executor (idle ones end after a minute). The client runs every
     * step of every exchange on it: with 2, each step queued behind the others' (README "Performance").
     */
    static final int HTTP_THREADS = 8;

    private final Key key;
    private int references; // guarded by REGISTRY

    final String name;
    final FetchSettings settings;
    final ScheduledThreadPoolExecutor scheduler;
    final ThreadPoolExecutor httpExecutor;
    final HttpClient http;
    final Bulkhead<Boolean> bulkhead;
    /** Shared with every other counterparty in this JVM that has the same total limit. */
    final Bulkhead<Boolean> total;
    final RateLimiter<Boolean> rateLimiter;
    /** The emergency pause switch of this counterparty (README "Emergency pause"); see CounterpartyClient#heldByPause. */
    final PauseGate pause;
    private final CircuitBreaker<Object> breaker;
    private long epoch; // guarded by this: counts the breaker's state changes

    private final AtomicLong notBefore = new AtomicLong(System.nanoTime());
    private final AtomicLong order = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean authReported = new AtomicBoolean();
    private final AtomicLong opened = new AtomicLong();

    private final Object parkLock = new Object();
    private long wakeSeq; // guarded by parkLock
    private List<Runnable> parked = new ArrayList<>(); // guarded by parkLock

    private CounterpartyPolicies(Key key) {
        this.key = key;
        this.name = key.name();
        this.settings = key.settings();
        this.pause = PauseGate.of(name);
        // Runs a task on the submitting thread once the pool is shut down, so that a future still
        // in flight at shutdown completes instead of hanging on a rejected continuation.
        this.httpExecutor = new ThreadPoolExecutor(HTTP_THREADS, HTTP_THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("reconflow-http-" + name), (task, pool) -> task.run());
        this.httpExecutor.allowCoreThreadTimeOut(true);
        this.scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads("reconflow-wait-" + name));
        // Most timers (attempt timeouts) are cancelled; without this they would sit in the queue until due.
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.http = HttpClient.newBuilder()
                .executor(httpExecutor)
                .connectTimeout(settings.connectTimeout())
                // A redirect could carry the bearer token to another host; the contract has none.
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.bulkhead = Bulkhead.<Boolean>builder(settings.maxInFlight())
                .withMaxWaitTime(settings.deadline())
                .build();
        this.total = TOTAL.computeIfAbsent(settings.maxInFlightTotal(),
                // Requests end at their own deadline; this only bounds how long a queued place is kept.
                n -> Bulkhead.<Boolean>builder(n).withMaxWaitTime(Duration.ofMinutes(10)).build());
        this.rateLimiter = RateLimiter.<Boolean>burstyBuilder(settings.burst(), settings.rateLimitPeriod())
                .withMaxWaitTime(settings.deadline())
                .build();
        FetchSettings.Circuit c = settings.circuit();
        this.breaker = CircuitBreaker.builder()
                .withFailureRateThreshold(c.failureRatePercent(), c.minRequests(), c.window())
                .withDelay(c.openFor())
                .withSuccessThreshold(c.probes())
                .onOpen(e -> {
                    opened.incrementAndGet();
                    LOG.warn("circuit breaker of counterparty {} opened after failures (from {}); its requests wait "
                            + "{} ms, then {} probe(s) go", name, e.getPreviousState(), c.openFor().toMillis(), c.probes());
                    wakeParked();
                })
                .onHalfOpen(e -> {
                    LOG.info("circuit breaker of counterparty {} half-open: probing", name);
                    wakeParked();
                })
                .onClose(e -> {
                    LOG.info("circuit breaker of counterparty {} closed: it answers again", name);
                    wakeParked();
                })
                .build();
    }

    /** The policies of a counterparty, created on first use in this JVM. Release each exactly once. */
    static CounterpartyPolicies acquire(String name, String baseUrl, FetchSettings settings) {
        Key key = new Key(name, baseUrl, settings);
        synchronized (REGISTRY) {
            CounterpartyPolicies p = REGISTRY.computeIfAbsent(key, CounterpartyPolicies::new);
            p.references++;
            return p;
        }
    }

    void release() {
        synchronized (REGISTRY) {
            if (--references > 0) {
                return;
            }
            REGISTRY.remove(key);
        }
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
        try {
            // Java 21+ can stop the client's selector thread; on 17 it ends once the client is collected.
            HttpClient.class.getMethod("shutdownNow").invoke(http);
        } catch (ReflectiveOperationException e) {
            LOG.debug("HttpClient.shutdownNow not available", e);
        }
    }

    /** Counterparties with live policies in this JVM, for tests. */
    static int live() {
        synchronized (REGISTRY) {
            return REGISTRY.size();
        }
    }

    // --- Retry-After gate ---------------------------------------------------------------------

    /** The System.nanoTime() before which no request may go. */
    long notBefore() {
        return notBefore.get();
    }

    /**
     * No request before {@code untilNanos} (System.nanoTime()); a later instant already set stays.
     *
     * @return this closing's place in the order of sends and gate closings (see {@link #claimSend})
     */
    long holdOff(long untilNanos) {
        notBefore.accumulateAndGet(untilNanos, (current, next) -> next - current > 0 ? next : current);
        return order.incrementAndGet();
    }

    /**
     * The gate's last word before a request is sent: its place in the order of sends and gate
     * closings, or -1 when the gate is closed. The place is taken before the gate is read, and a
     * closing takes its place after setting the gate, so a send placed after a closing always sees
     * it: every request sent has a lower place than every closing it did not wait for. Logged with
     * both, this lets a test tell a request already on its way when a 429 came from one sent after.
     */
    long claimSend() {
        long place = order.incrementAndGet();
        return notBefore.get() - System.nanoTime() > 0 ? -1 : place;
    }

    // --- circuit breaker ----------------------------------------------------------------------

    /** A permit to send, or null when the circuit is open or half-open without a free probe. */
    synchronized Permit tryAcquire() {
        CircuitBreaker.State before = breaker.getState();
        boolean ok = breaker.tryAcquirePermit();
        CircuitBreaker.State after = breaker.getState();
        if (after != before) {
            epoch++;
        }
        return ok ? new Permit(epoch, after == CircuitBreaker.State.HALF_OPEN) : null;
    }

    /** Whether the breaker is still in the state the permit was given in. */
    synchronized boolean current(Permit p) {
        return p != null && p.epoch() == epoch;
    }

    /** Records the outcome of an attempt sent under {@code p}; ignored once the breaker changed state. */
    void record(Permit p, boolean healthy) {
        synchronized (this) {
            if (p == null || p.epoch() != epoch) {
                return;
            }
            CircuitBreaker.State before = breaker.getState();
            if (healthy) {
                breaker.recordSuccess();
            } else {
                breaker.recordFailure();
            }
            if (breaker.getState() != before) {
                epoch++;
            }
        }
        // A half-open probe's permit came back, or the state changed: waiters may try again.
        wakeParked();
    }

    /** How long the circuit stays open; zero when closed, half-open, or open past its delay. */
    long remainingOpenNanos() {
        return breaker.isOpen() ? breaker.getRemainingDelay().toNanos() : 0;
    }

    /** 0 closed, 1 open, 2 half-open. */
    int circuitState() {
        return switch (breaker.getState()) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }

    /** Times the circuit opened since these policies were created. */
    long timesOpened() {
        return opened.get();
    }

    // --- waiting ------------------------------------------------------------------------------

    long wakeSeq() {
        synchronized (parkLock) {
            return wakeSeq;
        }
    }

    /**
     * Parks {@code again} until the breaker next records an outcome or changes state, unless that
     * already happened since {@code seenSeq} was read (then it runs at once): no lost wake-up.
     */
    void park(long seenSeq, Runnable again) {
        synchronized (parkLock) {
            if (seenSeq == wakeSeq) {
                parked.add(again);
                return;
            }
        }
        execute(again);
    }

    private void wakeParked() {
        List<Runnable> todo;
        synchronized (parkLock) {
            wakeSeq++;
            if (parked.isEmpty()) {
                return;
            }
            todo = parked;
            parked = new ArrayList<>();
        }
        todo.forEach(this::execute);
    }

    void execute(Runnable r) {
        try {
            scheduler.execute(r);
        } catch (RejectedExecutionException e) {
            // Shut down: nobody is waiting any more.
        }
    }

    ScheduledFuture<?> schedule(Runnable r, long nanos) {
        return scheduler.schedule(r, Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    // --- in flight, auth -----------------------------------------------------------------------

    int inFlight() {
        return inFlight.get();
    }

    void sending() {
        inFlight.incrementAndGet();
    }

    void done() {
        inFlight.decrementAndGet();
    }

    /** True the first time only: a 401/403 is logged loudly once per counterparty. */
    boolean firstAuthFailure() {
        return authReported.compareAndSet(false, true);
    }

    Duration deadline() {
        return settings.deadline();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String toString() {
        return "CounterpartyPolicies[" + name + "]";
    }
}
