package io.reconflow.operators.batch;

import io.reconflow.operators.BusinessDeadline;
import io.reconflow.operators.RunTotals;
import io.reconflow.operators.StateTtl;
import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchOutcome;
import io.reconflow.events.BatchStatus;
import io.reconflow.events.RecordTally;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.RecordJson;
import io.reconflow.domain.feed.Texts;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/**
 * Checks that each counterparty batch arrived whole: counts the distinct records received (valid
 * and rejected alike; a valid record is told apart by its idempotency key, a rejected one by its
 * canonical JSON: deduplication counts the valid ones, each key once per batch, and sends their
 * sums per batch; {@link FirstTallies} passes on the first tally of each rejected one), sums the
 * control field over them exactly, and compares both with the manifest's
 * record_count and control_total when the batch's business date is over (at the end of a bounded
 * run). Keyed by {@link BatchKey}: manifests on the first input, tallies on the second.
 */
public class CheckBatchCompleteness extends KeyedCoProcessFunction<String, BatchManifest, RecordTally, BatchOutcome> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CheckBatchCompleteness.class);
    private static final int OUTPUT_SCALE = 18;
    private static final int OUTPUT_PRECISION = 38;

    private final String recon;
    private final boolean hasControlField;
    private final Duration grace;
    @javax.annotation.Nullable private Duration stateTtl;

    private transient ValueState<BatchManifest> manifest;
    private transient ValueState<RecordTally> firstTally;
    private transient ValueState<Long> validCount;
    private transient ValueState<Long> rejectedCount;
    private transient ValueState<BigDecimal> controlSum;
    private transient Counter complete;
    private transient Counter incomplete;

    public CheckBatchCompleteness(String recon, boolean hasControlField, Duration grace) {
        this.recon = recon;
        this.hasControlField = hasControlField;
        this.grace = grace;
    }

    /** Continuous mode: every state of this operator with this TTL (processing time), a safety net. */
    public CheckBatchCompleteness withStateTtl(Duration ttl) {
        this.stateTtl = ttl;
        return this;
    }

    @Override
    public void open(OpenContext openContext) {
        manifest = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("manifest", new AvroTypeInfo<>(BatchManifest.class)), stateTtl));
        firstTally = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("first-tally", new AvroTypeInfo<>(RecordTally.class)), stateTtl));
        validCount = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("valid", Types.LONG), stateTtl));
        rejectedCount = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("rejected", Types.LONG), stateTtl));
        controlSum = getRuntimeContext().getState(StateTtl.on(new ValueStateDescriptor<>("control-sum", Types.BIG_DEC), stateTtl));
        complete = getRuntimeContext().getMetricGroup().counter("batchesComplete");
        incomplete = getRuntimeContext().getMetricGroup().counter("batchesIncomplete");
    }

    @Override
    public void processElement1(BatchManifest m, Context ctx, Collector<BatchOutcome> out) throws Exception {
        if (manifest.value() == null && firstTally.value() == null) {
            ctx.timerService().registerEventTimeTimer(deadline(m.getBusinessDate()));
        }
        manifest.update(m);
    }

    @Override
    public void processElement2(RecordTally t, Context ctx, Collector<BatchOutcome> out) throws Exception {
        // A tally counts one distinct record (a rejected one) or a batch's sum of them (valid ones,
        // from deduplication). The manifest and first tally (Avro values) are read only while
        // neither count exists yet.
        ValueState<Long> count = t.getValid() ? validCount : rejectedCount;
        Long counted = count.value();
        if (counted == null && (t.getValid() ? rejectedCount : validCount).value() == null
                && manifest.value() == null && firstTally.value() == null) {
            ctx.timerService().registerEventTimeTimer(deadline(t.getBusinessDate()));
            firstTally.update(t);
        }
        count.update(counted == null ? t.getRecords() : counted + t.getRecords());
        if (t.getControlUnscaled() != null) {
            BigDecimal v = FeedValues.decimal(t.getControlUnscaled(), t.getControlScale());
            BigDecimal sum = controlSum.value();
            controlSum.update(sum == null ? v : sum.add(v));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<BatchOutcome> out) throws Exception {
        BatchManifest m = manifest.value();
        RecordTally any = firstTally.value();
        long valid = value(validCount);
        long rejected = value(rejectedCount);
        long actual = valid + rejected;
        BigDecimal actualTotal = controlSum.value() == null ? BigDecimal.ZERO : controlSum.value();

        BatchOutcome.Builder o = BatchOutcome.newBuilder()
                .setRecon(recon)
                .setFeed(m != null ? m.getFeed() : any.getFeed())
                .setCounterparty(m != null ? m.getCounterparty() : any.getCounterparty())
                .setBusinessDate(m != null ? m.getBusinessDate() : any.getBusinessDate())
                .setBatchId(m != null && m.getBatchId() != null ? m.getBatchId() : any == null ? "" : any.getBatchId())
                .setActualCount(actual)
                .setValidRecords(valid)
                .setRejectedRecords(rejected)
                .setActualControlTotal(hasControlField ? atOutputScale(actualTotal) : null)
                .setManifestCorrelationId(m == null ? null : m.getCorrelationId());

        StringBuilder why = new StringBuilder();
        if (m == null) {
            why.append("records arrived for a batch without a manifest");
        } else if (m.getFailure() != null) {
            why.append("the manifest could not be fetched: ").append(m.getFailure().getMessage());
        } else {
            o.setExpectedCount(m.getRecordCount());
            if (m.getRecordCount() != actual) {
                why.append("expected ").append(m.getRecordCount()).append(" distinct records, received ").append(actual);
            }
            if (hasControlField) {
                BigDecimal expectedTotal = parse(m.getControlTotal());
                o.setExpectedControlTotal(atOutputScale(expectedTotal));
                if (expectedTotal == null || atOutputScale(expectedTotal) == null) {
                    append(why, "the manifest's control_total '" + Texts.abbreviate(m.getControlTotal())
                            + "' is not a decimal that fits DECIMAL(38,18)");
                } else if (atOutputScale(actualTotal) == null) {
                    append(why, "the control total received does not fit DECIMAL(38,18)");
                } else if (expectedTotal.compareTo(actualTotal) != 0) {
                    append(why, "control total expected " + FeedValues.plain(expectedTotal) + ", received " + FeedValues.plain(actualTotal));
                }
            }
        }
        boolean whole = why.length() == 0;
        o.setStatus(whole ? BatchStatus.COMPLETE : BatchStatus.INCOMPLETE);
        o.setMessage(whole ? "complete" : why.toString());
        BatchOutcome outcome = o.build();
        if (whole) {
            complete.inc();
            getRuntimeContext().getLongCounter(RunTotals.BATCHES_COMPLETE).add(1L);
        } else {
            incomplete.inc();
            getRuntimeContext().getLongCounter(RunTotals.BATCHES_INCOMPLETE).add(1L);
            LOG.warn("INCOMPLETE BATCH {} of {} for {} (batch {}): {}", recon, outcome.getCounterparty(),
                    outcome.getBusinessDate(), outcome.getBatchId(), outcome.getMessage());
        }
        out.collect(outcome);
        manifest.clear();
        firstTally.clear();
        validCount.clear();
        rejectedCount.clear();
        controlSum.clear();
    }

    private static void append(StringBuilder sb, String s) {
        sb.append(sb.length() == 0 ? "" : "; ").append(s);
    }

    private static long value(ValueState<Long> s) throws Exception {
        Long v = s.value();
        return v == null ? 0L : v;
    }

    /** The manifest's figure, if it is a plain decimal short enough to read (the manifest parser checked it). */
    private static BigDecimal parse(String text) {
        if (text == null || text.trim().length() > RecordJson.MAX_NUMBER_CHARS
                || !io.reconflow.domain.feed.RecordValidator.isPlainDecimal(text.trim())) {
            return null;
        }
        return new BigDecimal(text.trim());
    }

    /**
     * The figure at the output's DECIMAL(38,18) scale (a sum with more decimal places is rounded
     * there); null when it is null or does not fit, which Avro could not write.
     */
    private static BigDecimal atOutputScale(BigDecimal v) {
        if (v == null || v.precision() - v.scale() > OUTPUT_PRECISION - OUTPUT_SCALE) {
            return null;
        }
        BigDecimal out = v.setScale(OUTPUT_SCALE, RoundingMode.HALF_EVEN);
        return out.precision() > OUTPUT_PRECISION ? null : out;
    }

    private long deadline(String businessDate) {
        return BusinessDeadline.of(businessDate, grace);
    }
}
