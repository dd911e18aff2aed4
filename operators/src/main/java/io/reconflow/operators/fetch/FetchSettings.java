package io.reconflow.operators.fetch;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the fetch stage treats a counterparty (YAML {@code fetch.*}, overridden per counterparty by
 * {@code counterparties[].fetch.*}). README: "Fetching from counterparties".
 *
 * @param capacity requests in flight per fetch subtask (the async operator's capacity; global only)
 * @param connectTimeout TCP connect timeout
 * @param requestTimeout one attempt, from sending to the whole body read
 * @param maxAttempts attempts per request, the first included (failed half-open circuit probes are not counted)
 * @param backoffInitial first retry delay; doubles per retry, with full jitter
 * @param backoffMax cap of a single retry delay
 * @param maxBodyBytes a larger response body is not read further and fails the request
 * @param deadline the whole of one request: every attempt, backoff, Retry-After, rate-limit, circuit and
 *     concurrency wait; when it passes the request fails
 * @param maxInFlight HTTP requests in flight to this counterparty at once, per TaskManager (all fetch
 *     subtasks and both fetch operators together)
 * @param maxInFlightTotal HTTP requests in flight at once to all counterparties together, per
 *     TaskManager (global only)
 * @param requestsPerSecond the token bucket's refill rate, per TaskManager
 * @param burst the token bucket's size: requests that may go at once after a quiet spell
 * @param circuit when the circuit breaker opens and how it probes
 * @param maxPages the most pages of one batch the job fetches: a manifest with more is rejected
 */
public record FetchSettings(int capacity, Duration connectTimeout, Duration requestTimeout, int maxAttempts,
                            Duration backoffInitial, Duration backoffMax, long maxBodyBytes, Duration deadline,
                            int maxInFlight, int maxInFlightTotal, double requestsPerSecond, int burst,
                            Circuit circuit, int maxPages)
        implements Serializable {

    private static final long serialVersionUID = 2L;

    /**
     * The circuit breaker of one counterparty.
     *
     * @param failureRatePercent opens when at least this share of the attempts within {@code window} failed
     * @param minRequests ... and at least this many attempts were made within {@code window}
     * @param window the sliding period the failure rate is measured over
     * @param openFor how long it stays open before letting probes through (half-open)
     * @param probes attempts let through when half-open; all must succeed to close it, one failure reopens it
     */
    public record Circuit(int failureRatePercent, int minRequests, Duration window, Duration openFor, int probes)
            implements Serializable {
        private static final long serialVersionUID = 1L;

        public static Circuit defaults() {
            return new Circuit(50, 5, Duration.ofSeconds(30), Duration.ofSeconds(5), 2);
        }
    }

    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(2);
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;
    public static final int DEFAULT_MAX_IN_FLIGHT_TOTAL = 32;
    public static final double DEFAULT_REQUESTS_PER_SECOND = 10;
    public static final int DEFAULT_BURST = 10;
    /** At 10 requests/s, 100,000 pages take nearly three hours: beyond that a manifest is not believed. */
    public static final int DEFAULT_MAX_PAGES = 100_000;

    /** The settings of before {@code max_pages}; it takes its default. */
    public FetchSettings(int capacity, Duration connectTimeout, Duration requestTimeout, int maxAttempts,
                         Duration backoffInitial, Duration backoffMax, long maxBodyBytes, Duration deadline,
                         int maxInFlight, int maxInFlightTotal, double requestsPerSecond, int burst, Circuit circuit) {
        this(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax, maxBodyBytes, deadline,
                maxInFlight, maxInFlightTotal, requestsPerSecond, burst, circuit, DEFAULT_MAX_PAGES);
    }

    /** The settings of before per-counterparty policies; the new ones take their defaults. */
    public FetchSettings(int capacity, Duration connectTimeout, Duration requestTimeout, int maxAttempts,
                         Duration backoffInitial, Duration backoffMax, long maxBodyBytes) {
        this(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax, maxBodyBytes,
                DEFAULT_DEADLINE, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT_TOTAL, DEFAULT_REQUESTS_PER_SECOND, DEFAULT_BURST, Circuit.defaults());
    }

    public static FetchSettings defaults() {
        return new FetchSettings(16, Duration.ofSeconds(5), Duration.ofSeconds(30), 6,
                Duration.ofMillis(200), Duration.ofSeconds(10), 64L * 1024 * 1024);
    }

    public FetchSettings withDeadline(Duration d) {
        return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                maxBodyBytes, d, maxInFlight, maxInFlightTotal, requestsPerSecond, burst, circuit, maxPages);
    }

    public FetchSettings withMaxInFlight(int n) {
        return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                maxBodyBytes, deadline, n, maxInFlightTotal, requestsPerSecond, burst, circuit, maxPages);
    }

    public FetchSettings withRateLimit(double perSecond, int burstSize) {
        return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                maxBodyBytes, deadline, maxInFlight, maxInFlightTotal, perSecond, burstSize, circuit, maxPages);
    }

    public FetchSettings withMaxInFlightTotal(int n) {
        return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                maxBodyBytes, deadline, maxInFlight, n, requestsPerSecond, burst, circuit, maxPages);
    }

    public FetchSettings withCircuit(Circuit c) {
        return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                maxBodyBytes, deadline, maxInFlight, maxInFlightTotal, requestsPerSecond, burst, c, maxPages);
    }

    public FetchSettings withMaxPages(int n) {
        return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                maxBodyBytes, deadline, maxInFlight, maxInFlightTotal, requestsPerSecond, burst, circuit, n);
    }

    /**
     * The longest a fetch function can take to answer one element: the deadline, after which the
     * client answers with a failure on its own. The async operator's timeout must be above it.
     */
    public Duration retryBudget() {
        return deadline;
    }

    /** What is wrong with these settings, one message per problem (empty when they are usable). */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (capacity < 1) {
            out.add("capacity must be at least 1");
        }
        if (maxAttempts < 1) {
            out.add("max_attempts must be at least 1");
        }
        if (isNotPositive(connectTimeout) || isNotPositive(requestTimeout) || isNotPositive(deadline)) {
            out.add("connect_timeout, request_timeout and deadline must be positive durations");
        }
        if (backoffInitial == null || backoffInitial.isNegative() || backoffMax == null || backoffMax.isNegative()) {
            out.add("backoff_initial and backoff_max must be durations >= 0");
        } else if (backoffMax.compareTo(backoffInitial) < 0) {
            out.add("backoff_max must not be below backoff_initial");
        }
        if (!isNotPositive(requestTimeout) && !isNotPositive(deadline) && deadline.compareTo(requestTimeout) < 0) {
            out.add("deadline must be at least request_timeout");
        }
        if (maxBodyBytes < 1) {
            out.add("max_body_bytes must be positive");
        }
        if (maxInFlight < 1 || maxInFlightTotal < 1) {
            out.add("max_in_flight and max_in_flight_total must be at least 1");
        }
        if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
            out.add("rate_limit.requests_per_second must be a positive number");
        }
        if (burst < 1) {
            out.add("rate_limit.burst must be at least 1");
        }
        if (maxPages < 1) {
            out.add("max_pages must be at least 1");
        }
        if (circuit == null) {
            out.add("circuit_breaker must be set");
        } else {
            if (circuit.failureRatePercent() < 1 || circuit.failureRatePercent() > 100) {
                out.add("circuit_breaker.failure_rate must be a percentage from 1 to 100");
            }
            if (circuit.minRequests() < 1 || circuit.probes() < 1) {
                out.add("circuit_breaker.min_requests and circuit_breaker.probes must be at least 1");
            }
            if (circuit.window() == null || circuit.window().compareTo(Duration.ofMillis(10)) < 0
                    || isNotPositive(circuit.openFor())) {
                out.add("circuit_breaker.window must be at least 10 ms and circuit_breaker.open_for positive");
            }
        }
        return out;
    }

    /**
     * The token bucket as Failsafe's bursty rate limiter: {@code burst} permits, all refilled once
     * per {@code burst / requestsPerSecond}.
     */
    Duration rateLimitPeriod() {
        return Duration.ofNanos(Math.max(1L, Math.round(burst * 1_000_000_000d / requestsPerSecond)));
    }

    private static boolean isNotPositive(Duration d) {
        return d == null || d.isNegative() || d.isZero();
    }
}
