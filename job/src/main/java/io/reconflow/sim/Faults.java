package io.reconflow.sim;

import java.time.Duration;

/**
 * The transient faults a {@link CounterpartySimulator} injects, and the permanent ones it can be
 * switched into. Probabilities are per request and apply to requests that would otherwise be
 * answered; at most one fault hits a request. Decisions are seeded per (path, attempt number of
 * that path), so the same request sequence sees the same faults.
 *
 * <p>No fault makes a request fail for good: after {@code maxFaultsPerPath} transient faults on one
 * path, that path is always answered properly, and {@code downFor} ends. Only the explicit switches
 * {@code alwaysUnauthorized} and {@code alwaysForbidden} are permanent.
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
 */
public record Faults(long seed, double unavailable, double serverError, double throttled, int retryAfterSeconds,
                     double slow, Duration slowDelay, double truncated, double reset, boolean alwaysUnauthorized,
                     boolean alwaysForbidden, Duration downFor, int maxFaultsPerPath) {

    public Faults {
        double[] ps = {unavailable, serverError, throttled, slow, truncated, reset};
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

    public Faults withSeed(long s) {
        return new Faults(s, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withUnavailable(double p) {
        return new Faults(seed, p, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withServerError(double p) {
        return new Faults(seed, unavailable, p, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withThrottled(double p, int retryAfter) {
        return new Faults(seed, unavailable, serverError, p, retryAfter, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withSlow(double p, Duration delay) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, p, delay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withTruncated(double p) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, p, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withReset(double p) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, p,
                alwaysUnauthorized, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withAlwaysUnauthorized(boolean on) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                on, alwaysForbidden, downFor, maxFaultsPerPath);
    }

    public Faults withAlwaysForbidden(boolean on) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, on, downFor, maxFaultsPerPath);
    }

    public Faults withDownFor(Duration d) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, d, maxFaultsPerPath);
    }

    public Faults withMaxFaultsPerPath(int n) {
        return new Faults(seed, unavailable, serverError, throttled, retryAfterSeconds, slow, slowDelay, truncated, reset,
                alwaysUnauthorized, alwaysForbidden, downFor, n);
    }
}
