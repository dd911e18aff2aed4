package io.reconflow.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.reconflow.job.cluster.Deadline;
import io.reconflow.job.cluster.FlinkRest;
import io.reconflow.job.cluster.SessionCluster;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Scenario;
import io.reconflow.testkit.OutputQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.reconflow.job.ClusterSubmissionIT.JAR;
import static io.reconflow.job.ClusterSubmissionIT.JOB_TIMEOUT;
import static io.reconflow.job.ClusterSubmissionIT.TOKEN;
import static io.reconflow.job.ClusterSubmissionIT.TOKEN_ENV;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A savepoint upgrade on a real standalone cluster (RocksDB, as conf/config.yaml sets): a continuous
 * job is stopped with a savepoint in the middle of a slow fetch and started from it as a changed
 * version — the amount tolerance widened (a rule changed) and a keyed matching pass added (a new
 * operator the savepoint has no state for). The job runs on the system clock, so the date is today
 * (UTC) and opens at once; the grace is long, so no key is decided unmatched during the test.
 */
class ClusterUpgradeIT {
    private static final LocalDate DATE = LocalDate.now(ZoneOffset.UTC);
    private static final Pattern KEY = Pattern.compile("S\\d\\d");
    private static final String COUNTERPARTY = "meridian-bank";
    private static final int PAGES = 60;
    /** Page requests seen before the stop: pages 1 to this less the capacity are surely decided before it. */
    private static final int MID_FETCH = 12;
    private static final int CAPACITY = 4;
    private static final String PAGE_PATH = "/v1/feeds/fx-settlements/batches/" + DATE + "/pages/";
    /** Keys whose counterparty page comes before the stop but whose record of ours only after the upgrade. */
    private static final List<Integer> OURS_LATE = List.of(3, 4, 58, 59, 60, 61);

    @RegisterExtension
    static final SessionCluster SESSION = new SessionCluster("upgrade", 1, Map.of(TOKEN_ENV, TOKEN), JAR);

    @TempDir
    Path tmp;

    /** Their amount of key {@code i}; ours differs on 2 and 55 by 0.50, on 56 by 0.005, on 57 by 5. */
    private static BigDecimal theirs(int i) {
        return new BigDecimal(100 + i).setScale(2);
    }

    private static BigDecimal ours(int i) {
        return theirs(i).add(switch (i) {
            case 2, 55 -> new BigDecimal("0.50");
            case 56 -> new BigDecimal("0.005");
            case 57 -> new BigDecimal("5.00");
            default -> BigDecimal.ZERO;
        });
    }

    private static String key(int i) {
        return "S%02d".formatted(i);
    }

    private static String record(int i, String direction, BigDecimal amount) {
        return "{\"settlement_id\":\"" + key(i) + "\",\"currency_pair\":\"EUR/USD\",\"direction\":\"" + direction
                + "\",\"value_date\":\"" + DATE + "\",\"amount\":\"" + amount.toPlainString() + "\",\"settled_at\":\"" + DATE + "T10:00:00Z\"}";
    }

    private static Scenario.Manifest manifest(String batchId, List<Integer> keys, int pages) {
        BigDecimal total = keys.stream().map(ClusterUpgradeIT::theirs).reduce(BigDecimal.ZERO, BigDecimal::add);
        return new Scenario.Manifest("fx-settlements", DATE.toString(), batchId, keys.size(), pages, total.toPlainString(),
                DATE + "T06:00:00Z");
    }

    /** One record a page, so that the fetch of batch B-1 takes a while at 5 requests a second. */
    private static List<Scenario.Page> pages(List<Integer> keys) {
        List<Scenario.Page> out = new ArrayList<>();
        for (int n = 0; n < keys.size(); n++) {
            out.add(new Scenario.Page(n + 1, List.of(record(keys.get(n), "RECEIVE", theirs(keys.get(n))))));
        }
        return out;
    }

    /**
     * What each key must end as, from the amounts served and the tolerance in force when its second
     * side came: 0.01 before the upgrade (only key 2 of the differing keys), 1.00 after it.
     */
    private static Map<String, String> expected() {
        Map<String, String> out = new TreeMap<>();
        for (int i = 1; i <= PAGES + 1; i++) {
            BigDecimal diff = ours(i).subtract(theirs(i)).abs();
            BigDecimal tolerance = new BigDecimal(i == 2 ? "0.01" : "1.00");
            out.put(key(i), diff.signum() == 0 ? "MATCHED" : diff.compareTo(tolerance) <= 0 ? "MATCHED_WITHIN_TOLERANCE" : "BREAK");
        }
        return out;
    }

