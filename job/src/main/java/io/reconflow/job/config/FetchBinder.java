package io.reconflow.job.config;

import io.reconflow.job.ConfigException;
import io.reconflow.operators.fetch.FetchSettings;
import io.reconflow.operators.fetch.PauseFileWatcher;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code fetch} blocks: the global one over the defaults, a counterparty's own over the global one. */
final class FetchBinder {
    /** What a counterparty's own {@code fetch} block may set: every key but those that are per TaskManager or job. */
    private static final String COUNTERPARTY_KEYS = "connect_timeout, request_timeout, max_attempts, backoff_initial, "
            + "backoff_max, max_body_bytes, deadline, max_in_flight, rate_limit, circuit_breaker, max_pages";

    private FetchBinder() {
    }

    /**
     * A {@code fetch} block at {@code key} laid over {@code base}. Every key may be left out; nested
     * blocks ({@code rate_limit}, {@code circuit_breaker}) are merged key by key too.
     *
     * @param global whether this is the global block, the only one that may set {@code capacity},
     *     {@code max_in_flight_total}, {@code pause_file} and {@code pause_poll}
     */
    static FetchSettings settings(String key, ReconYaml.Fetch f, FetchSettings base, boolean global) {
        if (f == null) {
            return base;
        }
        if (!global) {
            refuseGlobalOnly(key, f);
        }
        Duration backoffInitial = f.backoffInitial() == null ? base.backoffInitial() : f.backoffInitial();
        Duration backoffMax = f.backoffMax() == null ? base.backoffMax() : f.backoffMax();
        if (backoffMax.compareTo(backoffInitial) < 0) {
            throw new ConfigException(key + ".backoff_max", "must not be below backoff_initial (" + backoffInitial + ")");
        }
        Duration requestTimeout = Check.positive(key + ".request_timeout", f.requestTimeout(), base.requestTimeout());
        Duration deadline = Check.positive(key + ".deadline", f.deadline(), base.deadline());
        if (deadline.compareTo(requestTimeout) < 0) {
            throw new ConfigException(key + ".deadline", "must be at least request_timeout (" + requestTimeout + ")");
        }
        FetchSettings.Builder b = base.toBuilder()
                .connectTimeout(Check.positive(key + ".connect_timeout", f.connectTimeout(), base.connectTimeout()))
                .requestTimeout(requestTimeout)
                .maxAttempts(Check.positive(key + ".max_attempts", f.maxAttempts(), base.maxAttempts()))
                .backoff(backoffInitial, backoffMax)
                .maxBodyBytes(Check.positive(key + ".max_body_bytes", f.maxBodyBytes(), base.maxBodyBytes()))
                .deadline(deadline)
                .maxInFlight(Check.positive(key + ".max_in_flight", f.maxInFlight(), base.maxInFlight()))
                .maxPages(Check.positive(key + ".max_pages", f.maxPages(), base.maxPages()))
                .circuit(circuit(key + ".circuit_breaker", f.circuitBreaker(), base.circuit()));
        rateLimit(key + ".rate_limit", f.rateLimit(), base, b);
        if (global) {
            b.capacity(Check.positive(key + ".capacity", f.capacity(), base.capacity()))
                    .maxInFlightTotal(Check.positive(key + ".max_in_flight_total", f.maxInFlightTotal(), base.maxInFlightTotal()));
        }
        FetchSettings s = b.build();
        if (!s.problems().isEmpty()) {
            // Every problem is caught above with its own key; this only guards against a missed one.
            throw new ConfigException(key, String.join("; ", s.problems()));
        }
        return s;
    }

    /** The emergency pause switch (README "Emergency pause"): {@code fetch.pause_file}, read every {@code fetch.pause_poll}. */
    static PauseFileWatcher.Settings pauseSwitch(ReconYaml.Fetch fetch) {
        if (fetch == null) {
            return null;
        }
        if (fetch.pauseFile() == null) {
            if (fetch.pausePoll() != null) {
                throw new ConfigException("fetch.pause_poll", "has no effect without fetch.pause_file");
            }
            return null;
        }
        Duration poll = Check.atLeast("fetch.pause_poll", fetch.pausePoll(), Duration.ofSeconds(5), Duration.ofMillis(100));
        return new PauseFileWatcher.Settings(Check.text("fetch.pause_file", fetch.pauseFile()), poll);
    }

    private static void refuseGlobalOnly(String key, ReconYaml.Fetch f) {
        Map<String, Object> globalOnly = new LinkedHashMap<>();
        globalOnly.put("capacity", f.capacity());
        globalOnly.put("max_in_flight_total", f.maxInFlightTotal());
        globalOnly.put("pause_file", f.pauseFile());
        globalOnly.put("pause_poll", f.pausePoll());
        globalOnly.forEach((name, value) -> {
            if (value != null) {
                throw new ConfigException(key + "." + name, "unknown key; known here: " + COUNTERPARTY_KEYS
                        + " (" + name + " is set in the global fetch block only)");
            }
        });
    }

    private static void rateLimit(String key, ReconYaml.RateLimit rate, FetchSettings base, FetchSettings.Builder b) {
        if (rate == null) {
            return;
        }
        double perSecond = base.requestsPerSecond();
        BigDecimal rps = rate.requestsPerSecond();
        if (rps != null) {
            if (rps.signum() <= 0) {
                throw new ConfigException(key + ".requests_per_second", "must be a positive number, not " + rps.toPlainString());
            }
            perSecond = rps.doubleValue();
        }
        b.rateLimit(perSecond, Check.positive(key + ".burst", rate.burst(), base.burst()));
    }

    private static FetchSettings.Circuit circuit(String key, ReconYaml.CircuitBreaker cb, FetchSettings.Circuit base) {
        if (cb == null) {
            return base;
        }
        int failureRate = Check.positive(key + ".failure_rate", cb.failureRate(), base.failureRatePercent());
        if (failureRate > 100) {
            throw new ConfigException(key + ".failure_rate", "must be a percentage from 1 to 100, not " + failureRate);
        }
        Duration window = Check.positive(key + ".window", cb.window(), base.window());
        if (window.compareTo(Duration.ofMillis(10)) < 0) {
            throw new ConfigException(key + ".window", "must be at least 10ms");
        }
        return new FetchSettings.Circuit(failureRate,
                Check.positive(key + ".min_requests", cb.minRequests(), base.minRequests()),
                window,
                Check.positive(key + ".open_for", cb.openFor(), base.openFor()),
                Check.positive(key + ".probes", cb.probes(), base.probes()));
    }
}
