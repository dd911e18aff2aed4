package io.reconflow.job;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Stops a JVM whose heap is too small instead of letting it stall in garbage collection. G1 (Java
 * 17's default) has no GC overhead limit ({@code -XX:+UseGCOverheadLimit} is Parallel GC's only):
 * with a live set just under {@code -Xmx} it collects back to back and never throws
 * OutOfMemoryError. This listens to every collection (GarbageCollectorMXBean notifications) and
 * halts the JVM, with a message naming the setting to raise, once both hold: the heap is still
 * {@link #FULL_AFTER_GC} full after a collection, and collections took {@link #GC_SHARE} of the
 * last {@link #WINDOW_MS} ms. Installed in the JVMs that hold a local MiniCluster's TaskManager.
 */
public final class HeapWatchdog implements NotificationListener {
    private static final Logger LOG = LoggerFactory.getLogger(HeapWatchdog.class);

    /** The exit status, the same as {@code -XX:+ExitOnOutOfMemoryError}'s. */
    public static final int EXIT_STATUS = 3;
    static final double FULL_AFTER_GC = 0.90;
    static final double GC_SHARE = 0.50;
    static final long WINDOW_MS = 10_000;

    static final String ADVICE = "Raise the heap: JAVA_OPTS=-Xmx<size> for ./reconflow run and demo, --job-heap <size>"
            + " for ./reconflow bench, taskmanager.memory.task.heap.size (or taskmanager.memory.process.size) on a cluster.";

    private static HeapWatchdog installed;

    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final long maxHeap;
    private final long startedAt;
    /** {end, duration} in ms of JVM uptime of the collections within the window. */
    private final Deque<long[]> recent = new ArrayDeque<>();

    /** @param startedAt JVM uptime in ms when watching starts: no verdict before a whole window was seen */
    HeapWatchdog(long maxHeap, long startedAt) {
        this.maxHeap = maxHeap;
        this.startedAt = startedAt;
    }

    /** Installs the watchdog in this JVM once; later calls do nothing. */
    public static synchronized void install() {
        if (installed != null) {
            return;
        }
        installed = new HeapWatchdog(Runtime.getRuntime().maxMemory(), ManagementFactory.getRuntimeMXBean().getUptime());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(installed, null, null);
            }
        }
    }

    @Override
    public void handleNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        var gc = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : gc.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        String verdict = observe(gc.getEndTime(), gc.getDuration(), used);
        if (verdict != null) {
            // halt, not exit: shutdown hooks could need the very heap that is gone.
            System.err.println(verdict);
            LOG.error(verdict);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }
    }

    /** Records one collection; the message to stop with, or null while the heap is healthy. */
    synchronized String observe(long endMs, long durationMs, long usedAfterGc) {
        recent.addLast(new long[] {endMs, durationMs});
        long windowStart = endMs - WINDOW_MS;
        while (!recent.isEmpty() && recent.peekFirst()[0] < windowStart) {
            recent.removeFirst();
        }
        long gcMs = 0;
        for (long[] gc : recent) {
            gcMs += Math.min(gc[1], gc[0] - windowStart);   // only the part of a collection inside the window
        }
        double full = (double) usedAfterGc / maxHeap;
        double share = Math.min(1.0, (double) gcMs / WINDOW_MS);   // collectors' notifications may overlap
        if (endMs - startedAt < WINDOW_MS || full < FULL_AFTER_GC || share < GC_SHARE) {
            return null;
        }
        return String.format("reconflow: the heap is too small for this run (-Xmx %d MiB): %.0f %% of it is still in use"
                + " after garbage collection, and collecting took %.0f %% of the last %d s. Stopping instead of stalling. %s",
                maxHeap >> 20, full * 100, share * 100, WINDOW_MS / 1000, ADVICE);
    }
}
