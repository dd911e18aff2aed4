package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OwnThreadSchedulerTest {

    private final OwnThreadScheduler scheduler = new OwnThreadScheduler("test-wait");

    @AfterEach
    void stop() {
        scheduler.executor().shutdownNow();
    }

    @Test
    void workDueNowFromAnotherThreadGoesToTheSchedulerThread() throws Exception {
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        scheduler.schedule(() -> ranOn.complete(Thread.currentThread()), 0, TimeUnit.NANOSECONDS);

        Thread thread = ranOn.get(10, TimeUnit.SECONDS);
        assertThat(thread).isNotSameAs(Thread.currentThread());
        assertThat(thread.getName()).startsWith("test-wait-");
        assertThat(scheduler.onOwnThread()).isFalse();
    }

    @Test
    void workDueNowOnTheSchedulerThreadRunsAtOnceWithoutAnotherHandOff() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        scheduler.executor().execute(() -> {
            StringBuilder order = new StringBuilder("outer;");
            ScheduledFuture<?> inner = scheduler.schedule(() -> order.append("inner;"), 0, TimeUnit.NANOSECONDS);
            order.append(inner.isDone() ? "done" : "queued");
            seen.complete(order.toString());
        });

        assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("outer;inner;done");
    }

    @Test
    void delayedWorkIsATimerEvenOnTheSchedulerThread() throws Exception {
        CompletableFuture<Boolean> ranInline = new CompletableFuture<>();
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        scheduler.executor().execute(() -> {
            ScheduledFuture<?> later = scheduler.schedule(() -> ranOn.complete(Thread.currentThread()), 20, TimeUnit.MILLISECONDS);
            ranInline.complete(later.isDone());
        });

        assertThat(ranInline.get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(ranOn.get(10, TimeUnit.SECONDS).getName()).startsWith("test-wait-");
    }

    @Test
    void aFailureOfWorkRunAtOnceStaysInItsFuture() throws Exception {
        CompletableFuture<ScheduledFuture<?>> inner = new CompletableFuture<>();
        scheduler.executor().execute(() -> inner.complete(scheduler.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 0, TimeUnit.NANOSECONDS)));

        ScheduledFuture<?> f = inner.get(10, TimeUnit.SECONDS);
        assertThat(f.isDone()).isTrue();
        assertThat(((CompletableFuture<?>) f).isCompletedExceptionally()).isTrue();
    }
}
