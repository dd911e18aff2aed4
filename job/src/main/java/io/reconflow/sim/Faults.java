package io.reconflow.sim;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * The transient faults a {@link CounterpartySimulator} injects, and the permanent ones it can be
 * switched into. Probabilities are per request and apply to requests that would otherwise be
 * answered; at most one fault hits a request. Decisions are seeded per (path, attempt number of
 * that path), so the same request sequence sees the same faults.
 *
 * <p>No transient fault makes a request fail for good: after {@code maxFaultsPerPath} transient
 * faults on one path, that path is always answered properly, and {@code downFor} ends. Only the
 * explicit switches {@code alwaysUnauthorized}, {@code alwaysForbidden} and {@code hugePages} are
 * permanent.
 *
 * @param seed seeds the fault decisions
 * @param unavailable probability of a 503
 * @param serverError probability of a 500
 * @param throttled probability of a 429 with {@code Retry-After: retryAfterSeconds}
 * @param retryAfterSeconds the Retry-After of a 429, in whole seconds (>= 1)
 * @param slow probability of an answer delayed by {@code slowDelay}
 * @param slowDelay how long a slow answer waits
 * @param truncated probability of a body cut short: Content-Length declares the full body, half is
 *     written, then the connection closes
 * @param reset probability of a connection closed without any response
 * @param alwaysUnauthorized answer every request 401, whatever its token
 * @param alwaysForbidden answer every authenticated request 403
 * @param downFor answer everything 503 for this long from the first request (zero: never down)
 * @param maxFaultsPerPath transient faults after which a path is always answered
 * @param garbled probability of a 200 whose complete body is not JSON (it does not parse)
 * @param retryAfterAsDate send a 429's Retry-After as an HTTP-date instead of seconds
 * @param hugePages pages (by number, in every batch) always answered 200 with an endless body of
 *     {@code hugeBodyBytes} that starts like a page, streamed (never held in memory) until the client
 *     hangs up
 * @param hugeBodyBytes how long a huge body would be if the client read it all
 */
public record Faults(long seed, double unavailable, double serverError, double throttled, int retryAfterSeconds,
                     double slow, Duration slowDelay, double truncated, double reset, boolean alwaysUnauthorized,
                     boolean alwaysForbidden, Duration downFor, int maxFaultsPerPath, double garbled,
                     boolean retryAfterAsDate, Set<Integer> hugePages, long hugeBodyBytes) {

    /** Two GiB: more than a JVM array holds, and more than a test heap would survive buffering. */
    public static final long TWO_GIB = 2L << 30;

    public Faults {
        double[] ps = {unavailable, serverError, throttled, slow, truncated, reset, garbled};
        double sum = 0;
        for (double p : ps) {
            if (p < 0 || p > 1 || Double.isNaN(p)) {
                throw new IllegalArgumentException("fault probabilities must be within [0, 1]");
            }
            sum += p;
        }
        if (sum > 1.0 + 1e-9) {
            throw new IllegalArgumentException("fault probabilities add up to more than 1: " + sum);
        }
        if (retryAfterSeconds < 1) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 1");
        }
        if (slowDelay == null || slowDelay.isNegative() || downFor == null || downFor.isNegative()) {
            throw new IllegalArgumentException("slowDelay and downFor must be durations >= 0");
        }
        if (maxFaultsPerPath < 0) {
            throw new IllegalArgumentException("maxFaultsPerPath must be >= 0");
        }
        hugePages = hugePages == null ? Set.of() : Set.copyOf(new TreeSet<>(hugePages));
        if (hugeBodyBytes < 0 || (!hugePages.isEmpty() && hugeBodyBytes < 1)) {
            throw new IllegalArgumentException("hugeBodyBytes must be positive when pages are huge");
        }
    }

    /** The faults there were before garbled and huge bodies. */
    public Faults(long seed, double unavailable, double serverError, double throttled, int retryAfterSeconds,
                  double slow, Duration slowDelay, double truncated, double reset, boolean alwaysUnauthorized,
                  boolean alwaysForbidden, Duration downFor, int maxFaultsPerPath) {
        this(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, 0, false, Set.of(), 0);
    }

    /** A well-behaved counterparty. */
    public static Faults none() {
        return new Faults(1L, 0, 0, 0, 1, 0, Duration.ZERO, 0, 0, false, false, Duration.ZERO, 3);
    }

    /** What the demo shows: occasional 503s, some 500s, 429s, slow answers, cut bodies and dropped connections. */
    public static Faults demo() {
        return new Faults(42L, 0.06, 0.02, 0.03, 1, 0.04, Duration.ofMillis(300), 0.02, 0.02, false, false,
                Duration.ZERO, 3);
    }

    /**
     * {@code share} of requests hit by a transient fault, spread evenly over every kind: 503, 500,
     * 429 (Retry-After 1 s), slow (300 ms), cut body, dropped connection, garbled body.
     */
    public static Faults mixed(long seed, double share) {
        double each = share / 7;
        return new Faults(seed, each, each, each, 1, each, Duration.ofMillis(300), each, each, false, false,
                Duration.ZERO, 3, each, false, Set.of(), 0);
    }

    private Faults with(double unavailable, double serverError, double throttled, int retryAfterSeconds, double slow,
                        Duration slowDelay, double truncated, double reset, boolean alwaysUnauthorized,
                        boolean alwaysForbidden, Duration downFor, int maxFaultsPerPath, long seed) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated,
                reset, alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, garbled, retryAfterAsDate,
                hugePages, hugeBodyBytes);
    }

    public Faults withSeed(long s) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, s);
    }

    public Faults withUnavailable(double p) {
        return with(p, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withServerError(double p) {
        return with(unavailable, p, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withThrottled(double p, int retryAfter) {
        return with(unavailable, serverError, p, retryAfter, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withSlow(double p, Duration delay) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, p, delay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withTruncated(double p) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, p, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withReset(double p) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, p,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withAlwaysUnauthorized(boolean on) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                on, alwaysForbidden, downFor, maxFaultsPerPath, seed);
    }

    public Faults withAlwaysForbidden(boolean on) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, on, downFor, maxFaultsPerPath, seed);
    }

    public Faults withDownFor(Duration d) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, d, maxFaultsPerPath, seed);
    }

    public Faults withMaxFaultsPerPath(int n) {
        return with(unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, n, seed);
    }

    public Faults withGarbled(double p) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated,
                reset, alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, p, retryAfterAsDate,
                hugePages, hugeBodyBytes);
    }

    public Faults withRetryAfterAsDate(boolean on) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated,
                reset, alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, garbled, on,
                hugePages, hugeBodyBytes);
    }

    /** Answers these pages of every batch with an endless body of {@code bytes}. */
    public Faults withHugePages(Set<Integer> pages, long bytes) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated,
                reset, alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, garbled, retryAfterAsDate,
                pages, bytes);
    }
}
