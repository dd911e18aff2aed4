package io.reconflow.tools.bench;

import io.reconflow.job.ReconConfig;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The generated days the benchmark runs on. */
final class BenchData {
    static final String FEED = "energy-confirmations";
    static final String COUNTERPARTY = "northpool-energy";
    static final LocalDate DATE = LocalDate.parse("2026-11-20");

    private BenchData() {}

    /** CPU time of this JVM so far, all its threads (compilers and collectors included), in ms. */
    static long processCpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1_000_000;
    }

    static ReconConfig config(Path confDir, String feed) throws IOException {
        return ReconConfig.load(confDir.resolve(feed + ".yaml"), List.of());
    }

    /**
     * The mix of one block of a bench day ({@link LargeDay}) of about {@code records} counterparty
     * records and as many internal ones, like a real day: mostly matched keys, a few of every other outcome.
     */
    static ScenarioSettings settings(String counterparty, int records, int pageSize) {
        int unit = Math.max(1, records / 100);
        return new ScenarioSettings(1L, List.of(DATE), List.of(counterparty),
                records - 9 * unit, 3 * unit, 2 * unit, unit, unit, unit / 2, unit / 2, unit, Math.min(unit, 10), pageSize);
    }

    /** Only matched keys, {@code pages} pages of {@code pageSize} records: for the fetch rate. */
    static Scenario fetchScenario(Path confDir, int pages, int pageSize) throws IOException {
        ReconConfig base = config(confDir, FEED);
        ScenarioSettings settings = new ScenarioSettings(2L, List.of(DATE), List.of(COUNTERPARTY),
                pages * pageSize, 0, 0, 0, 0, 0, 0, 0, 0, pageSize);
        return ScenarioGenerator.generate(base.feed(), base.matching(), settings);
    }

    static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteRecursively(Path p) throws IOException {
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
