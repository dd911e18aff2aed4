package io.reconflow.job.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or the time is up; a wait, not a timing assertion. */
public record Deadline(long endNanos, Duration timeout) {
    public static Deadline of(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos(), timeout);
    }

    /** Returns when {@code condition} holds; fails naming {@code what} after the timeout, or with what the condition threw. */
    public void await(String what, Callable<Boolean> condition) throws Exception {
        Exception last = null;
        while (System.nanoTime() < endNanos) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (IllegalStateException fatal) {
                throw fatal;
            } catch (java.io.IOException notYet) {
                last = notYet;
            }
            Thread.sleep(200);
        }
        AssertionError e = new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }
}
