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

    /** Every key at its default. */
    public static FetchSettings defaults() {
        return builder().build();
    }

    /** Starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.capacity = capacity;
        b.connectTimeout = connectTimeout;
        b.requestTimeout = requestTimeout;
        b.maxAttempts = maxAttempts;
        b.backoffInitial = backoffInitial;
        b.backoffMax = backoffMax;
        b.maxBodyBytes = maxBodyBytes;
        b.deadline = deadline;
        b.maxInFlight = maxInFlight;
        b.maxInFlightTotal = maxInFlightTotal;
        b.requestsPerSecond = requestsPerSecond;
        b.burst = burst;
        b.circuit = circuit;
        b.maxPages = maxPages;
        return b;
    }

    /** Builds {@link FetchSettings}; {@link #problems()} judges the result. Parameters as documented there. */
    public static final class Builder {
        private int capacity = 16;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxAttempts = 6;
        private Duration backoffInitial = Duration.ofMillis(200);
        private Duration backoffMax = Duration.ofSeconds(10);
        private long maxBodyBytes = 64L * 1024 * 1024;
        private Duration deadline = DEFAULT_DEADLINE;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int maxInFlightTotal = DEFAULT_MAX_IN_FLIGHT_TOTAL;
        private double requestsPerSecond = DEFAULT_REQUESTS_PER_SECOND;
        private int burst = DEFAULT_BURST;
        private Circuit circuit = Circuit.defaults();
        private int maxPages = DEFAULT_MAX_PAGES;

        private Builder() {
        }

        public Builder capacity(int n) {
            capacity = n;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            connectTimeout = d;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            requestTimeout = d;
            return this;
        }

        public Builder maxAttempts(int n) {
            maxAttempts = n;
            return this;
        }

        /** The first retry delay and the cap of one. */
        public Builder backoff(Duration initial, Duration max) {
            backoffInitial = initial;
            backoffMax = max;
            return this;
        }

        public Builder maxBodyBytes(long n) {
            maxBodyBytes = n;
            return this;
        }

        public Builder deadline(Duration d) {
            deadline = d;
            return this;
        }

        public Builder maxInFlight(int n) {
            maxInFlight = n;
            return this;
        }

        public Builder maxInFlightTotal(int n) {
            maxInFlightTotal = n;
            return this;
        }

        public Builder rateLimit(double perSecond, int burstSize) {
            requestsPerSecond = perSecond;
            burst = burstSize;
            return this;
        }

        public Builder circuit(Circuit c) {
            circuit = c;
            return this;
        }

        public Builder maxPages(int n) {
            maxPages = n;
            return this;
        }

        public FetchSettings build() {
            return new FetchSettings(capacity, connectTimeout, requestTimeout, maxAttempts, backoffInitial, backoffMax,
                    maxBodyBytes, deadline, maxInFlight, maxInFlightTotal, requestsPerSecond, burst, circuit, maxPages);
        }
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
