package io.reconflow.job;

import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.ScenarioSettings;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The emergency pause mid-fetch, flipped with {@code reconflow pause} and {@code resume}: while the
 * counterparty is paused the simulator gets no request at all, the requests in flight when it was
 * paused complete, and after the resume the run ends exactly as the truth says (no request failed,
 * no record lost or repeated).
 */
class EmergencyPauseEndToEndTest extends MiniClusterTestBase {
    private static final Logger LOG = LoggerFactory.getLogger(EmergencyPauseEndToEndTest.class);

    /** Every answer 20 ms late. */
    private static final Faults LATENCY = Faults.builder().seed(9).slow(1.0, Duration.ofMillis(20)).maxFaultsPerPath(1).build();

    @TempDir
    Path tmp;

    /** 60 requests a second, the pause switch in {@code pauseFile} polled every 100 ms. */
    private static List<String> overrides(Path pauseFile) {
        return List.of("business_dates=[2026-11-20]", "fetch.rate_limit.requests_per_second=60",
                "fetch.rate_limit.burst=6", "fetch.pause_file=" + pauseFile, "fetch.pause_poll=100ms");
    }

    /** The arguments of {@code reconflow pause} and {@code resume} for {@code counterparty}. */
    private static String[] pauseCommand(Path pauseFile, String counterparty) {
        return new String[] {"--config", ENERGY.toString(), "--set", "fetch.pause_file=" + pauseFile, "--counterparty", counterparty};
    }

    @Test
    void aPausedCounterpartyGetsNoRequestUntilResumedAndTheRunEndsExactly() throws Exception {
        // One record per page, about 300 pages; every answer 20 ms late, 60 requests a second: about 5 s of fetching.
        ScenarioSettings settings = new ScenarioSettings(23L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                260, 10, 10, 5, 5, 4, 2, 3, 1, 1);
        Path pauseFile = tmp.resolve("pause-switch");
        FeedRun run = FeedRun.run(ENERGY, overrides(pauseFile), settings, LATENCY, tmp, TOKEN_ENV, token(), (config, sim, scenario) -> {
            int pages = scenario.batches().get(0).pages().size();
            String counterparty = config.counterparties().get(0).name();
            String[] command = pauseCommand(pauseFile, counterparty);

            JobClient job = startJob(config, null);
            awaitPagesServed(sim, pages / 5);

            ByteArrayOutputStream said = new ByteArrayOutputStream();
            PauseCommand.main("pause", append(command, "--reason", "counterparty maintenance"),
                    new PrintStream(said, true, StandardCharsets.UTF_8));
            assertThat(said.toString(StandardCharsets.UTF_8)).startsWith("reconflow: " + counterparty + " paused in " + pauseFile);
            assertThat(Files.readString(pauseFile)).contains(counterparty + " counterparty maintenance [");

            // The poll (100 ms) sees it and the requests in flight (20 ms each) complete: then nothing more comes.
            long settled = awaitQuiet(sim);
            long servedWhenPaused = sim.counters().pagesServed();
            LOG.info("paused with {} of {} pages served, {} requests", servedWhenPaused, pages, settled);
            assertThat(servedWhenPaused).as("paused mid-fetch").isLessThan(pages);
            Thread.sleep(3000);
            assertThat(sim.counters().totalRequests()).as("requests while paused").isEqualTo(settled);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

            PauseCommand.main("resume", command, new PrintStream(said, true, StandardCharsets.UTF_8));
            assertThat(Files.readString(pauseFile)).doesNotContain(counterparty);
            var result = job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            assertThat(sim.counters().pagesServed()).isEqualTo(pages);
            return result;
        });
        // Exact rows, rejects (no FETCH_FAILED among them), accounting and batches.
        run.checkEverything();
    }

    @Test
    void theEmergencyProcedurePauseSavepointRestartResumeLosesNothing() throws Exception {
        // No exact duplicates: the accounting reads the duplicates dropped from the second job's accumulators only.
        ScenarioSettings settings = new ScenarioSettings(29L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                260, 10, 10, 5, 5, 4, 2, 0, 1, 1);
        Path pauseFile = tmp.resolve("pause-switch");
        FeedRun run = FeedRun.run(ENERGY, overrides(pauseFile), settings, LATENCY, tmp, TOKEN_ENV, token(), (config, sim, scenario) -> {
            int pages = scenario.batches().get(0).pages().size();
            String counterparty = config.counterparties().get(0).name();
            String[] command = pauseCommand(pauseFile, counterparty);
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

            JobClient job = startJob(config, null);
            awaitPagesServed(sim, pages / 5);
            PauseCommand.main("pause", append(command, "--reason", "incident"), quiet);
            long settled = awaitQuiet(sim);

            // 1. A savepoint while paused completes: the held requests are in it.
            String savepoint = job.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
                    org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get(60, TimeUnit.SECONDS);
            // 2. The changed job starts from it, still paused: it asks the counterparty nothing.
            JobClient upgraded = startJob(config, savepoint);
            awaitRunning(upgraded);
            Thread.sleep(2000);
            assertThat(sim.counters().totalRequests()).as("requests while paused, across the upgrade").isEqualTo(settled);
            // 3. Resume: the run completes exactly.
            PauseCommand.main("resume", command, quiet);
            var result = upgraded.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            assertThat(sim.counters().pagesServed()).isEqualTo(pages);
            return result;
        });
        run.checkOutcomes();
    }

    private static void awaitRunning(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (job.getJobStatus().get() != JobStatus.RUNNING) {
            assertThat(System.nanoTime() - deadline).as("job not running").isNegative();
            Thread.sleep(50);
        }
    }

    @Test
    void pauseNeedsAPauseFileAndAKnownCounterparty() {
        assertThatThrownBy(() -> PauseCommand.main("pause", new String[] {"--config", ENERGY.toString(), "--counterparty", "x"}, System.out))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("fetch.pause_file");
        assertThatThrownBy(() -> PauseCommand.main("pause", new String[] {"--config", ENERGY.toString(),
                "--set", "fetch.pause_file=" + tmp.resolve("p"), "--counterparty", "nobody"}, System.out))
                .hasMessageStartingWith("--counterparty nobody is not a counterparty of energy-confirmations");
    }

    private static String[] append(String[] a, String... more) {
        String[] out = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    /** Waits until the simulator has had no new request for a second; the count then. */
    private static long awaitQuiet(CounterpartySimulator sim) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long last = sim.counters().totalRequests();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(1)) {
            assertThat(System.nanoTime() - deadline).as("requests never stopped").isNegative();
            Thread.sleep(50);
            long now = sim.counters().totalRequests();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
        return last;
    }

}
