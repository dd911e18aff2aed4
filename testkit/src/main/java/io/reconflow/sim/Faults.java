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

    /** A well-behaved counterparty. */
    public static Faults none() {
        return builder().build();
    }

    /** What the demo shows: occasional 503s, some 500s, 429s, slow answers, cut bodies and dropped connections. */
    public static Faults demo() {
        return builder().seed(42L).unavailable(0.06).serverError(0.02).throttled(0.03, 1)
                .slow(0.04, Duration.ofMillis(300)).truncated(0.02).reset(0.02).build();
    }

    /**
     * {@code share} of requests hit by a transient fault, spread evenly over every kind: 503, 500,
     * 429 (Retry-After 1 s), slow (300 ms), cut body, dropped connection, garbled body.
     */
    public static Faults mixed(long seed, double share) {
        double each = share / 7;
        return builder().seed(seed).unavailable(each).serverError(each).throttled(each, 1)
                .slow(each, Duration.ofMillis(300)).truncated(each).reset(each).garbled(each).build();
    }

    /** Starts from {@link #none()}: seed 1, no faults, Retry-After 1 s, three faults per path at most. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these faults. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed;
        b.unavailable = unavailable;
        b.serverError = serverError;
        b.throttled = throttled;
        b.retryAfterSeconds = retryAfterSeconds;
        b.slow = slow;
        b.slowDelay = slowDelay;
        b.truncated = truncated;
        b.reset = reset;
        b.alwaysUnauthorized = alwaysUnauthorized;
        b.alwaysForbidden = alwaysForbidden;
        b.downFor = downFor;
        b.maxFaultsPerPath = maxFaultsPerPath;
        b.garbled = garbled;
        b.retryAfterAsDate = retryAfterAsDate;
        b.hugePages = hugePages;
        b.hugeBodyBytes = hugeBodyBytes;
        return b;
    }

    /** Builds {@link Faults}; the record's constructor checks the values. Parameters as documented there. */
    public static final class Builder {
        private long seed = 1L;
        private double unavailable;
        private double serverError;
        private double throttled;
        private int retryAfterSeconds = 1;
        private double slow;
        private Duration slowDelay = Duration.ZERO;
        private double truncated;
        private double reset;
        private boolean alwaysUnauthorized;
        private boolean alwaysForbidden;
        private Duration downFor = Duration.ZERO;
        private int maxFaultsPerPath = 3;
        private double garbled;
        private boolean retryAfterAsDate;
        private Set<Integer> hugePages = Set.of();
        private long hugeBodyBytes;

        private Builder() {
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder unavailable(double p) {
            unavailable = p;
            return this;
        }

        public Builder serverError(double p) {
            serverError = p;
            return this;
        }

        public Builder throttled(double p, int retryAfter) {
            throttled = p;
            retryAfterSeconds = retryAfter;
            return this;
        }

        public Builder slow(double p, Duration delay) {
            slow = p;
            slowDelay = delay;
            return this;
        }

        public Builder truncated(double p) {
            truncated = p;
            return this;
        }

        public Builder reset(double p) {
            reset = p;
            return this;
        }

        public Builder alwaysUnauthorized(boolean on) {
            alwaysUnauthorized = on;
            return this;
        }

        public Builder alwaysForbidden(boolean on) {
            alwaysForbidden = on;
            return this;
        }

        public Builder downFor(Duration d) {
            downFor = d;
            return this;
        }

        public Builder maxFaultsPerPath(int n) {
            maxFaultsPerPath = n;
            return this;
        }

        public Builder garbled(double p) {
            garbled = p;
            return this;
        }

        public Builder retryAfterAsDate(boolean on) {
            retryAfterAsDate = on;
            return this;
        }

        /** Answers these pages of every batch with an endless body of {@code bytes}. */
        public Builder hugePages(Set<Integer> pages, long bytes) {
            hugePages = pages;
            hugeBodyBytes = bytes;
            return this;
        }

        public Faults build() {
            return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated,
                    reset, alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath, garbled, retryAfterAsDate,
                    hugePages, hugeBodyBytes);
        }
    }
}
