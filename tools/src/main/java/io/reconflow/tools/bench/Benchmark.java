package io.reconflow.tools.bench;

import io.reconflow.job.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.reconflow.job.ReconConfig;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark: in one run, the job's end-to-end throughput against a plain single-threaded
 * program doing the same work ({@link Baseline}), its fetch rate against Little's bound, its peak
 * heap and its checkpoint durations. Prints the figures and writes them as JSON to
 * {@code out/bench/bench-<timestamp>.json}. It asserts nothing: a timing is no test.
 *
 * <pre>reconflow bench [--records 100000] [--parallelism 1] [--page-size 1000] [--checkpoint-interval 5s]
 *                 [--fetch-pages 10000] [--fetch-page-size 2] [--latency-ms 50] [--capacity 64] [--no-baseline]</pre>
 */
public final class Benchmark {
    public static final String TOKEN_ENV = "RECONFLOW_DEMO_TOKEN";

    /** What a run measures; every field has a default. */
    public record Options(String feed, int records, int parallelism, int pageSize, String checkpointInterval,
                         int fetchPages, int fetchPageSize, long latencyMs, int capacity, boolean baseline,
                         Path out, String tokenEnv, String only, Path confDir, String jobHeap, int blockRecords, boolean warm) {
        static Options defaults() {
            return new Options(BenchData.FEED, 100_000, 1, 1000, "5s", 10_000, 2, 50, 64, true, Path.of("out/bench"), TOKEN_ENV, "",
                    Path.of("conf/recon"), "", 100_000, false);
        }
    }

    private Benchmark() {}

    public static void main(String[] args) throws Exception {
        parse(args).run();
    }

    /** {@code reconflow bench}'s flags; the defaults are {@link Options#defaults()}. */
    @Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Measures the job against a baseline: fetch rate, throughput, heap, checkpoints (README \"Performance\").")
    public static final class Args implements Cli.Action {
        private static final Options D = Options.defaults();

