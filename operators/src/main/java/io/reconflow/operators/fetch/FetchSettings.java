package io.reconflow.operators.fetch;

import java.io.Serializable;
import java.time.Duration;

/**
 * How the fetch stage treats counterparties (YAML {@code fetch.*}).
 *
 * @param capacity requests in flight per fetch subtask (the async operator's capacity)
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout one attempt, from sending to the whole body read
 * @param maxAttempts attempts per request, the first included
 * @param backoffInitial first retry delay; doubles per retry, with full jitter
 * @param backoffMax cap of a single retry delay
 * @param maxBodyBytes a larger response body is not read further and fails the request
 */
public record FetchSettings(int capacity, Duration connectTimeout, Duration requestTimeout, int maxAttempts,
                            Duration backoffInitial, Duration backoffMax, long maxBodyBytes) implements Serializable {

    public static FetchSettings defaults() {
        return new FetchSettings(16, Duration.ofSeconds(5), Duration.ofSeconds(30), 6,
                Duration.ofMillis(200), Duration.ofSeconds(10), 64L * 1024 * 1024);
    }

    /**
     * Longest one request can take through all its attempts and waits; the async operator's own
     * timeout is set above this so that it never cuts a request that is still being retried.
     */
    public Duration retryBudget() {
        Duration total = Duration.ZERO;
        Duration delay = backoffInitial;
        for (int i = 0; i < maxAttempts; i++) {
            total = total.plus(requestTimeout);
            if (i < maxAttempts - 1) {
                total = total.plus(delay.compareTo(backoffMax) > 0 ? backoffMax : delay);
                delay = delay.multipliedBy(2);
            }
        }
        return total;
    }
}
