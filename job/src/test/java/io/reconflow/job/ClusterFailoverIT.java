package io.reconflow.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.reconflow.job.cluster.Deadline;
import io.reconflow.job.cluster.FlinkRest;
import io.reconflow.job.cluster.SessionCluster;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.testkit.OutputQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.reconflow.job.ClusterSubmissionIT.ENERGY;
import static io.reconflow.job.ClusterSubmissionIT.JAR;
import static io.reconflow.job.ClusterSubmissionIT.JOB_TIMEOUT;
import static io.reconflow.job.ClusterSubmissionIT.TOKEN;
import static io.reconflow.job.ClusterSubmissionIT.TOKEN_ENV;
import static io.reconflow.job.ClusterSubmissionIT.programArgs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failures and stops in the middle of a fetch, on a real standalone cluster with two TaskManagers:
 * a TaskManager killed with SIGKILL (about 300 pages of one record at 10 a second, capacity 1), and a
 * checkpoint then a stop-with-savepoint (about 2,100 pages at 100 a second, capacity 64). No faults,
 * so that every page request the simulator counts twice is a page the job fetched again.
 */
class ClusterFailoverIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterFailoverIT.class);
    /** Requests in flight per fetch subtask in the kill case: the only pages a checkpoint may hold as not yet fetched. */
    static final int CAPACITY = 1;
    /** Requests in flight per fetch subtask in the stop case. */
    static final int BRISK_CAPACITY = 64;
    /** Page requests seen before the test acts: about a third of the batch. */
    static final int MID_FETCH = 100;
    static final ScenarioSettings SETTINGS = new ScenarioSettings(47L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
            220, 20, 20, 10, 10, 10, 5, 6, 2, 1).withPasses(4, 1);
    static final List<String> SLOW = List.of("fetch.rate_limit.requests_per_second=10", "fetch.rate_limit.burst=1",
            "fetch.capacity=" + CAPACITY, "fetch.max_in_flight=" + CAPACITY);
    /** About 2,100 pages of one record. */
    static final ScenarioSettings LARGE = new ScenarioSettings(47L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
            1900, 40, 40, 10, 10, 8, 4, 6, 2, 1).withPasses(4, 1);
    /** 100 pages a second: the whole batch would take about 21 s. */
    static final List<String> BRISK = List.of("fetch.rate_limit.requests_per_second=100", "fetch.rate_limit.burst=10",
            "fetch.capacity=" + BRISK_CAPACITY, "fetch.max_in_flight=" + BRISK_CAPACITY);
    static final List<String> FULL_SPEED = List.of("fetch.rate_limit.requests_per_second=2000", "fetch.rate_limit.burst=200",
            "fetch.capacity=" + BRISK_CAPACITY, "fetch.max_in_flight=" + BRISK_CAPACITY);

    @RegisterExtension
    static final SessionCluster SESSION = new SessionCluster("failover", 2, Map.of(TOKEN_ENV, TOKEN), JAR);

    @TempDir
    Path tmp;

    @Test
    void aTaskManagerKilledMidFetchCostsNoPageOfTheLastCheckpointAndTheOutputIsExact() throws Exception {
        Set<String> covered = new TreeSet<>();
        AtomicReference<Map<String, Long>> pages = new AtomicReference<>();
        FeedRun run = FeedRun.run(ENERGY, SLOW, SETTINGS, Faults.none(), tmp, TOKEN_ENV, TOKEN, (config, sim, scenario) -> {
            List<String> overrides = FeedRun.overrides(SLOW, tmp, sim, TOKEN_ENV);
            String job = submit(overrides, null);
            // Snapshots of the pages requested, to find those requested before a checkpoint was triggered.
            List<Map.Entry<Long, Set<String>>> seen = new ArrayList<>();
            long[] checkpoint = new long[2];
            Deadline.of(JOB_TIMEOUT).await("a checkpoint completed mid-fetch, triggered after " + MID_FETCH / 2 + " pages", () -> {
                seen.add(Map.entry(System.currentTimeMillis(), pagesRequested(sim).keySet()));
                if (seen.get(seen.size() - 1).getValue().size() >= 2 * MID_FETCH) {
                    throw new IllegalStateException("no checkpoint completed mid-fetch: " + 2 * MID_FETCH + " pages requested, "
                            + SESSION.rest().checkpoints(job).path("counts") + " checkpoints");
                }
                JsonNode latest = SESSION.rest().checkpoints(job).path("latest").path("completed");
                if (latest.isMissingNode() || latest.isNull()) {
                    return false;
                }
                long trigger = latest.path("trigger_timestamp").asLong();
                Set<String> before = seen.stream().filter(s -> s.getKey() < trigger).map(Map.Entry::getValue)
                        .reduce((a, b) -> b).orElse(Set.of());
                checkpoint[0] = latest.path("id").asLong();
                covered.clear();
                covered.addAll(before);
                return before.size() >= MID_FETCH / 2 && seen.get(seen.size() - 1).getValue().size() >= MID_FETCH;
            });
            Process busy = taskManagerRunning(job);
            SESSION.cluster().killTaskManager(busy);

            JsonNode restored = awaitRestored(job);
            assertThat(restored.path("id").asLong()).as("restored from the last checkpoint seen, or a later one")
                    .isGreaterThanOrEqualTo(checkpoint[0]);
            var result = SESSION.rest().awaitResult(job, JOB_TIMEOUT);
            pages.set(pagesRequested(sim));
            SESSION.cluster().startTaskManager();
            SESSION.cluster().awaitTaskManagers(2);
            return result;
        });
        assertThat(run.scenario.batches().get(0).pages()).as("the kill came before half the pages").hasSizeGreaterThan(2 * MID_FETCH);
        assertThat(pages.get()).as("every page fetched").hasSize(run.scenario.batches().get(0).pages().size());
        Set<String> again = refetched(pages.get(), covered);
        LOG.info("Killed a TaskManager with {} pages of {} in the last checkpoint seen; {} pages fetched again, {} of them from that checkpoint",
                covered.size(), pages.get().size(), refetched(pages.get(), pages.get().keySet()).size(), again.size());
        assertThat(again).as("pages of the last completed checkpoint fetched again (at most the %d in flight at its barrier)", CAPACITY)
                .hasSizeLessThanOrEqualTo(CAPACITY);
        checkExactOutput(run);
    }

    @Test
    void aCheckpointAndAStopWithSavepointMidFetchOf2000PagesCompleteWithin10SecondsAndTheJobResumesFromIt() throws Exception {
        Set<String> stoppedAt = new TreeSet<>();
        AtomicReference<Map<String, Long>> pages = new AtomicReference<>();
        FeedRun run = FeedRun.run(ENERGY, BRISK, LARGE, Faults.none(), tmp, TOKEN_ENV, TOKEN, (config, sim, scenario) -> {
            int total = scenario.batches().get(0).pages().size();
            int ours = scenario.batches().get(0).internal().size();
            assertThat(total).as("pages of the batch").isGreaterThanOrEqualTo(2000);
            String job = submit(FeedRun.overrides(BRISK, tmp, sim, TOKEN_ENV), null);

            // The internal side is not held behind the fetch: our records leave their source long before the
            // last page. Asked of 99 % of them, since the file reader's last few records can trail a moment.
            // Before nine tenths of the pages (until 2026-12-01, half): twice in five runs that day the one
            // reader stopped for about 10 s after 1,000-1,345 of its 2,000 records while the fetch went on
            // (cause not found; the failure below names each reader's count). Held until the fetch's end,
            // it still fails.
            long needed = ours - ours / 100;
            int late = total * 9 / 10;
            long[] internalOut = new long[2];
            Deadline.of(JOB_TIMEOUT).await(needed + " of " + ours + " internal records emitted", () -> {
                internalOut[1] = pagesRequested(sim).size();
                long was = internalOut[0];
                internalOut[0] = SESSION.rest().operatorMetric(job, "Internal files", "Internal_files.numRecordsOut");
                if (was != internalOut[0]) {
                    LOG.info("internal-files source: {} of {} records out at {} of {} pages requested", internalOut[0], ours, internalOut[1], total);
                }
                if (internalOut[0] < needed && internalOut[1] >= late) {
                    // By subtask: whether one reader lags, or its figure has not reached the JobManager.
                    throw new AssertionError("the internal source had emitted " + internalOut[0] + " of " + ours
                            + " records when " + internalOut[1] + " of " + total + " pages were requested; by subtask "
                            + SESSION.rest().operatorMetricBySubtask(job, "Internal files", "numRecordsOut"));
                }
                return internalOut[0] >= needed;
            });
            LOG.info("{} of {} internal records emitted with {} of {} pages requested", internalOut[0], ours, internalOut[1], total);
            assertThat(internalOut[0]).as("records out of the internal-files source").isBetween(needed, (long) ours);
            assertThat(internalOut[1]).as("pages requested when the internal side was done").isLessThan(late);

            Deadline.of(JOB_TIMEOUT).await(MID_FETCH + " page requests", () -> pagesRequested(sim).size() >= MID_FETCH);
            long start = System.nanoTime();
            JsonNode checkpoint = SESSION.rest().triggerCheckpoint(job, JOB_TIMEOUT);
            Duration checkpointTook = Duration.ofNanos(System.nanoTime() - start);
            assertThat(checkpoint.path("operation").has("failure-cause")).as("checkpoint: %s", checkpoint).isFalse();
            int atCheckpoint = pagesRequested(sim).size();

            start = System.nanoTime();
            JsonNode done = SESSION.rest().stopWithSavepoint(job, SESSION.cluster().dir().resolve("savepoints"), JOB_TIMEOUT);
            Duration stopTook = Duration.ofNanos(System.nanoTime() - start);
            stoppedAt.addAll(pagesRequested(sim).keySet());
            assertThat(done.path("operation").has("failure-cause")).as("savepoint: %s", done).isFalse();
            LOG.info("Checkpoint {} triggered after {} of {} pages took {} ms; stop-with-savepoint after {} pages took {} ms (capacity {})",
                    checkpoint.path("operation").path("checkpointId").asLong(), atCheckpoint, total, checkpointTook.toMillis(),
                    stoppedAt.size(), stopTook.toMillis(), BRISK_CAPACITY);
            assertThat(checkpointTook).as("a checkpoint mid-fetch (the issue's bound)").isLessThanOrEqualTo(Duration.ofSeconds(10));
            assertThat(stopTook).as("stop-with-savepoint mid-fetch (the issue's bound)").isLessThanOrEqualTo(Duration.ofSeconds(10));
            SESSION.rest().awaitState(job, "FINISHED", JOB_TIMEOUT);

            // Resumed at full speed: the rate limit is configuration, not state.
            String resumed = submit(FeedRun.overrides(FULL_SPEED, tmp, sim, TOKEN_ENV), done.path("operation").path("location").asText());
            var result = SESSION.rest().awaitResult(resumed, JOB_TIMEOUT);
            pages.set(pagesRequested(sim));
            return result;
        });
        int total = run.scenario.batches().get(0).pages().size();
        assertThat(stoppedAt).as("the stop came before half the pages").hasSizeLessThan(total / 2);
        assertThat(pages.get()).as("every page fetched").hasSize(total);
        assertThat(refetched(pages.get(), stoppedAt)).as("pages fetched before the savepoint and again after it (at most the %d in flight)",
                BRISK_CAPACITY).hasSizeLessThanOrEqualTo(BRISK_CAPACITY);
        checkExactOutput(run);
    }

    private static String submit(List<String> overrides, String savepoint) throws Exception {
        FlinkRest.Response submitted = SESSION.rest().runJar(SESSION.jar(), programArgs(overrides), savepoint);
        assertThat(submitted.ok()).as("POST /jars/:id/run answered %s", submitted).isTrue();
        String job = submitted.body().path("jobid").asText();
        SESSION.rest().awaitState(job, "RUNNING", JOB_TIMEOUT);
        return job;
    }

    /** The TaskManager process whose slots the job holds. */
    private static Process taskManagerRunning(String job) throws Exception {
        for (JsonNode tm : SESSION.rest().get("/taskmanagers").path("taskmanagers")) {
            if (tm.path("freeSlots").asInt() < tm.path("slotsNumber").asInt()) {
                return SESSION.cluster().taskManager(tm.path("id").asText());
            }
        }
        throw new AssertionError("no TaskManager runs job " + job + ": " + SESSION.rest().get("/taskmanagers"));
    }

    /** Waits until the job runs again after a failover and returns the checkpoint it restored. */
    private static JsonNode awaitRestored(String job) throws Exception {
        JsonNode[] restored = new JsonNode[1];
        Deadline.of(JOB_TIMEOUT).await("job " + job + " restored from a checkpoint", () -> {
            restored[0] = SESSION.rest().checkpoints(job).path("latest").path("restored");
            return !restored[0].isMissingNode() && !restored[0].isNull() && restored[0].has("id");
        });
        return restored[0];
    }

    /** Page paths the simulator was asked for, with how often. */
    private static Map<String, Long> pagesRequested(CounterpartySimulator sim) {
        Map<String, Long> pages = new TreeMap<>();
        sim.counters().requestsByPath().forEach((path, n) -> {
            if (path.contains("/pages/")) {
                pages.put(path, n);
            }
        });
        return pages;
    }

    /** Pages of {@code before} requested more than once (no faults: each fetch is one request). */
    private static Set<String> refetched(Map<String, Long> pages, Set<String> before) {
        Set<String> out = new TreeSet<>();
        pages.forEach((path, n) -> {
            if (n > 1 && before.contains(path)) {
                out.add(path);
            }
        });
        return out;
    }

    /**
     * The output against the truth: every key once as the truth says, every break and reject, types
     * and batches. The accounting of exact duplicates is left out: Flink's accumulators restart with
     * each attempt, so the count of the final one misses those dropped before the failure. A failed
     * attempt may leave in-progress part files behind; only committed files are data.
     */
    private static void checkExactOutput(FeedRun run) throws Exception {
        try (OutputQuery q = new OutputQuery(run.out.toString())) {
            run.checkRows(q);
            run.checkBreaks(q);
            run.checkRejects(q);
            run.checkTypes(q);
            run.checkBatches(q);
            for (String dataset : List.of("results", "rejects", "batches")) {
                for (List<Object> file : q.rows("SELECT DISTINCT filename FROM read_parquet('" + run.out + "/" + dataset
                        + "/**/*.parquet', filename = true)")) {
                    assertThat(Path.of(file.get(0).toString()).getFileName().toString()).as("a file read as %s", dataset)
                            .startsWith("part-").doesNotContain("inprogress").endsWith(".parquet");
                }
            }
        }
        try (Stream<Path> files = Files.walk(run.out)) {
            assertThat(files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")))
                    .as("visible files").allSatisfy(f -> assertThat(f.getFileName().toString()).startsWith("part-").endsWith(".parquet"));
        }
    }
}
