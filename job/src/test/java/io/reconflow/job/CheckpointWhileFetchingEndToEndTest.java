package io.reconflow.job;

import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.ScenarioSettings;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop-with-savepoint in the middle of a fetch of 2,000 pages completes at once (the source emits
 * one page request at a time, so the barrier does not wait for the batch), and the job resumed from
 * it ends exactly as the truth says without fetching again any page whose records the savepoint held.
 */
class CheckpointWhileFetchingEndToEndTest extends MiniClusterTestBase {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointWhileFetchingEndToEndTest.class);

    @TempDir
    Path tmp;

    @Test
    void aSavepointMidFetchCompletesAtOnceAndTheResumedJobFetchesNoSavedPageAgain() throws Exception {
        // One record per page; no exact duplicates, so a record fetched again would show as a dropped duplicate.
        ScenarioSettings settings = new ScenarioSettings(17L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                1900, 40, 40, 10, 10, 8, 4, 0, 2, 1);
        // Every answer 20 ms late; at most 150 requests a second: the fetch takes about 14 s.
        Faults latency = Faults.builder().seed(5).slow(1.0, Duration.ofMillis(20)).maxFaultsPerPath(1).build();
        FeedRun run = FeedRun.run(ENERGY, List.of("business_dates=[2026-11-20]",
                        "fetch.rate_limit.requests_per_second=150", "fetch.rate_limit.burst=15", "fetch.capacity=16"),
                settings, latency, tmp, TOKEN_ENV, token(), (config, sim, scenario) -> {
                    int pages = scenario.batches().get(0).pages().size();
                    assertThat(pages).isGreaterThanOrEqualTo(2000);

                    JobClient job = startJob(config, null);
                    awaitPagesServed(sim, pages / 10);

                    long start = System.nanoTime();
                    String savepoint = job.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
                            SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    long servedBefore = sim.counters().pagesServed();
                    LOG.info("stop-with-savepoint took {} ms with {} of {} pages fetched", took.toMillis(), servedBefore, pages);
                    assertThat(took).as("stop-with-savepoint mid-fetch").isLessThan(Duration.ofSeconds(10));
                    assertThat(servedBefore).as("pages fetched when the savepoint was done").isLessThan(pages - 500);

                    JobExecutionResult result = startJob(config, savepoint).getJobExecutionResult().get();

                    CounterpartySimulator.Counters c = sim.counters();
                    LOG.info("pages fetched: {} distinct, {} again", c.pagesServed(), c.pagesServedAgain());
                    assertThat(c.pagesServed()).isEqualTo(pages);
                    assertThat(c.pagesServedAgain()).as("pages fetched again: only those in flight at the savepoint")
                            .isLessThanOrEqualTo(config.fetch().capacity());
                    return result;
                });
        // Exact rows, rejects and batches; and no dropped duplicate in the resumed job (a saved page fetched again).
        run.checkOutcomes();
        // The stopped job may leave a hidden in-progress file with what it wrote after the savepoint (those
        // records are fetched again by the resumed job); readers skip it. Every other file is a committed part.
        try (Stream<Path> files = Files.walk(run.out)) {
            assertThat(files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()))
                    .isNotEmpty()
                    .allSatisfy(name -> assertThat(name).matches("part-.*\\.parquet|\\.part-.*\\.parquet\\.inprogress\\..*"));
        }
    }

}
