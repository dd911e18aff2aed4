package io.reconflow.operators.source;

import io.reconflow.operators.fetch.BusinessClock;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * The internal files' watermark in a continuous run: the business clock less one folder poll
 * interval (a file is found at most that long after it appears). Emitted periodically whether or
 * not a file is being read, so an idle folder never holds the matchers back.
 */
public final class ClockWatermarks<T> implements WatermarkGenerator<T> {
    private final BusinessClock clock;
    private final long lagMs;

    public ClockWatermarks(BusinessClock clock, long lagMs) {
        this.clock = clock;
        this.lagMs = lagMs;
    }

    public static <T> WatermarkStrategy<T> strategy(BusinessClock clock, long lagMs) {
        return WatermarkStrategy.forGenerator(ctx -> new ClockWatermarks<>(clock, lagMs));
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {}

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.emitWatermark(new Watermark(clock.millis() - lagMs));
    }
}
