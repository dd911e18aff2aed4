package io.reconflow.job.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * A reconciliation YAML exactly as written, bound by Jackson (snake_case keys, unknown keys fail).
 * Every component is nullable: a key left out is null here, and {@link ConfigBinder} supplies the
 * default or reports it as required, naming the key.
 */
public record ReconYaml(String name, Feed feed, String mode, Continuous continuous, List<LocalDate> businessDates,
                        Internal internal, List<Counterparty> counterparties, Fetch fetch, Dedup dedup,
                        Matching matching, Output output, Ledger ledger, Job job) {

    public record Feed(String name, String schema, List<String> matchKey, List<String> idempotencyKey,
                       String controlField) {}

    public record Continuous(Calendar calendar, Boolean openOnInternalFolder, Duration manifestPoll,
                             Duration folderPoll, Duration stateTtl) {}

    public record Calendar(String timeZone, String openAt, List<String> days, LocalDate firstDate,
                           Integer lookbackDays) {}

    public record Internal(String format, String path) {}

    public record Counterparty(String name, String baseUrl, String tokenEnv, Fetch fetch) {}

    /**
     * The global {@code fetch} block and a counterparty's own: one shape, so both stay in step; the
     * keys only the global block may set are refused in a counterparty's by {@link FetchBinder}.
     */
    public record Fetch(Integer capacity, Duration connectTimeout, Duration requestTimeout, Integer maxAttempts,
                        Duration backoffInitial, Duration backoffMax, Long maxBodyBytes, Duration deadline,
                        Integer maxInFlight, Integer maxInFlightTotal, RateLimit rateLimit,
                        CircuitBreaker circuitBreaker, Integer maxPages, String pauseFile, Duration pausePoll) {}

    public record RateLimit(BigDecimal requestsPerSecond, Integer burst) {}

    public record CircuitBreaker(Integer failureRate, Integer minRequests, Duration window, Duration openFor,
                                 Integer probes) {}

    public record Dedup(Duration ttl) {}

    public record Matching(List<Rule> rules, List<Pass> passes, Duration grace) {}

    public record Rule(String field, String internalField, String rule, BigDecimal tolerance, Duration window,
                       Map<String, String> opposites) {}

    public record Pass(String name, Boolean tolerances, List<String> key, List<String> rules) {}

    public record Output(String path) {}

    public record Ledger(String jdbcUrl, String userEnv, String passwordEnv, Integer batchSize,
                         Duration batchInterval, Integer maxRetries, Duration outagePatience) {}

    public record Job(Integer parallelism, Duration checkpointInterval) {}
}
