package io.reconflow.operators.fetch;

import dev.failsafe.spi.Scheduler;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A counterparty's one scheduler thread ({@link #executor()}: every wait, timer and retry), and the
 * Failsafe {@link Scheduler} of an attempt's policies ({@link CounterpartyPolicies#guarded}) over it.
 *
 * <p>Failsafe hands every async execution to its scheduler, even with no delay. An attempt reaches
 * the guarded policies from its request's own execution, which already runs on this thread, so that
 * second hand-off only queued each request a second time behind every other one on this single
 * thread (README "Fetch throughput"). Work due now therefore runs at once when the caller is this
 * thread, and goes to the thread otherwise: it never runs on a caller's thread that is not ours (a
 * Flink task thread, an HTTP thread), and every delay is still a timer here.
 */
final class OwnThreadScheduler implements Scheduler {

    private final ThreadLocal<Boolean> mine = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final ScheduledThreadPoolExecutor executor;

    OwnThreadScheduler(String threadPrefix) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(() -> {
                mine.set(Boolean.TRUE);
                r.run();
            }, threadPrefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Most timers (attempt timeouts, deadlines) are cancelled; without this they would sit in the queue until due.
        this.executor.setRemoveOnCancelPolicy(true);
    }

    ScheduledThreadPoolExecutor executor() {
        return executor;
    }

    /** Whether the calling thread is this scheduler's. */
    boolean onOwnThread() {
        return mine.get();
    }

    @Override
    public ScheduledFuture<?> schedule(Callable<?> callable, long delay, TimeUnit unit) {
        if (delay > 0 || !mine.get() || executor.isShutdown()) {
            return executor.schedule(callable, delay, unit);
        }
        RanNow<Object> ran = new RanNow<>();
        try {
            ran.complete(callable.call());
        } catch (Throwable t) {
            // As the executor's own future would keep it: Failsafe's callables report through their promise.
            ran.completeExceptionally(t);
        }
        return ran;
    }

    /** What {@link #schedule} returns for work it ran at once: done, nothing left to cancel. */
    private static final class RanNow<V> extends CompletableFuture<V> implements ScheduledFuture<V> {
        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(0, other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
