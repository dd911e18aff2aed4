package io.reconflow.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.job.HeapWatchdog;
import io.reconflow.testkit.OutputQuery;
import io.reconflow.job.ReconConfig;
import io.reconflow.job.ReconflowJob;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One run of the whole job on an embedded MiniCluster, watched from outside: its checkpoints
 * through the MiniCluster's REST API, the JVM's heap by sampling, and the time of the last
 * Parquet file committed.
 */
final class JobRun {

    /** One completed or failed checkpoint as the REST API reports it. */
    record Checkpoint(long id, String status, long durationMs, long checkpointedBytes, long stateBytes) {}

    /**
     * @param peakRssMiB the job JVM's peak resident set (Linux's VmHWM); -1 when unknown or the job ran in this JVM
     * @param batchesByStatus the batch outcomes written, by status
     * @param batchRecords the distinct records the batch check counted, summed over the batches
     * @param batchExpectedRecords the manifests' record counts, summed over the batches
     * @param cpuMs CPU time of the JVM the job ran in, from its submission to its end (all threads)
     */
    record Outcome(long wallMs, long lastCommitMs, List<Checkpoint> checkpoints, long peakHeapMiB,
                   long peakHeapAfterGcMiB, long resultRows, long rejects, Map<String, Long> byStatus, long peakRssMiB,
                   Map<String, Long> batchesByStatus, long batchRecords, long batchExpectedRecords, long cpuMs) {
        Outcome withPeakRss(long mib) {
            return new Outcome(wallMs, lastCommitMs, checkpoints, peakHeapMiB, peakHeapAfterGcMiB, resultRows, rejects, byStatus, mib,
                    batchesByStatus, batchRecords, batchExpectedRecords, cpuMs);
        }

        /** Every batch COMPLETE: its manifest's count and control total met. */
        boolean batchesComplete() {
            return !batchesByStatus.isEmpty() && batchesByStatus.keySet().equals(java.util.Set.of("COMPLETE"));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** System property of the child JVM: run the job once before the run it reports. */
    static final String WARM_PROPERTY = "reconflow.bench.warm";

    /** Where a warm-up run writes (beside the measured run's output, so that its rows are not counted). */
    static Path warmUpFolder(Path out) {
        return out.resolveSibling(out.getFileName() + "-warm-up");
    }

    /** The overrides with the output moved to {@link #warmUpFolder}. */
    static List<String> warmUpOverrides(List<String> overrides, Path out) {
        List<String> moved = new ArrayList<>(overrides);
        moved.add("output.path=" + warmUpFolder(out));
        return moved;
    }

    private JobRun() {}

    /**
     * Runs the job in a child JVM with {@code -Xmx<heap>} (and as {@code -Xms}: a fixed heap that G1
     * does not shrink, as a Flink TaskManager's), so that the heap limit is the TaskManager's alone (the simulator and the generated data stay in this JVM); {@code tick} is
     * called every 10 ms while it runs (may be null).
     */
    static Outcome runInChild(String heap, Path yaml, List<String> overrides, Path outputDir, Runnable tick) throws Exception {
        return runInChild(heap, yaml, overrides, outputDir, tick, false);
    }

    /** As above; {@code warm}: the child runs the job twice (the first into {@link #warmUpFolder}) and reports the second. */
    static Outcome runInChild(String heap, Path yaml, List<String> overrides, Path outputDir, Runnable tick, boolean warm)
            throws Exception {
        Path result = Files.createTempFile("reconflow-bench-", ".json");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-Xms" + heap, "-XX:+ExitOnOutOfMemoryError", "-Dsun.net.httpserver.nodelay=true",
                // As the launcher: below 2 the JDK HTTP client starts a thread per response.
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "-D" + WARM_PROPERTY + "=" + warm,
                "-cp", System.getProperty("java.class.path"), JobRun.class.getName(),
                result.toString(), outputDir.toString(), yaml.toString()));
        String log4j = System.getProperty("log4j.configurationFile");
        if (log4j != null) {
            command.add(1, "-Dlog4j.configurationFile=" + log4j);
        }
        command.addAll(overrides);
        Process child = new ProcessBuilder(command).inheritIO().start();
        long rss = -1;
        try {
            for (long n = 0; child.isAlive(); n++) {
                if (tick != null) {
                    tick.run();
                }
                if (n % 100 == 0) {
                    rss = Math.max(rss, peakRssMiB(child.pid()));
                }
                Thread.sleep(10);
            }
            if (child.exitValue() != 0) {
                throw new IllegalStateException("the job's JVM (-Xmx" + heap + ") ended with exit code " + child.exitValue()
                        + (child.exitValue() == HeapWatchdog.EXIT_STATUS ? " (out of memory, or its heap too small: see the message above)" : ""));
            }
            return JSON.readValue(result.toFile(), Outcome.class).withPeakRss(rss);
        } finally {
            child.destroy();
            Files.deleteIfExists(result);
        }
    }

    /** The child JVM of {@link #runInChild}: RESULT_JSON OUTPUT_DIR CONFIG_YAML [OVERRIDE]... */
    public static void main(String[] args) throws Exception {
        HeapWatchdog.install();
        List<String> overrides = List.of(args).subList(3, args.length);
        Path out = Path.of(args[1]);
        if (Boolean.getBoolean(WARM_PROPERTY)) {
            run(ReconConfig.load(Path.of(args[2]), warmUpOverrides(overrides, out)), warmUpFolder(out), null);
        }
        ReconConfig config = ReconConfig.load(Path.of(args[2]), overrides);
        Outcome o = run(config, out, null);
        JSON.writeValue(Path.of(args[0]).toFile(), o);
        System.exit(0);
    }

