package io.reconflow.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Scenario;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A continuous run on the MiniCluster with a business clock the test moves: a date opens at the
 * calendar's hour, its manifest answers 404 and is polled until published, our file appears later,
 * keys with both sides are decided at once, a republication's exact duplicates are dropped and its
 * changed record decided again, and the keys missing a side end unmatched once the grace passed.
 * The job never ends by itself: the test cancels it.
 */
class ContinuousModeEndToEndTest extends MiniClusterTestBase {
    private static final LocalDate DATE = LocalDate.parse("2026-11-20");
    private static final AtomicLong NOW = new AtomicLong();
    private static final Pattern KEY = Pattern.compile("S\\d");

    static long now() {
        return NOW.get();
    }

    private static String cp(String id, String direction, String amount) {
        return "{\"settlement_id\":\"" + id + "\",\"currency_pair\":\"EUR/USD\",\"direction\":\"" + direction
                + "\",\"value_date\":\"2026-11-20\",\"amount\":\"" + amount + "\",\"settled_at\":\"2026-11-20T10:00:00Z\"}";
    }

    private static Scenario.Manifest manifest(String batchId, int records, String total) {
        return new Scenario.Manifest("fx-settlements", DATE.toString(), batchId, records, 1, total, "2026-11-20T08:00:00Z");
    }

    /** A running continuous job and the rows (results, and rejects) it has committed. */
    private record Running(JobClient job, BlockingQueue<String> seen, CloseableIterator<String> rows) {
        /** It never ends by itself: cancelled, or stopped with a savepoint whose path is returned. */
        String stop(Path savepoints) throws Exception {
            String path = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL).get();
            rows.close();
            return path;
        }

