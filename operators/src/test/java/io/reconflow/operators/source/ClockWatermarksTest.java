package io.reconflow.operators.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/** The internal files' watermark: the business clock less one folder poll, with or without records. */
class ClockWatermarksTest {
    static final AtomicLong NOW = new AtomicLong(1_000_000);

    static long now() {
        return NOW.get();
    }

    @Test
    void followsTheClockLessTheFolderPollWhetherOrNotFilesAreRead() {
        ClockWatermarks<String> generator = new ClockWatermarks<>(ClockWatermarksTest::now, 60_000);
        List<Long> emitted = new ArrayList<>();
        WatermarkOutput out = new WatermarkOutput() {
            @Override
            public void emitWatermark(Watermark watermark) {
                emitted.add(watermark.getTimestamp());
            }

            @Override
            public void markIdle() {
                emitted.add(-1L);
            }

            @Override
            public void markActive() {}
        };
        generator.onPeriodicEmit(out);
        generator.onEvent("a record", 5_000_000L, out); // a record's own time moves nothing
        NOW.set(2_000_000);
        generator.onPeriodicEmit(out);
        assertThat(emitted).containsExactly(940_000L, 1_940_000L);
    }
}
