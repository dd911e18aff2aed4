package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.ResponseClassifier.seconds;

import io.reconflow.events.ErrorCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Lets an attempt go when its counterparty may be asked: not paused, past its Retry-After, and its
 * circuit not open (nor half-open with every probe out). Every wait is a timer or a queue on the
 * policies' scheduler; nothing blocks. The bulkheads, the token bucket and the breaker's own
 * permit come after, in the Failsafe composition of {@link CounterpartyPolicies#guarded}.
 *
 * <p>Also keeps each request's deadline, which the pause stops while it holds the request, so that
 * a pause fails no request.
 */
final class Admission {

    private final CounterpartyPolicies policies;
    private final FetchSettings settings;
    /** Ends a request with a reason (the client's). */
    private final BiConsumer<FetchCall<?>, String> end;

    Admission(CounterpartyPolicies policies, FetchSettings settings, BiConsumer<FetchCall<?>, String> end) {
        this.policies = policies;
        this.settings = settings;
        this.end = end;
    }

    /** Runs {@code go} once the attempt may be sent, unless {@code result} completes first. */
    <T> void admit(FetchCall<T> call, CompletableFuture<Attempt<T>> result, Runnable go) {
        try {
            if (result.isDone() || heldByPause(call, () -> admit(call, result, go))) {
                return;
            }
            Runnable again = () -> admit(call, result, go);
            long now = System.nanoTime();
            long gate = policies.notBefore();
            if (gate - now > 0) {
                if (gate - call.deadlineNanos > 0) {
                    result.complete(Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus,
                            ErrorCode.FETCH_FAILED, "the counterparty asked (Retry-After) for no requests during the next "
                                    + seconds(Duration.ofNanos(gate - now)) + ", beyond this request's deadline"
                                    + (call.lastProblem == null ? "" : "; last attempt: " + call.lastProblem)));
                    return;
                }
                policies.schedule(again, gate - now);
                return;
            }
            long open = policies.remainingOpenNanos();
            if (open > 0) {
                // Open: wait (backpressure) for the probe time rather than fail; no attempt is used.
                policies.schedule(again, Math.min(open, call.remainingNanos()) + 1_000_000L);
                return;
            }
            if (call.refusedByBreaker) {
                // Half-open and every probe out: wait for one to come back (or the state to change).
                call.refusedByBreaker = false;
                policies.park(call.seenWake, again);
                return;
            }
            go.run();
        } catch (RuntimeException e) {
            // The scheduler refusing work after close(): answer rather than leave the retries waiting.
            result.complete(Attempt.fail(call.attempts.get(), call.lastRequestId, call.lastStatus,
                    ErrorCode.FETCH_FAILED, "request could not be sent: " + e));
        }
    }

    /**
     * Holds the attempt while its counterparty is paused: it waits (nothing blocks) until resumed,
     * then goes through admission again. Its deadline does not run while held; an attempt already
     * sent is not touched.
     */
    private boolean heldByPause(FetchCall<?> call, Runnable again) {
        long heldAt = System.nanoTime();
        call.heldSince = heldAt;
        boolean held = policies.pause.hold(() -> {
            call.deadlineNanos += System.nanoTime() - heldAt;
            call.heldSince = 0;
            armDeadline(call);
            policies.execute(again);
        });
        if (!held) {
            call.heldSince = 0;
        }
        return held;
    }

    /** Ends the request at its deadline, unless the pause holds it (its resumption re-arms this). */
    void armDeadline(FetchCall<?> call) {
        call.deadlineTimer = policies.schedule(() -> {
            if (call.heldSince != 0) {
                return;
            }
            if (call.remainingNanos() > 0) {
                armDeadline(call); // moved by a pause
            } else {
                end.accept(call, "no answer within the deadline of " + seconds(settings.deadline()));
            }
        }, call.remainingNanos());
    }
}
