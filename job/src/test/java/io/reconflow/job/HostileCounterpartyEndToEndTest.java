package io.reconflow.job;

import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.operators.fetch.LogCapture;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.CounterpartySimulator.Fault;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import io.reconflow.testkit.OutputQuery;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job against counterparties that misbehave the ways counterparty-api.yaml allows:
 * throttling, 5xx, slow answers, cut and garbled bodies, dropped connections, refused tokens,
 * outages, and a body that never ends. Each run is read back through DuckDB and checked against the
 * scenario's truth and the simulator's counts of what the client did.
 */
class HostileCounterpartyEndToEndTest extends MiniClusterTestBase {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final List<LocalDate> DATES = List.of(LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-20"));
    private static final String CP = "northpool-energy";

    @TempDir
    Path tmp;

    /** A counterparty of a run: its simulator's faults and its own YAML fetch block (or none). */
    record Party(String name, Scenario scenario, Faults faults, String fetchYaml) {}

    /** What a run left: the job's result, each simulator's counts, the output, and the run's logs. */
    record Run(JobExecutionResult result, Map<String, CounterpartySimulator.Counters> counters, Path out,
               LogCapture logs) {}

    /** One counterparty, two dates, small pages so that a batch has many. */
    private static Scenario scenario(ReconConfig base, String counterparty, long seed, int pageSize) {
        return scenario(base, List.of(counterparty), seed, pageSize);
    }

    private static Scenario scenario(ReconConfig base, List<String> counterparties, long seed, int pageSize) {
        ScenarioSettings settings = new ScenarioSettings(seed, DATES, counterparties,
                30, 10, 12, 6, 6, 8, 5, 5, 2, pageSize);
        return ScenarioGenerator.generate(base.feed(), base.matching(), settings);
    }

    private Run run(Scenario internal, List<Party> parties, List<String> extraDates, List<String> overrides,
                    LogCapture logs) throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        String internalPath = tmp.resolve("internal/business_date={business_date}").toString();
        InternalFiles.write(internal, base.feed(), internalPath, "csv");
        for (String d : extraDates) {
            Files.createDirectories(Path.of(internalPath.replace("{business_date}", d)));
        }
        Path out = tmp.resolve("out");
        List<CounterpartySimulator> sims = new ArrayList<>();
        try {
            StringBuilder cps = new StringBuilder("counterparties=[");
            for (Party p : parties) {
                CounterpartySimulator sim = new CounterpartySimulator(p.scenario(), p.name(), token(), p.faults(), 0);
                sims.add(sim);
                cps.append(sims.size() > 1 ? ", " : "").append("{name: ").append(p.name())
                        .append(", base_url: '").append(sim.url()).append("', token_env: ").append(TOKEN_ENV)
                        .append(p.fetchYaml() == null ? "" : ", fetch: " + p.fetchYaml()).append('}');
            }
            List<String> all = new ArrayList<>();
            List<String> dates = new ArrayList<>(DATES.stream().map(LocalDate::toString).toList());
            dates.addAll(extraDates);
            all.add("business_dates=[" + String.join(", ", dates) + "]");
            all.add("internal.path=" + internalPath);
            all.add("output.path=" + out);
            all.add(cps.append(']').toString());
            all.add("fetch.backoff_initial=20ms");
            all.add("fetch.backoff_max=500ms");
            all.add("fetch.request_timeout=5s");
            all.add("job.checkpoint_interval=300ms");
            all.addAll(overrides);
            ReconConfig config = ReconConfig.load(ENERGY, all);
            JobExecutionResult result = ReconflowJob.run(environment(config), config);
            Map<String, CounterpartySimulator.Counters> counters = new LinkedHashMap<>();
            sims.forEach(s -> counters.put(s.counterparty(), s.counters()));
            return new Run(result, counters, out, logs);
        } finally {
            sims.forEach(CounterpartySimulator::close);
        }
    }

