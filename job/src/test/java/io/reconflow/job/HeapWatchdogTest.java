package io.reconflow.job;

import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.management.GarbageCollectionNotificationInfo;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Set;
import java.util.stream.Collectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job whose live set fills its heap, run as the launcher runs it (watchdog installed, the local
 * run's settings) in a JVM of its own with a tiny heap: it stops with the watchdog's message and
 * status instead of collecting garbage forever. The same job with room to spare completes.
 */
class HeapWatchdogTest {
    @TempDir
    Path tmp;

    @Test
    void aTooSmallHeapStopsWithAMessageNamingTheSetting() throws Exception {
        Run run = fork("96m", 0.93, Long.MAX_VALUE);
        assertThat(run.status).as(run.output).isEqualTo(HeapWatchdog.EXIT_STATUS);
        assertThat(run.output)
                .contains("reconflow: the heap is too small for this run (-Xmx 96 MiB)")
                .contains("Stopping instead of stalling")
                .contains("--job-heap", "JAVA_OPTS=-Xmx", "taskmanager.memory.task.heap.size")
                .doesNotContain("OutOfMemoryError");
    }

    @Test
    void aJobWithRoomToSpareCompletes() throws Exception {
        Run run = fork("256m", 0.30, 100_000);
        assertThat(run.status).as(run.output).isZero();
        assertThat(run.output).contains("hog done").doesNotContain("heap is too small");
    }

    @Test
    void onlyAFullHeapAndMostOfTheTimeInCollectionsTogetherStopTheJvm() {
        long mib = 1 << 20;
        HeapWatchdog watchdog = new HeapWatchdog(100 * mib, 0);
        // Busy collecting, but the heap has room after each collection: healthy.
        for (long t = 10_000; t <= 20_000; t += 100) {
            assertThat(watchdog.observe(t, 80, 40 * mib)).isNull();
        }
        // Full after collection, but collections are rare: healthy.
        HeapWatchdog rare = new HeapWatchdog(100 * mib, 0);
        for (long t = 10_000; t <= 40_000; t += 1_000) {
            assertThat(rare.observe(t, 100, 95 * mib)).isNull();
        }
        // Full and collecting 60 % of the time: stops, naming the setting.
        HeapWatchdog spiral = new HeapWatchdog(100 * mib, 0);
        String verdict = null;
        for (long t = 10_000; t <= 20_000 && verdict == null; t += 100) {
            verdict = spiral.observe(t, 60, 95 * mib);
        }
        assertThat(verdict).contains("-Xmx 100 MiB", "95 %", "--job-heap");
    }

    @Test
    void noVerdictBeforeAWholeWindowWasSeen() {
        HeapWatchdog watchdog = new HeapWatchdog(100L << 20, 5_000);
        for (long t = 5_100; t < 15_000; t += 100) {
            assertThat(watchdog.observe(t, 100, 99L << 20)).isNull();
        }
    }

    private record Run(int status, String output) {}

    /** Runs {@link Hog} in a child JVM; a bound on its time so that a stall fails the test rather than hanging it. */
    private Run fork(String heap, double fill, long records) throws Exception {
        Path log = tmp.resolve("child-" + heap + ".log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Hog.class.getName(), Double.toString(fill), Long.toString(records))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = child.waitFor(4, TimeUnit.MINUTES);
        if (!ended) {
            child.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        assertThat(ended).as("the child JVM ended within the bound; its output:%n%s", output).isTrue();
        return new Run(child.exitValue(), output);
    }

    /** The child: FILL (share of the heap the job keeps live) RECORDS. */
    public static final class Hog {
        public static void main(String[] args) throws Exception {
            HeapWatchdog.install();
            double fill = Double.parseDouble(args[0]);
            long records = Long.parseLong(args[1]);
            Configuration conf = ReconflowJob.localRunSettings();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);
            env.fromSequence(1, records).uid("numbers").name("numbers")
                    .map(new Keep(fill)).uid("keep").name("keep")
                    .sinkTo(new DiscardingSink<>()).uid("discard").name("discard");
            env.execute("heap hog");
            System.out.println("hog done");
        }
    }

    /** Keeps records live until the heap after a collection is {@code fill} full, and makes garbage all along. */
    static final class Keep extends RichMapFunction<Long, Long> {
        private final double fill;
        private transient List<byte[]> kept;
        private transient volatile long usedAfterGc;

        Keep(double fill) {
            this.fill = fill;
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            kept = new ArrayList<>();
            Set<String> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((NotificationEmitter) gc).addNotificationListener((n, h) -> usedAfterGc = GarbageCollectionNotificationInfo
                        .from((CompositeData) n.getUserData()).getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                        .filter(e -> heap.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum(), null, null);
            }
        }

        @Override
        public Long map(Long n) {
            byte[] garbage = new byte[32 * 1024];
            if (usedAfterGc < fill * Runtime.getRuntime().maxMemory()) {
                kept.add(new byte[8 * 1024]);
            }
            return n + garbage.length;
        }
    }
}