        @Option(names = "--feed", paramLabel = "NAME", description = "Default ${DEFAULT-VALUE}.") String feed = D.feed();
        @Option(names = "--records", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.") int records = D.records();
        @Option(names = "--parallelism", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.") int parallelism = D.parallelism();
        @Option(names = "--page-size", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.") int pageSize = D.pageSize();
        @Option(names = "--checkpoint-interval", paramLabel = "D", description = "Default ${DEFAULT-VALUE}.")
        String checkpointInterval = D.checkpointInterval();
        @Option(names = "--fetch-pages", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.") int fetchPages = D.fetchPages();
        @Option(names = "--fetch-page-size", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.")
        int fetchPageSize = D.fetchPageSize();
        @Option(names = "--latency-ms", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.") long latencyMs = D.latencyMs();
        @Option(names = "--capacity", paramLabel = "N", description = "Default ${DEFAULT-VALUE}.") int capacity = D.capacity();
        @Option(names = "--no-baseline", description = "Skips the baseline.") boolean noBaseline;
        @Option(names = "--out", paramLabel = "DIR", description = "Default ${DEFAULT-VALUE}.") Path out = D.out();
        @Option(names = "--only", paramLabel = "fetch|end-to-end", description = "Runs one phase only.") String only = D.only();
        @Option(names = "--job-heap", paramLabel = "SIZE", description = "Runs the job in its own JVM with this -Xmx.")
        String jobHeap = D.jobHeap();
        @Option(names = "--block-records", paramLabel = "N",
                description = "Counterparty records generated at a time (the day is streamed to files block by block). Default ${DEFAULT-VALUE}.")
        int blockRecords = D.blockRecords();
        @Option(names = "--warm", description = "End to end: runs the job and the baseline twice, each in its JVM, and measures"
                + " the second run (a JVM that has compiled their code, as a TaskManager that ran before).")
        boolean warm = D.warm();

        Options options() {
            return new Options(feed, records, parallelism, pageSize, checkpointInterval, fetchPages, fetchPageSize, latencyMs,
                    capacity, !noBaseline, out, D.tokenEnv(), only, D.confDir(), jobHeap, blockRecords, warm);
        }

        @Override
        public void run() throws Exception {
            Path json = Benchmark.run(options());
            System.out.println("  figures written to " + json);
        }
    }

    static Args parse(String[] args) {
        return Cli.parse(new Args(), args);
    }

    /** Runs the benchmark and returns the JSON file with its figures. */
    public static Path run(Options o) throws Exception {
        String token = System.getenv(o.tokenEnv());
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("set " + o.tokenEnv() + " (./reconflow bench makes one up)");
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("started", Instant.now().toString());
        figures.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "max_heap_mib", Runtime.getRuntime().maxMemory() >> 20, "java", System.getProperty("java.version")));
        figures.put("job_heap", o.jobHeap().isEmpty() ? "in the benchmark's JVM" : "-Xmx" + o.jobHeap());
        Map<String, Object> options = new LinkedHashMap<>(Map.of("feed", o.feed(), "records", o.records(), "parallelism",
                o.parallelism(), "page_size", o.pageSize(), "checkpoint_interval", o.checkpointInterval(), "fetch_pages",
                o.fetchPages(), "fetch_page_size", o.fetchPageSize(), "latency_ms", o.latencyMs(), "capacity", o.capacity()));
        options.put("block_records", o.blockRecords());
        options.put("baseline", o.baseline());
        options.put("warm", o.warm());
        figures.put("options", options);
        if (!o.only().equals("end-to-end")) {
            figures.put("fetch", fetchPhase(o, token));
        }
        if (!o.only().equals("fetch")) {
            figures.put("end_to_end", endToEnd(o, token));
        }
        Files.createDirectories(o.out());
        Path file = o.out().resolve("bench-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                .format(Instant.now()) + ".json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), figures);
        return file;
    }

    /**
     * Pages behind a fixed latency: the whole job's page fetch against Little's bound, the job's fetch
     * stage alone on Flink, the seeds' asyncio pattern on the same simulator, then the clients alone.
     */
    private static Map<String, Object> fetchPhase(Options o, String token) throws Exception {
        ReconConfig base = BenchData.config(o.confDir(), o.feed());
        Scenario scenario = BenchData.fetchScenario(o.confDir(), o.fetchPages(), o.fetchPageSize());
        Path work = o.out().resolve("fetch");
        BenchData.deleteRecursively(work);
        String internalPath = work.resolve("internal/business_date={business_date}").toString();
        InternalFiles.write(scenario, base.feed(), internalPath, "csv", 50_000);
        Faults faults = o.latencyMs() == 0 ? Faults.none()
                : Faults.builder().slow(1.0, Duration.ofMillis(o.latencyMs())).maxFaultsPerPath(Integer.MAX_VALUE).build();
        Map<String, Object> f = new LinkedHashMap<>();
        double rate;
        double bound;
        FetchStage.Result stage;
        SeedAsyncio.Result seed;
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, BenchData.COUNTERPARTY, token, faults, 0)) {
            // Long enough for no checkpoint while pages are fetched, short enough that the final checkpoint, if its
            // first trigger races the tasks finishing ("unknown task"), is retried soon rather than an hour later.
            List<String> overrides = overrides(o, sim.url(), internalPath, work.resolve("out"), "30s");
            // Twice, as the fetch stage and the asyncio pattern below: the first run is that of a JVM that
            // has compiled nothing yet (printed too), the second that of a warm one, as a long-running
            // TaskManager's.
            double cold = wholeJobPagesPerSecond(o, sim, overrides, work.resolve("out-first"));
            rate = wholeJobPagesPerSecond(o, sim, overrides, work.resolve("out"));
            bound = o.latencyMs() == 0 ? Double.NaN : o.capacity() * o.parallelism() * 1000.0 / o.latencyMs();
            f.put("job_first_run_pages_per_second", round(cold));
            f.put("job_first_run_share_of_bound", round(cold / bound));
            f.put("pages", o.fetchPages());
            f.put("records_per_page", o.fetchPageSize());
            f.put("latency_ms", o.latencyMs());
            f.put("job_pages_per_second", round(rate));
            f.put("littles_law_bound", round(bound));
            f.put("job_share_of_bound", round(rate / bound));
            f.put("job_max_in_flight", sim.counters().maxInFlight());
            stage = FetchStage.run(ReconConfig.load(o.confDir().resolve(o.feed() + ".yaml"), overrides), sim,
                    o.fetchPages(), o.fetchPageSize());
            seed = SeedAsyncio.run(sim.url() + "/v1/feeds/" + BenchData.FEED + "/batches/" + BenchData.DATE + "/pages/",
                    o.fetchPages(), o.capacity() * o.parallelism(), o.tokenEnv());
        }
        f.put("fetch_stage_pages_per_second", round(stage.pagesPerSecond()));
        f.put("fetch_stage_records_per_second", round(stage.recordsPerSecond()));
        f.put("fetch_stage_records", stage.records());
        f.put("fetch_stage_failed_pages", stage.failedPages());
        if (seed.skipped() == null) {
            f.put("seed_asyncio_pages_per_second", round(seed.pagesPerSecond()));
            f.put("seed_asyncio_failed_pages", seed.failed());
            f.put("fetch_stage_over_seed_asyncio", round(stage.pagesPerSecond() / seed.pagesPerSecond()));
        } else {
            f.put("seed_asyncio_skipped", seed.skipped());
        }
        FetchProbe.Result client = FetchProbe.run(o.confDir(), "reconflow", o.fetchPages(), o.fetchPageSize(), o.latencyMs(), o.capacity(), o.tokenEnv());
        FetchProbe.Result jdk = FetchProbe.run(o.confDir(), "jdk", o.fetchPages(), o.fetchPageSize(), o.latencyMs(), o.capacity(), o.tokenEnv());
        f.put("client_alone_pages_per_second", round(client.pagesPerSecond()));
        f.put("jdk_client_alone_pages_per_second", round(jdk.pagesPerSecond()));
        System.out.printf("%nfetch: %,d pages of %d records, latency %d ms, capacity %d x parallelism %d%n", o.fetchPages(),
                o.fetchPageSize(), o.latencyMs(), o.capacity(), o.parallelism());
        System.out.printf("  whole job         %,.0f pages/s = %.0f %% of Little's bound (%,.0f pages/s), at most %s requests in flight"
                + " (page requests of the whole pipeline: slowed by the stages after the fetch when they fall behind);"
                + " %s%n", rate, 100 * rate / bound, bound, f.get("job_max_in_flight"),
                o.jobHeap().isEmpty() ? "the second run in this JVM" : "the second run, again in a JVM of its own (--job-heap)");
        System.out.printf("  whole job, first  %,.0f pages/s = %.0f %% (the first run, in a JVM that had compiled nothing of it)%n",
                (Double) f.get("job_first_run_pages_per_second"), 100 * (Double) f.get("job_first_run_share_of_bound"));
        System.out.printf("  fetch stage       %,.0f pages/s, %,.0f records/s (the job's source, route and page fetch on Flink,"
                + " records to a chained discarding sink), %d pages failed%n", stage.pagesPerSecond(), stage.recordsPerSecond(), stage.failedPages());
        System.out.printf("  client alone      %,.0f pages/s (CounterpartyClient with its policies, no Flink)%n", client.pagesPerSecond());
        System.out.printf("  JDK client alone  %,.0f pages/s (bare HttpClient.sendAsync, body not parsed)%n", jdk.pagesPerSecond());
        if (seed.skipped() == null) {
            System.out.printf("  seeds' asyncio    %,.0f pages/s (python3 + aiohttp, %d in flight, response.json()), %d failed;"
                    + " fetch stage / asyncio = %.2f%n", seed.pagesPerSecond(), o.capacity() * o.parallelism(), seed.failed(),
                    stage.pagesPerSecond() / seed.pagesPerSecond());
        } else {
            System.out.printf("  seeds' asyncio    skipped: %s%n", seed.skipped());
        }
        BenchData.deleteRecursively(work);
        return f;
    }