        void cancel() throws Exception {
            rows.close();
            job.cancel().get();
            await(() -> job.getJobStatus().thenApply(JobStatus::isGloballyTerminalState).exceptionally(e -> true).join());
        }
    }

    private static CounterpartySimulator simulator() {
        Scenario.Page first = new Scenario.Page(1, List.of(cp("S1", "RECEIVE", "100.00"), cp("S2", "RECEIVE", "250.00"),
                cp("S3", "RECEIVE", "75.00")));
        Scenario scenario = new Scenario("fx-settlements", null, List.of(new Scenario.Batch("meridian-bank", DATE,
                manifest("B-1", 3, "425.00"), List.of(first), List.of())), null);
        CounterpartySimulator sim = new CounterpartySimulator(scenario, "meridian-bank", token());
        sim.unpublish(DATE);
        return sim;
    }

    private static ReconConfig config(Path tmp, CounterpartySimulator sim) throws Exception {
        Path schema = tmp.resolve("fx-settlements.avsc");
        try (InputStream in = ContinuousModeEndToEndTest.class.getResourceAsStream("/walkthrough/fx-settlements.avsc")) {
            Files.copy(in, schema, StandardCopyOption.REPLACE_EXISTING);
        }
        Path internal = Files.createDirectories(tmp.resolve("internal"));
        Path yaml = tmp.resolve("fx.yaml");
        Files.writeString(yaml, """
                name: fx-continuous
                mode: continuous
                continuous:
                  calendar: {time_zone: UTC, open_at: "06:00", days: [MON, TUE, WED, THU, FRI], first_date: 2026-11-20}
                  manifest_poll: 200ms
                  folder_poll: 200ms
                feed: {name: fx-settlements, schema: %s, match_key: [settlement_id], control_field: amount}
                internal: {format: jsonl, path: "%s/business_date={business_date}"}
                counterparties:
                  - {name: meridian-bank, base_url: %s, token_env: %s}
                matching:
                  grace: PT1H
                  rules:
                    - {field: direction, rule: opposite}
                    - {field: currency_pair, rule: equal}
                    - {field: value_date, rule: equal}
                    - {field: amount, rule: abs_tolerance, tolerance: "0.01"}
                output: {path: %s}
                job: {checkpoint_interval: 300ms}
                """.formatted(schema, internal, sim.url(), TOKEN_ENV, tmp.resolve("out")));
        return ReconConfig.load(yaml, List.of());
    }

    /** Starts the job, from {@code savepoint} unless null. */
    private static Running start(ReconConfig config, String savepoint) throws Exception {
        StreamExecutionEnvironment env = environment(config);
        // As on a cluster (conf/config.yaml): RocksDB with incremental checkpoints, the keyed state's TTL included.
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            // The test's collecting sink only; every operator of the job has its uid and state restored.
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        }
        env.configure(conf);
        env.enableCheckpointing(300);
        env.getConfig().setAutoWatermarkInterval(50);
        ReconPipeline.Outputs outputs = ReconPipeline.assemble(config,
                Sources.internalFiles(env, config, ContinuousModeEndToEndTest::now),
                Sources.counterpartyBatches(env, config, ContinuousModeEndToEndTest::now));
        DataStream<String> rows = outputs.results()
                .map((GenericRecord r) -> r.get("match_key") + " " + r.get("status")).returns(Types.STRING)
                .uid("test-rows").name("test rows")
                // No reject is expected: one would show here and fail the row it stands in for.
                .union(outputs.rejects().map(r -> "REJECT " + r.getErrorCode() + " " + r.getMessage()).returns(Types.STRING)
                        .uid("test-rejects").name("test rejects"));
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        CloseableIterator<String> it = rows.collectAsync();
        JobClient job = env.executeAsync("continuous");
        Thread reader = new Thread(() -> {
            try {
                while (it.hasNext()) {
                    seen.add(it.next());
                }
            } catch (RuntimeException e) {
                // The job was stopped under the iterator.
            }
        });
        reader.setDaemon(true);
        reader.start();
        return new Running(job, seen, it);
    }

    private static final String MANIFEST_PATH = "/v1/feeds/fx-settlements/batches/2026-11-20/manifest";
    private static final String PAGE_PATH = "/v1/feeds/fx-settlements/batches/2026-11-20/pages/1";

    /** Our file of the date, written under a hidden name and renamed, as the README says. */
    private static void ourFile(ReconConfig config, String... records) throws Exception {
        Path folder = Files.createDirectories(Path.of(config.internal().folder(DATE)));
        Path hidden = folder.resolve(".ours.jsonl");
        Files.writeString(hidden, String.join("\n", records) + "\n", StandardCharsets.UTF_8);
        Files.move(hidden, folder.resolve("ours.jsonl"), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void datesOpenByTheCalendarPollUntilPublishedTakeRepublicationsAndDecideAfterTheGrace(@TempDir Path tmp) throws Exception {
        NOW.set(Instant.parse("2026-11-20T05:00:00Z").toEpochMilli());
        try (CounterpartySimulator sim = simulator()) {
            ReconConfig config = config(tmp, sim);
            Running run = start(config, null);
            try {
                BlockingQueue<String> seen = run.seen();
                // 05:00: the date is not open yet, so nobody asks for its manifest.
                Thread.sleep(1500);
                assertThat(sim.counters().path(MANIFEST_PATH)).isZero();

                // 07:00: open; the manifest answers 404 and is asked for again.
                NOW.set(Instant.parse("2026-11-20T07:00:00Z").toEpochMilli());
                await(() -> sim.counters().path(MANIFEST_PATH) >= 3);
                assertThat(sim.counters().status(404)).isGreaterThanOrEqualTo(3);
                sim.publish(DATE);
                await(() -> sim.counters().path(PAGE_PATH) >= 1);

                // Our file appears later: S1 matches, S2 breaks on the amount, both at once.
                ourFile(config, cp("S1", "PAY", "100.00"), cp("S2", "PAY", "200.00"), cp("S4", "PAY", "10.00"));
                assertThat(take(seen, 2)).containsExactlyInAnyOrder("S1 MATCHED", "S2 BREAK");

                // A republication: S1 and S3 unchanged (dropped as exact duplicates), S2 corrected.
                sim.publish(DATE, manifest("B-2", 3, "375.00"), List.of(new Scenario.Page(1, List.of(
                        cp("S1", "RECEIVE", "100.00"), cp("S2", "RECEIVE", "200.00"), cp("S3", "RECEIVE", "75.00")))));
                assertThat(take(seen, 1)).containsExactly("S2 MATCHED");

                // Just before the deadline (end of the date + 1 h grace) nothing else is decided ...
                NOW.set(Instant.parse("2026-11-21T00:59:00Z").toEpochMilli());
                assertThat(seen.poll(3, TimeUnit.SECONDS)).isNull();
                // ... after it, the keys missing a side are.
                NOW.set(Instant.parse("2026-11-21T01:00:01Z").toEpochMilli());
                assertThat(take(seen, 2)).containsExactlyInAnyOrder("S3 UNMATCHED_COUNTERPARTY", "S4 UNMATCHED_INTERNAL");
                long polls = sim.counters().path(MANIFEST_PATH);
                Thread.sleep(1500);
                assertThat(sim.counters().path(MANIFEST_PATH)).as("a closed date is no longer polled").isEqualTo(polls);
                assertThat(seen).isEmpty();
                assertThat(run.job().getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            } finally {
                run.cancel();
            }
        }
    }

    @Test
    void aJobRestoredFromASavepointNeitherReopensNorRefetchesAndStillDropsDuplicates(@TempDir Path tmp) throws Exception {
        NOW.set(Instant.parse("2026-11-20T07:00:00Z").toEpochMilli());
        try (CounterpartySimulator sim = simulator()) {
            sim.publish(DATE);
            ReconConfig config = config(tmp, sim);
            Running first = start(config, null);
            String savepoint;
            try {
                await(() -> sim.counters().path(PAGE_PATH) >= 1);
                ourFile(config, cp("S1", "PAY", "100.00"), cp("S4", "PAY", "10.00"));
                assertThat(take(first.seen(), 1)).containsExactly("S1 MATCHED");
                savepoint = first.stop(Files.createDirectories(tmp.resolve("savepoints")));
            } catch (Exception | AssertionError e) {
                first.cancel();
                throw e;
            }

            Running second = start(config, savepoint);
            try {
                long polls = sim.counters().path(MANIFEST_PATH);
                await(() -> sim.counters().path(MANIFEST_PATH) >= polls + 3);
                assertThat(sim.counters().path(PAGE_PATH)).as("batch B-1 is not fetched again").isEqualTo(1);
                // A republication after the restore: S1 unchanged is still a duplicate, S5 is new.
                sim.publish(DATE, manifest("B-2", 4, "525.00"), List.of(new Scenario.Page(1, List.of(
                        cp("S1", "RECEIVE", "100.00"), cp("S2", "RECEIVE", "250.00"), cp("S3", "RECEIVE", "75.00"),
                        cp("S5", "RECEIVE", "100.00")))));
                await(() -> sim.counters().path(PAGE_PATH) >= 2);
                NOW.set(Instant.parse("2026-11-21T01:00:01Z").toEpochMilli());
                assertThat(take(second.seen(), 4)).containsExactlyInAnyOrder("S2 UNMATCHED_COUNTERPARTY",
                        "S3 UNMATCHED_COUNTERPARTY", "S4 UNMATCHED_INTERNAL", "S5 UNMATCHED_COUNTERPARTY");
                assertThat(second.seen().poll(2, TimeUnit.SECONDS)).as("nothing twice, our file not read again").isNull();
            } finally {
                second.cancel();
            }
        }
    }

    private static List<String> take(BlockingQueue<String> seen, int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            String row = seen.poll(60, TimeUnit.SECONDS);
            assertThat(row).as("result row %d of %d (got %s)", out.size() + 1, n, out).isNotNull();
            Matcher m = KEY.matcher(row);
            out.add((m.find() ? m.group() : row) + row.substring(row.lastIndexOf(' ')));
        }
        return out;
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(until);
            Thread.sleep(50);
        }
    }
}
