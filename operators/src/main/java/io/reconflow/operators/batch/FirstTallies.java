package io.reconflow.operators.batch;

import io.reconflow.events.RecordTally;
import io.reconflow.operators.BusinessDeadline;
import io.reconflow.operators.StateTtl;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import javax.annotation.Nullable;
import java.time.Duration;

/**
 * Passes on the first tally of each distinct record of a batch and drops the rest (the same record
 * on another page, or sent twice), keyed by {@link BatchKey.OfDistinctRecord}: the tallies of
 * rejected records, and of valid ones whose key deduplication kept in a version before it counted
 * valid records itself (see {@code DeduplicateRecords}). Done here, spread
 * over every subtask, rather than in {@link CheckBatchCompleteness}: that one is keyed by batch, so
 * a whole batch runs on one subtask, and a set of every record seen under that one key made it the
 * serial step of a large batch.
 *
 * <p>Bounded runs keep the flag until the job ends, as the batch check kept its set. Continuous
 * runs clear it at the batch's deadline, when the batch check decides and clears its figures too.
 */
public class FirstTallies extends KeyedProcessFunction<String, RecordTally, RecordTally> {
    private static final long serialVersionUID = 1L;

    private final Duration grace;
    @Nullable private final Duration stateTtl;

    private transient ValueState<Boolean> seen;

    /**
     * @param grace the business date's grace, as the batch check's deadline
     * @param stateTtl continuous runs' state TTL; null for bounded runs (no timer, no TTL)
     */
    public FirstTallies(Duration grace, @Nullable Duration stateTtl) {
        this.grace = grace;
        this.stateTtl = stateTtl;
    }

    @Override
    public void open(OpenContext openContext) {
        seen = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("seen", Types.BOOLEAN), stateTtl));
    }

    @Override
    public void processElement(RecordTally t, Context ctx, Collector<RecordTally> out) throws Exception {
        if (seen.value() != null) {
            return;
        }
        seen.update(Boolean.TRUE);
        if (stateTtl != null) {
            ctx.timerService().registerEventTimeTimer(BusinessDeadline.of(t.getBusinessDate(), grace));
        }
        out.collect(t);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RecordTally> out) {
        seen.clear();
    }
}