    @Test
    void aJobUpgradedFromASavepointMidFetchKeepsItsDedupAndMatchingStateAndLosesOrRepeatsNoRow() throws Exception {
        List<Integer> b1 = IntStream.rangeClosed(1, PAGES).boxed().toList();
        Scenario scenario = new Scenario("fx-settlements", null, List.of(new Scenario.Batch(COUNTERPARTY, DATE,
                manifest("B-1", b1, PAGES), pages(b1), List.of())), null);
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, COUNTERPARTY, TOKEN)) {
            Path out = tmp.resolve("out");
            Path v1 = yaml("v1.yaml", sim, out, "");
            Path v2 = yaml("v2.yaml", sim, out, """
                      passes:
                        - {name: exact, tolerances: false}
                        - {name: tolerance, tolerances: true}
                        - {name: secondary, key: [currency_pair, value_date, amount], rules: [direction], tolerances: false}
                    """);
            ourFile("first.jsonl", b1.stream().filter(i -> !OURS_LATE.contains(i)).toList());

            String first = submit(args(v1, List.of()), null);
            Deadline.of(JOB_TIMEOUT).await(MID_FETCH + " page requests", () -> pagesRequested(sim) >= MID_FETCH);
            JsonNode savepoint = SESSION.rest().stopWithSavepoint(first, SESSION.cluster().dir().resolve("savepoints"), JOB_TIMEOUT);
            SESSION.rest().awaitState(first, "FINISHED", JOB_TIMEOUT);
            int requestedAtStop = pagesRequested(sim);
            Map<String, String> before = results(out);
            assertThat(requestedAtStop).as("the stop came mid-fetch").isLessThan(PAGES - 10);
            assertThat(before).as("decided before the upgrade, key 2 under the old tolerance")
                    .containsEntry(key(1), "MATCHED").containsEntry(key(2), "BREAK").doesNotContainKeys(key(3), key(4), key(55));

            // The changed version: one rule changed (--set), one keyed pass added (the YAML).
            String second = submit(args(v2, List.of("matching.rules[3].tolerance=\"1.00\"")),
                    savepoint.path("operation").path("location").asText());
            assertThat(SESSION.rest().checkpoints(second).path("latest").path("restored").path("is_savepoint").asBoolean())
                    .as("restored from the savepoint").isTrue();
            assertThat(vertexNames(second)).as("the added operator").anyMatch(n -> n.contains("Match pass 3 (secondary)"));
            ourFile("second.jsonl", OURS_LATE);
            Deadline.of(JOB_TIMEOUT).await("the rest of batch B-1 decided", () -> results(out).size() >= PAGES);

            // A republication: keys 1 and 2 exactly as before (dropped as duplicates), key 61 new.
            List<Integer> b2 = List.of(1, 2, PAGES + 1);
            sim.publish(DATE, manifest("B-2", b2, 1), List.of(new Scenario.Page(1, b2.stream()
                    .map(i -> record(i, "RECEIVE", theirs(i))).toList())));
            Deadline.of(JOB_TIMEOUT).await("key 61 of the republication decided", () -> results(out).containsKey(key(PAGES + 1)));
            // Key 61 came after the duplicates on the same page; one more checkpoint commits anything they caused.
            long completed = SESSION.rest().checkpoints(second).path("counts").path("completed").asLong();
            Deadline.of(JOB_TIMEOUT).await("one more checkpoint", () ->
                    SESSION.rest().checkpoints(second).path("counts").path("completed").asLong() > completed + 1);
            SESSION.rest().cancel(second, JOB_TIMEOUT);

            assertThat(sim.counters().path(PAGE_PATH + 3)).as("key 3's page, its side kept in the savepoint").isEqualTo(1);
            assertThat(sim.counters().path(PAGE_PATH + 4)).as("key 4's page, its side kept in the savepoint").isEqualTo(1);
            assertThat(pagesRequested(sim)).as("every page of B-1, and B-2's one (its page 1 again)").isEqualTo(PAGES);
            List<List<String>> want = new ArrayList<>();
            expected().forEach((k, status) -> want.add(List.of(k, status)));
            assertThat(resultRows(out)).as("every key once, as the amounts served and the tolerance in force say").isEqualTo(want);
            try (OutputQuery q = new OutputQuery(out.toString())) {
                assertThat(Files.exists(out.resolve("rejects"))
                        ? q.rows("SELECT error_code, message FROM rejects") : List.of()).as("rejects").isEmpty();
            }
        }
    }

    private Path yaml(String name, CounterpartySimulator sim, Path out, String passes) throws Exception {
        Path schema = tmp.resolve("fx-settlements.avsc");
        try (InputStream in = ClusterUpgradeIT.class.getResourceAsStream("/walkthrough/fx-settlements.avsc")) {
            Files.copy(in, schema, StandardCopyOption.REPLACE_EXISTING);
        }
        Path yaml = tmp.resolve(name);
        Files.writeString(yaml, """
                name: fx-upgrade
                mode: continuous
                continuous:
                  calendar: {time_zone: UTC, open_at: "00:00", first_date: %s}
                  manifest_poll: 200ms
                  folder_poll: 200ms
                feed: {name: fx-settlements, schema: %s, match_key: [settlement_id], control_field: amount}
                internal: {format: jsonl, path: "%s/business_date={business_date}"}
                counterparties:
                  - {name: %s, base_url: %s, token_env: %s}
                fetch: {capacity: %d, max_in_flight: %d, rate_limit: {requests_per_second: 5, burst: 1}}
                matching:
                  grace: PT12H
                  rules:
                    - {field: direction, rule: opposite}
                    - {field: currency_pair, rule: equal}
                    - {field: value_date, rule: equal}
                    - {field: amount, rule: abs_tolerance, tolerance: "0.01"}
                %soutput: {path: %s}
                job: {checkpoint_interval: 500ms}
                """.formatted(DATE, schema, tmp.resolve("internal"), COUNTERPARTY, sim.url(), TOKEN_ENV, CAPACITY, CAPACITY,
                passes, out));
        return yaml;
    }

    /** Our records of {@code keys}, written under a hidden name and renamed, as the README says. */
    private void ourFile(String name, List<Integer> keys) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("internal").resolve("business_date=" + DATE));
        Path hidden = folder.resolve("." + name);
        Files.writeString(hidden, String.join("\n", keys.stream().map(i -> record(i, "PAY", ours(i))).toList()) + "\n",
                StandardCharsets.UTF_8);
        Files.move(hidden, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> args(Path yaml, List<String> overrides) {
        List<String> args = new ArrayList<>(List.of("run", "--config", yaml.toString()));
        overrides.forEach(o -> args.addAll(List.of("--set", o)));
        return args;
    }

    private static String submit(List<String> args, String savepoint) throws Exception {
        FlinkRest.Response submitted = SESSION.rest().runJar(SESSION.jar(), args, savepoint);
        assertThat(submitted.ok()).as("POST /jars/:id/run answered %s", submitted).isTrue();
        String job = submitted.body().path("jobid").asText();
        SESSION.rest().awaitState(job, "RUNNING", JOB_TIMEOUT);
        return job;
    }

    private static List<String> vertexNames(String job) throws Exception {
        List<String> names = new ArrayList<>();
        SESSION.rest().get("/jobs/" + job).path("vertices").forEach(v -> names.add(v.path("name").asText()));
        return names;
    }

    /** Distinct page paths the simulator was asked for. */
    private static int pagesRequested(CounterpartySimulator sim) {
        return (int) sim.counters().requestsByPath().keySet().stream().filter(p -> p.contains("/pages/")).count();
    }

    /** The committed results as (our settlement id, status), sorted; none before the first file is committed. */
    private static List<List<String>> resultRows(Path out) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        if (!Files.isDirectory(out.resolve("results"))) {
            return rows;
        }
        try (Stream<Path> files = Files.walk(out.resolve("results"))) {
            if (files.noneMatch(f -> f.getFileName().toString().endsWith(".parquet"))) {
                return rows;
            }
        }
        try (OutputQuery q = new OutputQuery(out.toString())) {
            for (List<Object> row : q.rows("SELECT match_key, status FROM results ORDER BY match_key, status")) {
                Matcher id = KEY.matcher(row.get(0).toString());
                assertThat(id.find()).as("match_key %s", row.get(0)).isTrue();
                rows.add(List.of(id.group(), row.get(1).toString()));
            }
        }
        return rows;
    }

    /** The committed results, key to status; a key decided twice fails here (and in the final check). */
    private static Map<String, String> results(Path out) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        for (List<String> row : resultRows(out)) {
            assertThat(rows.put(row.get(0), row.get(1))).as("a second result for %s", row.get(0)).isNull();
        }
        return rows;
    }
}
