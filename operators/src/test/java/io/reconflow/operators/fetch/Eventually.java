package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for a condition the code under test reports, failing (rather than hanging) if it never holds. */
final class Eventually {
    private Eventually() {}

    static void until(String what, BooleanSupplier condition) throws InterruptedException {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - giveUpAt).as("%s: not so within 30 s", what).isNegative();
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }
}
