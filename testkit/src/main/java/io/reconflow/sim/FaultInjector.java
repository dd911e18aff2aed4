package io.reconflow.sim;

import io.reconflow.sim.CounterpartySimulator.Fault;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides which of the switched-on {@link Faults} hits a request: the down window, one transient
 * fault per attempt (seeded by seed, path and attempt, capped per path), and the 429s' Retry-After
 * that a polite client waits for.
 */
final class FaultInjector {
    /** A 429 given: no request before {@code until} (System.nanoTime()). */
    record Throttle(long until, String requestId) {}

    private final AtomicLong downSince = new AtomicLong(Long.MIN_VALUE);
    private final Map<String, AtomicInteger> attemptsByPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> faultsByPath = new ConcurrentHashMap<>();
    /** The 429 whose Retry-After ends last; in the past until a 429 is given. */
    private final AtomicReference<Throttle> throttle = new AtomicReference<>(new Throttle(System.nanoTime(), null));

    /** The latest Retry-After given; a request that starts before its {@code until} came early. */
    Throttle throttle() {
        return throttle.get();
    }

    /** A new {@code downFor} counts from the next request. */
    void restartDownWindow() {
        downSince.set(Long.MIN_VALUE);
    }

    /** Forgets per-path fault history and Retry-Afters given. */
    void reset() {
        attemptsByPath.clear();
        faultsByPath.clear();
        throttle.set(new Throttle(System.nanoTime(), null));
    }

    boolean isDown(Faults f, long now) {
        if (f.downFor().isZero()) {
            return false;
        }
        downSince.compareAndSet(Long.MIN_VALUE, now);
        return now - downSince.get() < f.downFor().toNanos();
    }

    /** The transient fault for this attempt at the path, seeded by (seed, path, attempt); none once the path had its share. */
    Fault pickFault(Faults f, String path) {
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

    /** A 429 with Retry-After (seconds or an HTTP-date); the wait is recorded before the answer leaves. */
    SimReply throttled(Faults f, String requestId) {
        SimReply r = SimReply.error(429, "too_many_requests", "slow down");
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
        return r;
    }
}
