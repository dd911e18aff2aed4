package io.reconflow.operators.fetch;

import dev.failsafe.Bulkhead;
import dev.failsafe.CircuitBreaker;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RateLimiter;
import dev.failsafe.Timeout;
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
 *   <li>{@link #guarded}: Failsafe's async composition of this counterparty's {@link Bulkhead}
 *       (requests in flight), the JVM-wide one, its {@link RateLimiter} (token bucket), its
 *       {@link CircuitBreaker} and a {@link Timeout} per attempt; the bulkheads queue and the rate
 *       limiter schedules, no thread waits. The breaker fails fast when open; {@link Admission}
 *       makes requests wait for it instead;
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
    private static final Map<Integer, Bulkhead<Object>> TOTAL = new HashMap<>();
    private static final AtomicBoolean POOL_CHECKED = new AtomicBoolean();

    /**
     * An attempt that reached the front of the queues but may not go after all: a Retry-After or
     * the pause came while it waited. It goes back to admission; the breaker counts it as a failed
     * probe when half-open (the probe was not made) and otherwise not as a failure.
     */
    static final class HeldBack extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HeldBack() {
            super("held back by the Retry-After gate or the pause", null, false, false);
        }
    }

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
    /** Every attempt's way to the wire: bulkheads, token bucket, breaker, then the attempt's timeout. */
    final FailsafeExecutor<Object> guarded;
    /** The emergency pause switch of this counterparty (README "Emergency pause"); see Admission. */
    final PauseGate pause;
    private final CircuitBreaker<Object> breaker;

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
        warnIfThreadPerResponse();
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
        Bulkhead<Object> bulkhead = Bulkhead.builder(settings.maxInFlight())
                .withMaxWaitTime(settings.deadline())
                .build();
        Bulkhead<Object> total = TOTAL.computeIfAbsent(settings.maxInFlightTotal(),
                // Requests end at their own deadline; this only bounds how long a queued place is kept.
                n -> Bulkhead.builder(n).withMaxWaitTime(Duration.ofMinutes(10)).build());
        RateLimiter<Object> rateLimiter = RateLimiter.burstyBuilder(settings.burst(), settings.rateLimitPeriod())
                .withMaxWaitTime(settings.deadline())
                .build();
        FetchSettings.Circuit c = settings.circuit();
        this.breaker = CircuitBreaker.builder()
                .handleIf((result, error) -> error instanceof HeldBack ? isHalfOpen()
                        : error != null || result instanceof Attempt<?> a && !a.healthy())
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
        Timeout<Object> attemptTimeout = Timeout.of(settings.requestTimeout());
        // This counterparty's own place first, so that one slow counterparty queueing for it does
        // not hold places of the total that others could use; the breaker last, right before sending.
        this.guarded = Failsafe.with(bulkhead, total, rateLimiter, breaker, attemptTimeout).with(scheduler);
    }

    /**
     * The JDK 17 HttpClient completes each response through CompletableFuture's default executor,
     * whatever executor it was given; with a common-pool parallelism below 2 (the default on a
     * 2-core machine) that is a new thread per response. Every JVM reconflow starts sets the
     * parallelism (README "Fetch throughput"); say so once when one does not.
     */
    static boolean warnIfThreadPerResponse() {
        int parallelism = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
        if (parallelism >= 2 || !POOL_CHECKED.compareAndSet(false, true)) {
            return false;
        }
        LOG.warn("ForkJoinPool common-pool parallelism is {} on {} processor(s): the HTTP client starts a new thread for "
                + "every response; start this JVM with -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 or more "
                + "(for Flink: env.java.opts.taskmanager)", parallelism, Runtime.getRuntime().availableProcessors());
        return true;
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

    boolean isHalfOpen() {
        return breaker.isHalfOpen();
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

    /** Lets parked attempts try again: an attempt's outcome was recorded, or the breaker changed state. */
    void wakeParked() {
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