    /** A generated day through the whole job, then through the baseline, same simulator and files. */
    private static Map<String, Object> endToEnd(Options o, String token) throws Exception {
        ReconConfig base = BenchData.config(o.confDir(), o.feed());
        String counterparty = base.counterparties().get(0).name();
        Path work = o.out().resolve(o.feed());
        BenchData.deleteRecursively(work);
        long t0 = System.nanoTime();
        String internalPath = work.resolve("internal/business_date={business_date}").toString();
        Path internalDir = work.resolve("internal/business_date=" + BenchData.DATE);
        Map<String, Object> e = new LinkedHashMap<>();
        // Block by block to files: the benchmark's heap holds one block, whatever --records is.
        try (LargeDay day = LargeDay.write(base, counterparty, o.records(), o.pageSize(), o.blockRecords(), internalDir,
                work.resolve("pages"));
             CounterpartySimulator sim = new CounterpartySimulator(day, counterparty, token, Faults.none(), 0)) {
            long generatedMs = (System.nanoTime() - t0) / 1_000_000;
            LargeDay.Expected expected = day.expected();
            long served = expected.counterpartyServed();
            long internal = expected.internalWritten();
            long in = served + internal;
            List<String> overrides = overrides(o, sim.url(), internalPath, work.resolve("out"), o.checkpointInterval());
            ReconConfig config = ReconConfig.load(o.confDir().resolve(o.feed() + ".yaml"), overrides);
            JobRun.Outcome job = job(o, overrides, work.resolve("out"), null, o.warm());
            e.put("warm", o.warm());
            e.put("records_in", in);
            e.put("counterparty_records", served);
            e.put("internal_records", internal);
            e.put("pages", day.pageCount());
            e.put("generated_ms", generatedMs);
            e.put("generated_blocks", day.blocks());
            e.put("job_ms", job.lastCommitMs());
            e.put("job_wall_ms", job.wallMs());
            e.put("records_per_second", round(in * 1000.0 / Math.max(1, job.lastCommitMs())));
            e.put("peak_heap_mib", job.peakHeapMiB());
            e.put("peak_heap_after_gc_mib", job.peakHeapAfterGcMiB());
            e.put("job_jvm_peak_rss_mib", job.peakRssMiB());
            e.put("result_rows", job.resultRows());
            e.put("rejects", job.rejects());
            e.put("results_by_status", job.byStatus());
            e.put("batches_by_status", job.batchesByStatus());
            e.put("batch_records", job.batchRecords());
            e.put("batch_expected_records", job.batchExpectedRecords());
            // The generated day has no faults: each batch must add up to its manifest.
            boolean asGenerated = job.resultRows() == expected.resultRows() && job.rejects() == expected.rejects()
                    && job.byStatus().equals(expected.byStatus()) && job.batchesComplete();
            e.put("expected_result_rows", expected.resultRows());
            e.put("expected_rejects", expected.rejects());
            e.put("expected_results_by_status", expected.byStatus());
            e.put("counts_as_generated", asGenerated);
            List<Map<String, Object>> cps = new ArrayList<>();
            long maxCp = 0;
            for (JobRun.Checkpoint c : job.checkpoints()) {
                cps.add(Map.of("id", c.id(), "status", c.status(), "duration_ms", c.durationMs(),
                        "checkpointed_bytes", c.checkpointedBytes(), "state_bytes", c.stateBytes()));
                maxCp = Math.max(maxCp, c.durationMs());
            }
            e.put("checkpoints", cps);
            e.put("max_checkpoint_ms", maxCp);
            System.out.printf("%nend to end: %s, parallelism %d, %d cores, job heap %s%n", o.feed(), o.parallelism(),
                    Runtime.getRuntime().availableProcessors(), o.jobHeap().isEmpty()
                            ? "shared with the benchmark's JVM (max " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB)"
                            : "-Xmx" + o.jobHeap() + " in a JVM of its own");
            System.out.printf("  records in        %,d (counterparty %,d on %d pages, internal %,d); generated in %,d ms%n",
                    in, served, day.pageCount(), internal, generatedMs);
            System.out.printf("  job               %,d ms to the last Parquet file committed (%,d ms until the job ended)%s%n",
                    job.lastCommitMs(), job.wallMs(), o.warm() ? "; the second run in its JVM (--warm)" : "");
            System.out.printf("  throughput        %,.0f records/s%n", in * 1000.0 / Math.max(1, job.lastCommitMs()));
            if (!o.jobHeap().isEmpty()) {
                e.put("job_cpu_ms", job.cpuMs());
                System.out.printf("  job CPU           %,.1f s, %.2f cores on average (its JVM: tasks, JobManager, compilers, collectors)%n",
                        job.cpuMs() / 1000.0, (double) job.cpuMs() / Math.max(1, job.wallMs()));
            }
            System.out.printf("  result rows       %,d, rejects %,d: %s%n", job.resultRows(), job.rejects(), asGenerated
                    ? "as generated"
                    : "NOT as generated (expected " + expected.resultRows() + " rows, " + expected.rejects() + " rejects, "
                    + expected.byStatus() + " and every batch COMPLETE; the job gave " + job.byStatus() + ", batches "
                    + job.batchesByStatus() + ")");
            System.out.printf("  batches           %s, %,d of %,d records the manifests announce%n", job.batchesByStatus(),
                    job.batchRecords(), job.batchExpectedRecords());
            System.out.printf("  peak heap         %,d MiB (after GC %,d MiB; %s)%n", job.peakHeapMiB(), job.peakHeapAfterGcMiB(),
                    o.jobHeap().isEmpty() ? "this JVM: MiniCluster, simulator, generated data" : "the job's own JVM");
            if (job.peakRssMiB() >= 0) {
                System.out.printf("  job JVM RSS       %,d MiB at its peak (heap, RocksDB's managed memory, network buffers, metaspace)%n",
                        job.peakRssMiB());
            }
            System.out.printf("  checkpoints       %d, longest %,d ms: %s%n", cps.size(), maxCp,
                    job.checkpoints().stream().map(c -> c.durationMs() + "").toList());
            if (o.baseline()) {
                // Where the job runs: in a JVM of its own with --job-heap (both start with nothing
                // compiled), else in this one.
                boolean ownJvm = !o.jobHeap().isEmpty();
                Baseline.Result b = ownJvm
                        ? Baseline.runInChild(o.confDir().resolve(o.feed() + ".yaml"), overrides, sim.url(), o.tokenEnv(),
                                BenchData.DATE.toString(), internalDir, work.resolve("baseline"), o.warm())
                        : Baseline.run(config, sim.url(), token, BenchData.DATE.toString(), internalDir, work.resolve("baseline"),
                                o.warm());
                e.put("baseline_jvm", ownJvm ? "own" : "shared");
                Map<String, Long> byStatus = new java.util.TreeMap<>();
                b.byStatus().forEach((k, v) -> byStatus.put(k.name(), v));
                e.put("baseline_ms", b.millis());
                e.put("baseline_result_rows", b.resultRows());
                e.put("baseline_rejects", b.rejects());
                e.put("baseline_results_by_status", byStatus);
                e.put("job_over_baseline", round((double) job.lastCommitMs() / Math.max(1, b.millis())));
                System.out.printf("  baseline          %,d ms (one thread, no Flink, %s%s): %,d result rows, %,d rejects%n",
                        b.millis(), ownJvm ? "in a JVM of its own like the job" : "in this JVM like the job",
                        o.warm() ? ", its second run there" : "", b.resultRows(), b.rejects());
                System.out.printf("  job / baseline    %.2f%n", (double) job.lastCommitMs() / Math.max(1, b.millis()));
                if (ownJvm) {
                    // Each in a JVM of its own: its CPU is its own (with the compilers' and collectors').
                    e.put("baseline_cpu_ms", b.cpuMs());
                    e.put("job_over_baseline_cpu", round((double) job.cpuMs() / Math.max(1, b.cpuMs())));
                    System.out.printf("  CPU               job %,.1f s (%.2f cores on average), baseline %,.1f s (%.2f cores): job / baseline %.2f%n",
                            job.cpuMs() / 1000.0, (double) job.cpuMs() / Math.max(1, job.wallMs()), b.cpuMs() / 1000.0,
                            (double) b.cpuMs() / Math.max(1, b.millis()), (double) job.cpuMs() / Math.max(1, b.cpuMs()));
                }
            } else {
                System.out.println("  baseline          skipped (--no-baseline): no job / baseline ratio");
            }
            e.put("parquet_kib", BenchData.size(work.resolve("out")) >> 10);
            long benchRss = JobRun.peakRssMiB(ProcessHandle.current().pid());
            e.put("bench_jvm_peak_rss_mib", benchRss);
            System.out.printf("  bench JVM RSS     %,d MiB at its peak (simulator, generator, baseline%s)%n", benchRss,
                    o.jobHeap().isEmpty() ? ", and the job" : "");
        }
        return e;
    }

