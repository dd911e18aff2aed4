package io.reconflow.operators.batch;

import io.reconflow.events.RecordTally;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import javax.annotation.Nullable;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class FirstTalliesTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, RecordTally, RecordTally> harness(@Nullable Duration ttl)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new FirstTallies(Duration.ZERO, ttl)), new BatchKey.OfDistinctRecord(), Types.STRING);
        h.setup(new AvroTypeInfo<>(RecordTally.class).createSerializer(new SerializerConfigImpl()));
        h.open();
        return h;
    }

    private static RecordTally inBatch(String batch, String key) {
        RecordTally t = CheckBatchCompletenessTest.tally(key, true, "1.5");
        t.setBatchId(batch);
        return t;
    }

    @Test
    void onlyTheFirstTallyOfEachRecordOfABatchGoesOn() throws Exception {
        try (var h = harness(null)) {
            h.processElement(inBatch("B-1", "idem-a"), 0L);
            h.processElement(inBatch("B-1", "idem-a"), 0L);   // the same record on another page
            h.processElement(inBatch("B-1", "idem-b"), 0L);
            h.processElement(inBatch("B-2", "idem-a"), 0L);   // the same record in another batch counts there
            h.processElement(CheckBatchCompletenessTest.tally("raw:x", false, null), 0L);
            h.processElement(CheckBatchCompletenessTest.tally("raw:x", false, null), 0L);

            assertThat(h.extractOutputValues()).extracting(t -> t.getBatchId() + "/" + t.getDistinctKey())
                    .containsExactly("B-1/idem-a", "B-1/idem-b", "B-2/idem-a", "B-1/raw:x");
            assertThat(h.numEventTimeTimers()).as("bounded runs: no timer per record").isZero();
            h.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(h.numKeyedStateEntries()).as("bounded runs keep the flags to the job's end").isEqualTo(4);
        }
    }

    @Test
    void continuousRunsForgetABatchsRecordsAtItsDeadline() throws Exception {
        try (var h = harness(Duration.ofDays(7))) {
            h.processElement(inBatch("B-1", "idem-a"), 0L);
            h.processElement(inBatch("B-1", "idem-a"), 0L);
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            h.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(h.numKeyedStateEntries()).as("cleared at the deadline").isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }
}
