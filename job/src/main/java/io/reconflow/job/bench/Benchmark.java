package io.reconflow.job.bench;

import io.reconflow.job.OutputQuery;
import io.reconflow.job.ReconConfig;
import io.reconflow.job.ReconflowJob;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Measures a whole reconciliation on the embedded MiniCluster: records per second through fetch,
 * validation, deduplication and matching to committed Parquet, and the JVM's peak heap. It prints
 * its figures; it asserts nothing (a timing is no test).
 *
 * <pre>reconflow bench [--feed energy-confirmations] [--records 100000] [--parallelism 1]</pre>
 */
public final class Benchmark {
    public static final String TOKEN_ENV = "RECONFLOW_DEMO_TOKEN";

    private Benchmark() {}

    public static void main(String[] args) throws Exception {
        String feed = "energy-confirmations";
        int records = 100_000;
        int parallelism = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--feed" -> feed = args[++i];
                case "--records" -> records = Integer.parseInt(args[++i]);
                case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; use --feed NAME, --records N, --parallelism N");
            }
        }
        String token = System.getenv(TOKEN_ENV);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("set " + TOKEN_ENV + " (./reconflow bench makes one up)");
        }
        Path yaml = Path.of("conf/recon/" + feed + ".yaml");
        Path work = Path.of("out/bench/" + feed);
        deleteRecursively(work);
        ReconConfig base = ReconConfig.load(yaml, List.of());
        String counterparty = base.counterparties().get(0).name();

        // Mostly matched keys, like a real day; a few of every other outcome and some bad records.
        int unit = Math.max(1, records / 100);
        ScenarioSettings settings = new ScenarioSettings(1L, List.of(LocalDate.parse("2026-11-20")), List.of(counterparty),
                records - 9 * unit, 3 * unit, 2 * unit, unit, unit, unit / 2, unit / 2, unit, Math.min(unit, 10), 1000);
        long t0 = System.nanoTime();
        Scenario scenario = ScenarioGenerator.generate(base.feed(), base.matching(), settings);
        String internalPath = work.resolve("internal/business_date={business_date}").toString();
        InternalFiles.write(scenario, base.feed(), internalPath, base.internal().format().name().toLowerCase(), 50_000);
        long generatedMs = (System.nanoTime() - t0) / 1_000_000;
        long served = scenario.truth().totals().counterpartyServed();
        long internal = scenario.truth().totals().internalWritten();

        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, counterparty, token, Faults.none(), 0)) {
            List<String> overrides = new ArrayList<>(List.of(
                    "internal.path=" + internalPath,
                    "output.path=" + work.resolve("out"),
                    "business_dates=[2026-11-20]",
                    "counterparties[0].base_url=" + sim.url(),
                    "counterparties[0].token_env=" + TOKEN_ENV,
                    "fetch.rate_limit.requests_per_second=1000",
                    "fetch.rate_limit.burst=100",
                    "job.parallelism=" + parallelism,
                    "job.checkpoint_interval=5s"));
            ReconConfig config = ReconConfig.load(yaml, overrides);
            Configuration flink = ReconflowJob.flinkSettings(config);
            flink.addAll(ReconflowJob.localClusterSettings());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);

            resetPeaks();
            long start = System.nanoTime();
            JobExecutionResult result = ReconflowJob.run(env, config);
            long wallMs = (System.nanoTime() - start) / 1_000_000;
            long rows;
            try (OutputQuery q = new OutputQuery(work.resolve("out").toString())) {
                rows = ((Number) q.rows("SELECT count(*) FROM results").get(0).get(0)).longValue();
            }
            long in = served + internal;
            System.out.printf("%nreconflow benchmark: %s, parallelism %d, %d cores, max heap %d MiB%n", feed, parallelism,
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("  records in        %,d (counterparty %,d on %d pages, internal %,d)%n", in, served,
                    scenario.batches().get(0).pages().size(), internal);
            System.out.printf("  result rows       %,d%n", rows);
            System.out.printf("  data generation   %,d ms (not part of the job)%n", generatedMs);
            System.out.printf("  job wall time     %,d ms (net runtime %,d ms, MiniCluster start included in wall)%n",
                    wallMs, result.getNetRuntime());
            System.out.printf("  throughput        %,.0f records/s (records in / net runtime)%n", in * 1000.0 / Math.max(1, result.getNetRuntime()));
            System.out.printf("  peak heap         %,d MiB (all heap pools, this JVM: generator, simulator and MiniCluster)%n", peakHeapMiB());
            System.out.printf("  Parquet written   %,d KiB%n", size(work.resolve("out")) >> 10);
        }
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeapMiB() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