    /**
     * One run of the whole job on the fetch phase's pages: pages per second from its second request
     * (the first is the manifest) to its last, as the simulator counts them.
     */
    private static double wholeJobPagesPerSecond(Options o, CounterpartySimulator sim, List<String> overrides, Path out)
            throws Exception {
        List<String> runOverrides = new ArrayList<>(overrides);
        runOverrides.add("output.path=" + out);
        long before = sim.totalRequests();
        long[] window = {0, 0};
        long total = o.fetchPages() + 1L;
        job(o, runOverrides, out, () -> {
            // Not counters(): every 10 ms it copied the count of every path, CPU taken from the job it measures.
            long n = sim.totalRequests() - before;
            if (window[0] == 0 && n >= 2) {
                window[0] = System.nanoTime();
            }
            if (window[1] == 0 && n >= total) {
                window[1] = System.nanoTime();
            }
        });
        return (o.fetchPages() - 1) / (Math.max(1, window[1] - window[0]) / 1e9);
    }

    /** The job in this JVM, or with {@code --job-heap} in a JVM of its own with that heap. */
    private static JobRun.Outcome job(Options o, List<String> overrides, Path out, Runnable tick) throws Exception {
        return job(o, overrides, out, tick, false);
    }

    /** As above; {@code warm}: run it twice in that JVM (the first into a folder of its own) and measure the second. */
    private static JobRun.Outcome job(Options o, List<String> overrides, Path out, Runnable tick, boolean warm) throws Exception {
        Path yaml = o.confDir().resolve(o.feed() + ".yaml");
        if (!o.jobHeap().isEmpty()) {
            return JobRun.runInChild(o.jobHeap(), yaml, overrides, out, tick, warm);
        }
        if (warm) {
            JobRun.run(ReconConfig.load(yaml, JobRun.warmUpOverrides(overrides, out)), JobRun.warmUpFolder(out), null);
        }
        return JobRun.run(ReconConfig.load(yaml, overrides), out, tick);
    }

    private static List<String> overrides(Options o, String url, String internalPath, Path out, String checkpoints) {
        int inFlight = o.capacity() * o.parallelism();
        return List.of(
                "internal.path=" + internalPath,
                "output.path=" + out,
                "business_dates=[" + BenchData.DATE + "]",
                "counterparties[0].base_url=" + url,
                "counterparties[0].token_env=" + o.tokenEnv(),
                "fetch.capacity=" + o.capacity(),
                "fetch.max_in_flight=" + inFlight,
                "fetch.max_in_flight_total=" + inFlight,
                "fetch.rate_limit.requests_per_second=100000",
                "fetch.rate_limit.burst=" + inFlight,
                "job.parallelism=" + o.parallelism(),
                "job.checkpoint_interval=" + checkpoints);
    }

    private static double round(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? -1 : Math.round(d * 1000) / 1000.0;
    }
}
