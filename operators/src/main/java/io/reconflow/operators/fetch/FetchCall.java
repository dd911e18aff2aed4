package io.reconflow.operators.fetch;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** One request through all its attempts and waits: what its attempts, admission and deadline share. */
final class FetchCall<T> {
    final String path;
    final URI uri;
    /** Moved later by the time the request spent held by the emergency pause. */
    volatile long deadlineNanos;
    /** System.nanoTime() when the pause began holding it; 0 while not held. */
    volatile long heldSince;
    volatile ScheduledFuture<?> deadlineTimer;
    /** Attempts sent. */
    final AtomicInteger attempts = new AtomicInteger();
    /** Attempts counted against max_attempts: all but failed half-open probes. */
    final AtomicInteger charged = new AtomicInteger();
    volatile String lastRequestId = "";
    volatile Integer lastStatus;
    volatile String lastProblem;
    volatile Duration lastRetryAfter;
    /** Why the request is over before its attempts are (deadline, cancel, close); null while it runs. */
    volatile String over;
    /** The attempt under way (waiting or sending); completing it ends the attempt. */
    volatile CompletableFuture<Attempt<T>> current;
    /** The attempt on the wire, if any; completing it ends the attempt. */
    volatile CompletableFuture<Attempt<T>> sending;
    /** The same attempt once counted (metrics, attempts charged). */
    volatile CompletableFuture<Attempt<T>> counted;
    volatile BodyReader.Exchange exchange;
    /** Stops the HTTP exchange in flight, if any. */
    volatile Runnable stopExchange;
    /** The circuit breaker refused the last attempt (half-open, every probe out): wait for one to come back. */
    volatile boolean refusedByBreaker;
    /** The policies' wake-up count when the last attempt went to the breaker (no lost wake-up). */
    volatile long seenWake;
    volatile Future<?> run;

    FetchCall(String path, URI uri, long deadlineNanos) {
        this.path = path;
        this.uri = uri;
        this.deadlineNanos = deadlineNanos;
    }

    long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }
}
