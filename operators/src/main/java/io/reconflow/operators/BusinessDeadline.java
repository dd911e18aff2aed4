package io.reconflow.operators;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The event time by which everything of a business date is expected: the end of the date (UTC)
 * plus a grace period. Keys and batches still waiting then are decided; a bounded run reaches it
 * for every date at the end of input, with the maximum watermark.
 */
public final class BusinessDeadline {
    private BusinessDeadline() {}

    public static long of(String businessDate, Duration grace) {
        return LocalDate.parse(businessDate).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).plus(grace).toEpochMilli();
    }
}
