package io.reconflow.operators.dedup;

import io.reconflow.operators.Tags;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Runs {@link DeduplicateRecords} and sends its per-batch tallies ({@link Tags#BATCH_TALLIES})
 * before every watermark (the completeness check decides on an event-time timer, so it must have
 * every count the watermark covers), before every checkpoint barrier (no count is only in memory
 * when a checkpoint is taken: the counted keys are in its state) and at the end of input. A plain
 * {@code KeyedProcessFunction} has none of these three moments, hence an operator.
 */
public class DeduplicateRecordsOperator extends KeyedProcessOperator<String, ValidRecord, ValidRecord> {
    private static final long serialVersionUID = 1L;

    public DeduplicateRecordsOperator(DeduplicateRecords function) {
        super(function);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flushTallies();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flushTallies();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        flushTallies();
        super.finish();
    }

    private void flushTallies() {
        ((DeduplicateRecords) userFunction).flushTallies(t -> output.collect(Tags.BATCH_TALLIES, new StreamRecord<>(t)));
    }
}