    private Run run(Scenario scenario, Faults faults, String fetchYaml, List<String> overrides) throws Exception {
        // The counts come from the simulator; nothing here reads the client's DEBUG lines.
        try (LogCapture logs = new LogCapture()) {
            return run(scenario, List.of(new Party(CP, scenario, faults, fetchYaml)), List.of(), overrides, logs);
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void underTenPercentMixedFaultsEveryValidRecordArrivesExactlyOnceAndTheCounterpartyIsTreatedPolitely()
            throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        Scenario scenario = scenario(base, CP, 21L, 3);
        int maxInFlight = 4;
        Run run = run(scenario, Faults.mixed(75L, 0.10),
                "{max_in_flight: " + maxInFlight + ", rate_limit: {requests_per_second: 100, burst: 20}}",
                List.of("fetch.capacity=8"));

        CounterpartySimulator.Counters c = run.counters().get(CP);
        // The faults happened (the seed fixes which, so this is not luck) ...
        long faulted = c.faults().values().stream().mapToLong(Long::longValue).sum();
        assertThat((double) faulted / c.totalRequests()).isBetween(0.03, 0.25);
        assertThat(c.faults().keySet()).contains(Fault.UNAVAILABLE, Fault.SERVER_ERROR, Fault.THROTTLED,
                Fault.TRUNCATED, Fault.RESET, Fault.GARBLED, Fault.SLOW);
        // ... and the client stayed polite throughout.
        assertThat(c.maxInFlight()).isBetween(2, maxInFlight);
        assertThat(c.retriesAfterPermanent()).isZero();
        // A request can reach the counterparty after a 429 was given only if it was already on its
        // way when the client had that 429: one of the at most maxInFlight - 1 others in flight beside
        // the throttled one. Nothing sent after is early. (Strictly, with nothing else in flight: the
        // next test.)
        assertThat(c.fault(Fault.THROTTLED)).as("429s given").isPositive();
        assertThat(c.earlyRequests()).hasSize((int) c.earlyRetries());
        Map<String, Long> earlyPer429 = c.earlyRequests().stream().collect(
                java.util.stream.Collectors.groupingBy(e -> e.throttledRequestId(), java.util.stream.Collectors.counting()));
        assertThat(earlyPer429).allSatisfy((throttled, early) -> assertThat(early)
                .as("requests early for the 429 to %s", throttled).isLessThanOrEqualTo(maxInFlight - 1L));

        checkAgainstTruth(run, scenario.truth().forInternalFormat("csv"), List.of());
    }

    @Test
    void aThrottlingCounterpartyIsNeverAskedAgainBeforeItsRetryAfterWhateverThePath() throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        Scenario scenario = scenario(base, CP, 23L, 8);
        // One request at a time: the only way a client can know of a 429 before it sends its next
        // request (one already on the wire when a 429 is given cannot be called back).
        Run run = run(scenario, Faults.builder().seed(9).throttled(0.25, 1).maxFaultsPerPath(2).build(),
                "{max_in_flight: 1}", List.of());

        CounterpartySimulator.Counters c = run.counters().get(CP);
        assertThat(c.fault(Fault.THROTTLED)).isGreaterThanOrEqualTo(2);
        assertThat(c.earlyRetries()).as("requests before a Retry-After had passed").isZero();
        assertThat(c.maxInFlight()).isEqualTo(1);
        // Each 429 held the whole counterparty back for its Retry-After: no request came early by the
        // simulator's clock, and every page still arrived.
        checkAgainstTruth(run, scenario.truth().forInternalFormat("csv"), List.of());
    }

    @Test
    void refusedTokensAndMissingBatchesAreRejectedAtOnceLoudlyAndTheTokenNeverReachesTheLogs() throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        Scenario good = scenario(base, CP, 25L, 4);
        Scenario others = scenario(base, List.of("refuses-token", "forbids-feed"), 26L, 4);
        String missingDate = "2026-11-21";
        Run run;
        try (LogCapture logs = new LogCapture("io.reconflow", Level.DEBUG)) {
            run = run(good, List.of(
                            new Party(CP, good, Faults.mixed(7L, 0.10), null),
                            new Party("refuses-token", others,
                                    Faults.builder().alwaysUnauthorized(true).build(), null),
                            new Party("forbids-feed", others,
                                    Faults.builder().alwaysForbidden(true).build(), null)),
                    List.of(missingDate), List.of(), logs);
        }

