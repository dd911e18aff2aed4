package io.reconflow.operators.fetch;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The places of one page fetch subtask's async queue ({@code fetch.capacity}), shared with the
 * counterparty source chained in front of it, so that the source hands over a page request only
 * when a place is free and otherwise reports nothing available: its task then idles while the page
 * fetch waits on HTTP, instead of waiting inside the async operator's full queue, which Flink counts
 * as busy (the dashboard read 100 % busy for a fetch that only waited).
 *
 * <p>Found through the task thread: the source and the page fetch are chained (README "Checkpoints
 * while fetching"), so they run on the same thread, which {@link #open} and {@link #ofThisTask} are
 * called on. Unchained (no page fetch on this thread), the source finds none and does not wait.
 */
final class FetchSlots {

    private static final Map<Thread, FetchSlots> BY_TASK_THREAD = new ConcurrentHashMap<>();

    private final Thread task;
    private final int capacity;
    private int taken; // guarded by this
    private CompletableFuture<Void> room = CompletableFuture.completedFuture(null); // guarded by this

    private FetchSlots(Thread task, int capacity) {
        this.task = task;
        this.capacity = capacity;
    }

    /** Called by the page fetch as it opens, on its task thread. */
    static FetchSlots open(int capacity) {
        FetchSlots slots = new FetchSlots(Thread.currentThread(), Math.max(1, capacity));
        BY_TASK_THREAD.put(slots.task, slots);
        return slots;
    }

    /** The page fetch chained on the calling task thread, or null. */
    static FetchSlots ofThisTask() {
        return BY_TASK_THREAD.get(Thread.currentThread());
    }

    void close() {
        BY_TASK_THREAD.remove(task, this);
        synchronized (this) {
            room.complete(null);
        }
    }

    /** A request entered the queue. */
    synchronized void take() {
        taken++;
    }

    /** A request left it (answered or timed out): exactly once per {@link #take}. */
    void free() {
        CompletableFuture<Void> wake;
        synchronized (this) {
            taken--;
            wake = room;
        }
        wake.complete(null);
    }

    synchronized boolean hasRoom() {
        return taken < capacity;
    }

    /** Completes when a place is free (at once if one is). */
    synchronized CompletableFuture<Void> whenRoom() {
        if (taken < capacity) {
            return CompletableFuture.completedFuture(null);
        }
        if (room.isDone()) {
            room = new CompletableFuture<>();
        }
        return room;
    }

    synchronized int taken() {
        return taken;
    }
}
