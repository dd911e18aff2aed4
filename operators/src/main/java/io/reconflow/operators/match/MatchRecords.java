package io.reconflow.operators.match;

import io.reconflow.operators.BusinessDeadline;
import io.reconflow.operators.StateTtl;
import io.reconflow.operators.Tags;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.RuleEvaluator;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import javax.annotation.Nullable;

/**
 * Pairs our records (first input) with the counterparty's (second input) by business date and
 * match key, and decides each key exactly once.
 *
 * <p>A key with both sides is decided as soon as the second side arrives. A key still missing a
 * side when event time passes its business date's deadline (end of the business date plus a grace
 * period) ends UNMATCHED_INTERNAL or UNMATCHED_COUNTERPARTY, or, when the reconciliation has
 * secondary-key passes, goes on to them through the side output {@link Tags#unmatched}. A bounded
 * run ends with the maximum watermark, so every key is decided at the end of input. State is
 * cleared once a key is decided; in continuous mode at the deadline (a republication's revised
 * record is decided again and its row replaces the earlier one in the ledger).
 */
public class MatchRecords extends KeyedCoProcessFunction<String, ValidRecord, ValidRecord, GenericRecord>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final String recon;
    private final FeedSpec feed;
    private final MatchSpec matchSpec;
    private final Duration grace;
    @Nullable private final Duration stateTtl;

    private transient ValueState<MatchSides> sides;
    /**
     * The per-side states of versions before {@link MatchSides}, read only at a key's deadline: keys
     * waiting in a savepoint of such a version are decided then (README "Upgrading from a savepoint").
     */
    private transient ValueState<ValidRecord> legacyInternal;
    private transient ValueState<ValidRecord> legacyCounterparty;
    private transient ValueState<Boolean> legacyDecided;
    private transient RuleEvaluator evaluator;
    private transient MatchOutcomes outcomes;
    /**
     * Keys of this subtask holding one side, waiting for the other (gauge {@code keysWaiting}):
     * counted as state is set and cleared rather than by scanning it, and kept in operator state so
     * that a restored job goes on from the right figure (after rescaling, subtasks share the total).
     */
    private transient long keysWaiting;
    private transient ListState<Long> waitingState;
    private transient String lastDate;
    private transient long lastDeadline;

    public MatchRecords(String recon, FeedSpec feed, MatchSpec matchSpec, Duration grace) {
        this(recon, feed, matchSpec, grace, null);
    }

    /**
     * @param stateTtl continuous mode: a decided key keeps both sides until its deadline, so that a
     *     revised record (a republication) is decided again against the other side; every state has
     *     this TTL (processing time) as a safety net. Null: bounded, state cleared once decided.
     */
    public MatchRecords(String recon, FeedSpec feed, MatchSpec matchSpec, Duration grace, @Nullable Duration stateTtl) {
        this.stateTtl = stateTtl;
        this.recon = recon;
        this.feed = feed;
        this.matchSpec = matchSpec;
        this.grace = grace;
    }

    @Override
    public void open(OpenContext openContext) {
        sides = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("sides", MatchSides.typeInfo(feed)), stateTtl));
        legacyInternal = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("internal", ValidRecord.pojoTypeInfo(feed)), stateTtl));
        legacyCounterparty = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("counterparty", ValidRecord.pojoTypeInfo(feed)), stateTtl));
        legacyDecided = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("decided", Types.BOOLEAN), stateTtl));
        evaluator = new RuleEvaluator(feed, matchSpec);
        getRuntimeContext().getMetricGroup().gauge("keysWaiting", () -> keysWaiting);
        // With a secondary-key pass, what finds no counterpart here is handed on to it.
        outcomes = new MatchOutcomes(recon, feed, getRuntimeContext(), !matchSpec.keyedPasses().isEmpty());
    }

    @Override
    public void processElement1(ValidRecord internal, Context ctx, Collector<GenericRecord> out) throws Exception {
        arrive(internal, true, ctx, out);
    }

    @Override
    public void processElement2(ValidRecord counterparty, Context ctx, Collector<GenericRecord> out) throws Exception {
        arrive(counterparty, false, ctx, out);
    }

    private void arrive(ValidRecord record, boolean internalArrived, Context ctx, Collector<GenericRecord> out) throws Exception {
        MatchSides held = sides.value();
        if (held == null) {
            held = new MatchSides();
            held.set(internalArrived, record);
            sides.update(held);
            ctx.timerService().registerEventTimeTimer(deadline(record));
            keysWaiting++;
            return;
        }
        ValidRecord waiting = held.side(!internalArrived);
        if (waiting == null) {
            // A second record for the same side and key (possible only when the idempotency key is
            // narrower than the match key) replaces the first, which then ends unmatched; a revision
            // of the same record (same idempotency key, a republication) replaces it silently.
            ValidRecord replaced = held.side(internalArrived);
            if (replaced != null && !sameRecord(replaced, record)) {
                unmatched(replaced, ctx, out);
            }
            held.set(internalArrived, record);
            sides.update(held);
            return;
        }
        ValidRecord internal = internalArrived ? record : waiting;
        ValidRecord counterparty = internalArrived ? waiting : record;
        RuleEvaluator.Decision d = evaluator.decide(internal.values, counterparty.values);
        outcomes.pair(d, internal, counterparty, false, out);
        if (!held.decided) {
            keysWaiting--;
        }
        if (stateTtl != null) {
            // Kept until the deadline: a revision of either side is decided again against the other.
            held.set(internalArrived, record);
            held.decided = true;
            sides.update(held);
            return;
        }
        ctx.timerService().deleteEventTimeTimer(deadline(record));
        sides.clear();
    }

    private static boolean sameRecord(ValidRecord a, ValidRecord b) {
        return java.util.Objects.equals(a.idempotencyKey, b.idempotencyKey);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<GenericRecord> out) throws Exception {
        MatchSides held = withLegacySides(sides.value(), ctx, out);
        sides.clear();
        if (held == null || held.decided) {
            return;
        }
        if (held.internal != null) {
            unmatched(held.internal, ctx, out);
        }
        if (held.counterparty != null) {
            unmatched(held.counterparty, ctx, out);
        }
        keysWaiting--;
    }

    /**
     * A key restored from a savepoint of a version that kept one state per side: its sides joined
     * with any that arrived since the restore (such a record found no side in {@link #sides} and
     * waited), and a pair so completed decided now, at the deadline, instead of on arrival.
     */
    @Nullable
    private MatchSides withLegacySides(@Nullable MatchSides held, OnTimerContext ctx, Collector<GenericRecord> out) throws Exception {
        ValidRecord oldInternal = legacyInternal.value();
        ValidRecord oldCounterparty = legacyCounterparty.value();
        boolean oldDecided = Boolean.TRUE.equals(legacyDecided.value());
        if (oldInternal == null && oldCounterparty == null && !oldDecided) {
            return held;
        }
        legacyInternal.clear();
        legacyCounterparty.clear();
        legacyDecided.clear();
        boolean arrivedSince = held != null;
        if (held == null) {
            held = new MatchSides();
        } else {
            keysWaiting--; // counted once in the restored figure and again on its arrival here
        }
        held.internal = joined(held.internal, oldInternal, ctx, out);
        held.counterparty = joined(held.counterparty, oldCounterparty, ctx, out);
        held.decided = oldDecided && !arrivedSince;
        if (held.internal != null && held.counterparty != null && !held.decided) {
            outcomes.pair(evaluator.decide(held.internal.values, held.counterparty.values), held.internal, held.counterparty, false, out);
            if (!oldDecided) {
                keysWaiting--;
            }
            held.decided = true;
        }
        return held;
    }

    /** The side kept of one that arrived since the restore and one restored; a different record replaced ends unmatched. */
    @Nullable
    private ValidRecord joined(@Nullable ValidRecord arrived, @Nullable ValidRecord restored, OnTimerContext ctx, Collector<GenericRecord> out) {
        if (arrived == null) {
            return restored;
        }
        if (restored != null && !sameRecord(restored, arrived)) {
            unmatched(restored, ctx, out);
        }
        return arrived;
    }

    /** The {@code keysWaiting} gauge's value. */
    long keysWaiting() {
        return keysWaiting;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        waitingState.update(java.util.List.of(keysWaiting));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        waitingState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("keys-waiting", Types.LONG));
        keysWaiting = 0;
        for (Long n : waitingState.get()) {
            keysWaiting += n;
        }
    }

    private void unmatched(ValidRecord envelope, Context ctx, Collector<GenericRecord> out) {
        outcomes.unmatched(envelope, out, ctx::output);
    }

    private long deadline(ValidRecord record) {
        // Nearly every record of a run has the same business date: parse it once, not twice a record.
        if (!record.businessDate.equals(lastDate)) {
            lastDeadline = BusinessDeadline.of(record.businessDate, grace);
            lastDate = record.businessDate;
        }
        return lastDeadline;
    }
}