        // 401, 403 and 404 each become one FETCH_FAILED reject carrying the status, after one request.
        Map<String, Integer> expectedStatus = Map.of(CP, 404, "refuses-token", 401, "forbids-feed", 403);
        List<List<Object>> fetchRejects;
        try (OutputQuery q = new OutputQuery(run.out().toString())) {
            fetchRejects = q.rows("SELECT source, business_date::VARCHAR, http_status, message, page FROM rejects "
                    + "WHERE error_code = 'FETCH_FAILED' ORDER BY 1, 2");
        }
        List<String> expected = new ArrayList<>();
        for (String cp : List.of("forbids-feed", "refuses-token")) {
            for (String d : List.of("2026-11-19", "2026-11-20", missingDate)) {
                expected.add(cp + " " + d + " " + expectedStatus.get(cp));
            }
        }
        expected.add(CP + " " + missingDate + " 404");
        assertThat(fetchRejects).extracting(r -> r.get(0) + " " + r.get(1) + " " + r.get(2))
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(fetchRejects).allSatisfy(r -> {
            assertThat(r.get(3).toString()).contains("HTTP " + r.get(2));
            assertThat(r.get(4)).isNull();
        });
        run.counters().forEach((cp, c) -> {
            assertThat(c.retriesAfterPermanent()).as("retries after 401/403/404 at %s", cp).isZero();
            assertThat(c.earlyRetries()).isZero();
        });
        assertThat(run.counters().get("refuses-token").totalRequests()).isEqualTo(3);
        assertThat(run.counters().get("forbids-feed").totalRequests()).isEqualTo(3);