    /** Runs {@code config} to its end; {@code tick} is called every 10 ms while it runs (may be null). */
    static Outcome run(ReconConfig config, Path outputDir, Runnable tick) throws Exception {
        Configuration flink = ReconflowJob.flinkSettings(config);
        flink.addAll(ReconflowJob.localRunSettings());
        int port = freePort();
        flink.set(RestOptions.PORT, port);
        flink.set(RestOptions.BIND_PORT, Integer.toString(port));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        ReconflowJob.plug(env, config);

        HeapWatch heap = new HeapWatch();
        Map<Long, Checkpoint> checkpoints = new TreeMap<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long startMillis = System.currentTimeMillis();
        long start = System.nanoTime();
        long cpuStart = BenchData.processCpuMillis();
        JobClient job = env.executeAsync("reconflow " + config.name());
        String checkpointsUri = "http://127.0.0.1:" + port + "/jobs/" + job.getJobID() + "/checkpoints";
        long nextPoll = 0;
        // The cluster shuts down as soon as the job ends: watch the result, never ask the cluster whether it ended.
        java.util.concurrent.CompletableFuture<?> result = job.getJobExecutionResult();
        while (!result.isDone()) {
            heap.sample();
            if (tick != null) {
                tick.run();
            }
            if (System.nanoTime() - nextPoll > 0) {
                poll(http, checkpointsUri, checkpoints);
                nextPoll = System.nanoTime() + 500_000_000L;
            }
            Thread.sleep(10);
        }
        poll(http, checkpointsUri, checkpoints);
        result.get();
        long wallMs = (System.nanoTime() - start) / 1_000_000;
        long cpuMs = BenchData.processCpuMillis() - cpuStart;
        long lastCommit = lastParquet(outputDir) - startMillis;
        try (OutputQuery q = new OutputQuery(outputDir.toString())) {
            long rows = count(q, "SELECT count(*) FROM results");
            long rejects = rejects(q);
            Map<String, Long> byStatus = new TreeMap<>();
            for (List<Object> r : q.rows("SELECT status, count(*) FROM results GROUP BY status")) {
                byStatus.put(r.get(0).toString(), ((Number) r.get(1)).longValue());
            }
            Map<String, Long> batches = new TreeMap<>();
            long batchRecords = 0;
            long batchExpected = 0;
            for (List<Object> r : q.rows("SELECT status, count(*), sum(actual_count), sum(expected_count) FROM batches GROUP BY status")) {
                batches.put(r.get(0).toString(), ((Number) r.get(1)).longValue());
                batchRecords += r.get(2) == null ? 0 : ((Number) r.get(2)).longValue();
                batchExpected += r.get(3) == null ? 0 : ((Number) r.get(3)).longValue();
            }
            return new Outcome(wallMs, lastCommit, new ArrayList<>(checkpoints.values()), heap.peakMiB(),
                    heap.peakAfterGcMiB(), rows, rejects, byStatus, -1, batches, batchRecords, batchExpected, cpuMs);
        }
    }

    /** The rejects view exists only once a reject was written. */
    private static long rejects(OutputQuery q) throws Exception {
        try {
            return count(q, "SELECT count(*) FROM rejects");
        } catch (java.sql.SQLException e) {
            if (String.valueOf(e.getMessage()).contains("rejects does not exist")) {
                return 0;
            }
            throw e;
        }
    }

    private static long count(OutputQuery q, String sql) throws Exception {
        return ((Number) q.rows(sql).get(0).get(0)).longValue();
    }

    /** Keeps every checkpoint of the REST API's history (which holds only the latest few). */
    private static void poll(HttpClient http, String uri, Map<Long, Checkpoint> into) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return;
            }
            for (JsonNode c : JSON.readTree(r.body()).path("history")) {
                String status = c.path("status").asText();
                if (!status.equals("IN_PROGRESS")) {
                    long id = c.path("id").asLong();
                    into.put(id, new Checkpoint(id, status, c.path("end_to_end_duration").asLong(),
                            c.path("checkpointed_size").asLong(), c.path("state_size").asLong()));
                }
            }
        } catch (IOException e) {
            // The cluster is gone once the job ended: what was seen stays.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Epoch millis of the newest committed (visible) Parquet file under {@code dir}. */
    private static long lastParquet(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")
                            && !p.getFileName().toString().startsWith("."))
                    .mapToLong(p -> p.toFile().lastModified()).max().orElse(0);
        }
    }

    /** A process's peak resident set in MiB, from {@code /proc/<pid>/status} (VmHWM); -1 where there is none. */
    static long peakRssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or the process just ended: the figure stays unknown.
        }
        return -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * The JVM's heap (the MiniCluster's TaskManager runs in it): the highest use seen, garbage
     * included, and the highest use right after a collection (the live set, what a smaller heap must hold).
     */
    static final class HeapWatch {
        private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        private long peak;
        private long peakAfterGc;

        HeapWatch() {
            System.gc();
        }

        void sample() {
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            peak = Math.max(peak, used);
            long afterGc = 0;
            for (MemoryPoolMXBean p : pools) {
                MemoryUsage u = p.getCollectionUsage();
                afterGc += u == null ? 0 : u.getUsed();
            }
            peakAfterGc = Math.max(peakAfterGc, afterGc);
        }

        /** The whole heap's use at the samples (the pools' own peaks, taken at different moments, would add up to more). */
        long peakMiB() {
            return peak >> 20;
        }

        long peakAfterGcMiB() {
            return peakAfterGc >> 20;
        }
    }
}
