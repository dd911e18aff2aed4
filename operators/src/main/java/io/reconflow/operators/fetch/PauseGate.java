package io.reconflow.operators.fetch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emergency pause of one counterparty in this JVM (README "Emergency pause"): while paused, no
 * new attempt of a request to it (first try or retry, manifest or page) is admitted; the attempt's
 * continuation is held here and run when the counterparty is resumed. Attempts already sent are
 * not touched and complete normally. Nothing waits on a thread: a held attempt is a queued
 * {@link Runnable}. Flipped by {@link PauseFileWatcher}, off the task threads.
 *
 * <p>One gate per counterparty name and JVM, shared by every client of it, as its limits are.
 */
public final class PauseGate {

    private static final Logger LOG = LoggerFactory.getLogger(PauseGate.class);

    private static final Map<String, PauseGate> GATES = new ConcurrentHashMap<>();

    private final String counterparty;
    private volatile String reason; // null while not paused
    private volatile long changedAt = System.nanoTime(); // System.nanoTime() of the last pause or resume
    private List<Runnable> held = new ArrayList<>(); // guarded by this

    private PauseGate(String counterparty) {
        this.counterparty = counterparty;
    }

    /** The gate of {@code counterparty} in this JVM. */
    public static PauseGate of(String counterparty) {
        return GATES.computeIfAbsent(counterparty, PauseGate::new);
    }

    public boolean paused() {
        return reason != null;
    }

    /** Why it is paused, or null. */
    public String reason() {
        return reason;
    }

    /** Stops admitting new attempts; a second pause only updates the reason. */
    public void pause(String why) {
        String text = why == null || why.isBlank() ? "(no reason given)" : why;
        synchronized (this) {
            boolean was = reason != null;
            reason = text;
            if (was) {
                return;
            }
            changedAt = System.nanoTime();
        }
        LOG.warn("counterparty {} PAUSED: no new request goes to it until it is resumed (reason: {})", counterparty, text);
    }

    /** Admits again, and lets every held attempt go on (in the order they were held). */
    public void resume() {
        List<Runnable> todo;
        synchronized (this) {
            if (reason == null) {
                return;
            }
            reason = null;
            changedAt = System.nanoTime();
            todo = held;
            held = new ArrayList<>();
        }
        LOG.warn("counterparty {} RESUMED: {} held request(s) go on", counterparty, todo.size());
        todo.forEach(PauseGate::runQuietly);
    }

    /**
     * Holds an attempt while paused.
     *
     * @param onResume runs (on the resuming thread, so it should only hand work on) when resumed
     * @return true when held; false when not paused (the caller goes on at once)
     */
    public synchronized boolean hold(Runnable onResume) {
        if (reason == null) {
            return false;
        }
        held.add(onResume);
        return true;
    }

    /** Attempts held now. */
    public synchronized int held() {
        return held.size();
    }

    /** Whether the gate was paused at any moment since {@code sinceNanos} (System.nanoTime()). */
    public boolean pausedSince(long sinceNanos) {
        return reason != null || changedAt - sinceNanos > 0;
    }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("a request held by the pause could not go on", e);
        }
    }

    @Override
    public String toString() {
        return "PauseGate[" + counterparty + (reason == null ? "" : ", paused: " + reason) + "]";
    }
}