        // Loudly, once per counterparty, naming the variable; the token itself nowhere in the whole run's log.
        String log = run.logs().text();
        List<String> errors = run.logs().lines().stream().filter(l -> l.startsWith("ERROR")).toList();
        assertThat(errors).filteredOn(l -> l.contains("refused our credentials")).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains(TOKEN_ENV))
                .anySatisfy(l -> assertThat(l).contains("refuses-token").contains("HTTP 401"))
                .anySatisfy(l -> assertThat(l).contains("forbids-feed").contains("HTTP 403"));
        assertThat(run.logs().lines()).as("the run logged (so the next check can fail)").hasSizeGreaterThan(20);
        assertThat(log).as("a retry was logged").contains("; retrying");
        assertThat(log).doesNotContain(token());

        // The good counterparty's records all arrived despite its faults and its neighbours' trouble.
        checkAgainstTruth(run, good.truth().forInternalFormat("csv"), List.of("FETCH_FAILED"));
    }

    @Test
    void aCounterpartyDownForThirtySecondsOpensTheCircuitWhichClosesWhenItReturnsAndNothingIsLost()
            throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        Scenario scenario = scenario(base, CP, 27L, 6);
        Duration down = Duration.ofSeconds(30);
        int minRequests = 4;
        Duration openFor = Duration.ofSeconds(3);
        int probes = 2;
        int maxInFlight = 4;
        Run run;
        try (LogCapture logs = new LogCapture()) {
            run = run(scenario, List.of(new Party(CP, scenario, Faults.builder().downFor(down).build(),
                    "{max_in_flight: " + maxInFlight + ", circuit_breaker: {min_requests: " + minRequests
                            + ", open_for: " + openFor.toSeconds() + "s, probes: " + probes + "}}")),
                    List.of(), List.of(), logs);
        }

        // The pages are served only once it is back (the simulator's clock), and every record arrived:
        // the job waited for it rather than giving up.
        List<String> circuit = run.logs().lines().stream().filter(l -> l.contains("circuit breaker of counterparty " + CP))
                .toList();
        assertThat(circuit).anySatisfy(l -> assertThat(l).contains("opened"));
        assertThat(circuit.get(circuit.size() - 1)).contains("closed");
        // While it was down, requests waited instead of hammering it: before opening at most the
        // attempts that made the failure rate, and the ones in flight; then only probes.
        CounterpartySimulator.Counters c = run.counters().get(CP);
        long probeRounds = down.toNanos() / openFor.toNanos() + 2;
        assertThat(c.fault(Fault.DOWN)).isPositive()
                .isLessThanOrEqualTo(minRequests + maxInFlight + probeRounds * probes);
        assertThat(c.retriesAfterPermanent()).isZero();
        checkAgainstTruth(run, scenario.truth().forInternalFormat("csv"), List.of());
    }

    @Test
    void aTwoGibBodyBecomesARejectAndNotAnOutOfMemoryError() throws Exception {
        ReconConfig base = ReconConfig.load(ENERGY, List.of());
        Scenario scenario = scenario(base, CP, 29L, 6);
        int hugePage = 2;
        Run run = run(scenario, Faults.builder().hugePages(Set.of(hugePage), Faults.TWO_GIB).build(), null, List.of());

        long limit = base.fetch().maxBodyBytes();
        CounterpartySimulator.Counters c = run.counters().get(CP);
        assertThat(c.fault(Fault.HUGE)).isEqualTo(DATES.size());
        // The client hung up at its limit: the counterparty sent nowhere near 2 GiB.
        assertThat(c.hugeBodyBytesSent()).isGreaterThanOrEqualTo(limit).isLessThan(2 * limit * DATES.size());
        try (OutputQuery q = new OutputQuery(run.out().toString())) {
            List<List<Object>> pageRejects = q.rows("SELECT business_date::VARCHAR, page, http_status, message FROM rejects "
                    + "WHERE error_code = 'PAGE_UNPARSEABLE' ORDER BY 1");
            assertThat(pageRejects).hasSize(DATES.size()).allSatisfy(r -> {
                assertThat(((Number) r.get(1)).intValue()).isEqualTo(hugePage);
                assertThat(((Number) r.get(2)).intValue()).isEqualTo(200);
                assertThat(r.get(3).toString()).contains("exceeded " + limit + " bytes");
            });
            // Every record of every other page arrived and is accounted for.
            long servedElsewhere = 0;
            for (LocalDate d : DATES) {
                Scenario.Batch b = scenario.batch(CP, d);
                servedElsewhere += b.servedRecords().size() - b.page(hugePage).records().size();
            }
            long duplicates = ((Number) run.result().getAccumulatorResult(DeduplicateRecords.DUPLICATES_ACCUMULATOR)).longValue();
            long rows = count(q, "SELECT count(*) FROM results WHERE counterparty IS NOT NULL");
            long recordRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'COUNTERPARTY' AND error_code <> 'PAGE_UNPARSEABLE'");
            assertThat(rows + duplicates + recordRejects).isEqualTo(servedElsewhere);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Every key ends once as the truth says, every expected reject came (and no other, but for the
     * error codes in {@code otherRejectCodes}), and fetched = valid + rejected.
     */
    private static void checkAgainstTruth(Run run, Truth truth, List<String> otherRejectCodes) throws Exception {
        try (OutputQuery q = new OutputQuery(run.out().toString())) {
            Map<Truth.KeyRef, String> actual = new HashMap<>();
            for (List<Object> row : q.rows("SELECT business_date::VARCHAR, match_key, status FROM results")) {
                String previous = actual.put(new Truth.KeyRef(row.get(0).toString(), row.get(1).toString()), row.get(2).toString());
                assertThat(previous).as("key %s decided twice", row).isNull();
            }
            Map<Truth.KeyRef, String> expected = new HashMap<>();
            truth.keys().forEach((k, v) -> expected.put(k, v.status().name()));
            assertThat(actual).isEqualTo(expected);

            String others = otherRejectCodes.isEmpty() ? "" : " WHERE error_code NOT IN ('" + String.join("', '", otherRejectCodes) + "')";
            List<List<Object>> rejects = q.rows("SELECT side, error_code, field, raw, business_date::VARCHAR FROM rejects" + others);
            List<Truth.ExpectedReject> unmatched = new ArrayList<>(truth.rejects());
            for (List<Object> r : rejects) {
                FeedRun.takeExpected(unmatched, r, false);
            }
            assertThat(unmatched).as("rejects that never came").isEmpty();

            long duplicates = ((Number) run.result().getAccumulatorResult(DeduplicateRecords.DUPLICATES_ACCUMULATOR)).longValue();
            long counterpartyRows = count(q, "SELECT count(*) FROM results WHERE counterparty IS NOT NULL");
            long internalRows = count(q, "SELECT count(*) FROM results WHERE internal IS NOT NULL");
            long counterpartyRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'COUNTERPARTY'"
                    + (others.isEmpty() ? "" : " AND error_code NOT IN ('" + String.join("', '", otherRejectCodes) + "')"));
            long internalRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'INTERNAL'");
            Truth.Totals t = truth.totals();
            assertThat(duplicates).isEqualTo(t.exactDuplicatesDropped());
            assertThat(counterpartyRows + duplicates + counterpartyRejects).isEqualTo(t.counterpartyServed());
            assertThat(counterpartyRows).isEqualTo(t.counterpartyValid());
            assertThat(internalRows + internalRejects).isEqualTo(t.internalWritten());
        }
    }

    private static long count(OutputQuery q, String sql) throws Exception {
        return ((Number) q.rows(sql).get(0).get(0)).longValue();
    }
}
