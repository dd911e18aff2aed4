package io.reconflow.operators.fetch;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** The wait before a retry: full-jitter exponential backoff, never shorter than a Retry-After. */
final class Backoff {

    private Backoff() {}

    /**
     * Uniform in [0, min(max, initial·2^(n-1))] after the n-th failed attempt, but never shorter
     * than a Retry-After the server asked for.
     */
    static Duration retryDelay(FetchSettings s, int failedAttempt, Duration retryAfter, RandomGenerator random) {
        Duration ceiling = ceiling(s, failedAttempt);
        Duration delay = Duration.ofNanos(random.nextLong(ceiling.toNanos() + 1));
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        return delay;
    }

    static Duration ceiling(FetchSettings s, int failedAttempt) {
        Duration ceiling = s.backoffInitial();
        for (int i = 1; i < failedAttempt && ceiling.compareTo(s.backoffMax()) < 0; i++) {
            ceiling = ceiling.multipliedBy(2);
        }
        return ceiling.compareTo(s.backoffMax()) > 0 ? s.backoffMax() : ceiling;
    }
}
