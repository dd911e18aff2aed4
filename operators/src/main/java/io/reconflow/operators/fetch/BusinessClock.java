package io.reconflow.operators.fetch;

import java.io.Serializable;

/**
 * The wall clock of a continuous run, in epoch milliseconds: it opens business dates, paces the
 * manifest polls and drives the watermarks (event time is business time). Serializable so that the
 * JobManager's enumerator and every reader get it; tests pass a clock they move by hand.
 */
@FunctionalInterface
public interface BusinessClock extends Serializable {
    long millis();

    /** The system clock. */
    static BusinessClock system() {
        return (BusinessClock) System::currentTimeMillis;
    }
}
