package io.reconflow.operators.dedup;

import io.reconflow.operators.RejectCounters;
import io.reconflow.operators.Rejects;
import io.reconflow.operators.StateTtl;
import io.reconflow.operators.Tags;
import io.reconflow.operators.batch.BatchKey;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Side;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Drops a record already seen under the same idempotency key (delivery is at-least-once: a page
 * can repeat a record), and rejects one whose key was seen with different content as
 * DUPLICATE_CONFLICT. Keyed by {@link DedupKey}; remembers each key's content hash for a TTL
 * ({@link SeenContent}). The raw text and content hash of a record that goes on are dropped here:
 * only a reject needs the text, only this function the hash.
 *
 * <p>It also counts the counterparty's valid records for the batch completeness check: a key's
 * record once per batch it comes in, duplicates or not, as the check counts distinct records. Its
 * state already knows whether a key was seen, so the check needs no state per record of its own;
 * and the counts are summed per batch here and sent as one {@link RecordTally} per batch
 * ({@link Tags#BATCH_TALLIES}) by {@link DeduplicateRecordsOperator} before each watermark, each
 * checkpoint barrier and at the end of input, instead of one tally per record.
 */
public class DeduplicateRecords extends KeyedProcessFunction<String, ValidRecord, ValidRecord> {
    private static final long serialVersionUID = 1L;

    /** Accumulator name of the count of exact duplicates dropped (read by the job's summary). */
    public static final String DUPLICATES_ACCUMULATOR = "duplicates-dropped";

    private final String recon;
    private final FeedSpec feed;
    private final Duration ttl;
    private final boolean revisions;

    private transient ValueState<SeenContent> seenContent;
    private transient Counter duplicates;
    private transient Counter conflicts;
    private transient Counter revised;
    private transient LongCounter duplicatesTotal;
    private transient RejectCounters byCode;
    private transient int controlPosition;
    /** Valid counterparty records counted since the last flush, per batch (a handful of entries). */
    private transient Map<String, BatchSum> batchSums;
    /** The sum the last record went to: nearly every record is of the same batch as the one before. */
    private transient BatchSum lastSum;

    public DeduplicateRecords(String recon, FeedSpec feed, Duration ttl) {
        this(recon, feed, ttl, false);
    }

    /**
     * @param revisions continuous mode: a counterparty record whose key was seen with other content
     *     in another batch (a republication with a new {@code batch_id}) replaces it and goes on, to
     *     be decided again; within one batch it is still a DUPLICATE_CONFLICT
     */
    public DeduplicateRecords(String recon, FeedSpec feed, Duration ttl, boolean revisions) {
        this.recon = recon;
        this.feed = feed;
        this.ttl = ttl;
        this.revisions = revisions;
    }

    @Override
    public void open(OpenContext openContext) {
        seenContent = getRuntimeContext().getState(
                StateTtl.on(new ValueStateDescriptor<>("seen-content", SeenContent.typeInfo()), ttl));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
        conflicts = getRuntimeContext().getMetricGroup().counter("duplicateConflicts");
        revised = getRuntimeContext().getMetricGroup().counter("recordsRevised");
        duplicatesTotal = getRuntimeContext().getLongCounter(DUPLICATES_ACCUMULATOR);
        byCode = new RejectCounters(getRuntimeContext());
        controlPosition = feed.controlField() == null ? -1 : feed.field(feed.controlField()).position();
        batchSums = new LinkedHashMap<>();
    }

    @Override
    public void processElement(ValidRecord record, Context ctx, Collector<ValidRecord> out) throws Exception {
        byte[] content = record.contentHash;
        String batch = record.batchId;
        boolean counterparty = record.side == Side.COUNTERPARTY;
        // The batch as the completeness check keys it.
        String tallyBatch = batch == null ? "" : batch;
        SeenContent seen = seenContent.value();
        if (seen == null) {
            if (counterparty) {
                tally(record, tallyBatch);
            }
            keep(record, SeenContent.first(content, revisions ? batch : null, counterparty, tallyBatch), out);
            return;
        }
        boolean talliedNow = false;
        if (counterparty) {
            if (seen.talliedElsewhere()) {
                // Kept before an upgrade: FirstTallies holds which batches counted it.
                ctx.output(Tags.TALLIES, recordTally(record, tallyBatch));
            } else if (seen.tallyIn(tallyBatch)) {
                tally(record, tallyBatch);
                talliedNow = true;
            }
        }
        if (!seen.sameContent(content) && revisions && batch != null && seen.batchId != null
                && !seen.batchId.equals(batch)) {
            revised.inc();
            keep(record, new SeenContent(content, batch, seen.talliedBatches), out);
            return;
        }
        if (talliedNow) {
            seenContent.update(seen);
        }
        if (seen.sameContent(content)) {
            duplicates.inc();
            duplicatesTotal.add(1L);
        } else {
            conflicts.inc();
            byCode.inc(ErrorCode.DUPLICATE_CONFLICT);
            Rejects.Origin origin = new Rejects.Origin(feed.name(), record.businessDate, record.side, record.source,
                    record.batchId, record.page, record.line, record.correlationId);
            ctx.output(Tags.REJECTS, Rejects.of(recon, origin, ErrorCode.DUPLICATE_CONFLICT, null,
                    "idempotency key " + record.idempotencyKey
                            + " was already seen with different content; the first record is kept",
                    null, record.idempotencyKey, record.raw));
        }
    }

    private void keep(ValidRecord record, SeenContent seen, Collector<ValidRecord> out) throws Exception {
        seenContent.update(seen);
        // Matching needs neither: they would only weigh on its state.
        record.raw = null;
        record.contentHash = null;
        out.collect(record);
    }

    /** Adds a valid counterparty record to its batch's sum. */
    private void tally(ValidRecord record, String tallyBatch) {
        BatchSum sum = lastSum;
        if (sum == null || !sum.isBatchOf(record, tallyBatch)) {
            // The check's key: a batch id names a batch of one counterparty and date.
            String key = BatchKey.of(record.source, record.businessDate, tallyBatch);
            sum = batchSums.computeIfAbsent(key, k -> new BatchSum(record.source, record.businessDate, tallyBatch));
            lastSum = sum;
        }
        sum.records++;
        BigDecimal control = control(record);
        if (control != null) {
            sum.control = sum.control == null ? control : sum.control.add(control);
        }
    }

    /**
     * Hands the sums counted since the last call to {@code out}, one tally per batch, and forgets
     * them: {@link DeduplicateRecordsOperator} calls this before each watermark and checkpoint
     * barrier, so that the check has them before its timers fire and no count is only in memory
     * when a checkpoint is taken.
     */
    public void flushTallies(Consumer<RecordTally> out) {
        if (batchSums.isEmpty()) {
            return;
        }
        for (BatchSum sum : batchSums.values()) {
            out.accept(tally(sum.counterparty, sum.businessDate, sum.batch, "", sum.control, sum.records));
        }
        batchSums.clear();
        lastSum = null;
    }

    /** One record's tally, as validation made them before (for {@code FirstTallies}). */
    private RecordTally recordTally(ValidRecord record, String tallyBatch) {
        return tally(record.source, record.businessDate, tallyBatch, record.idempotencyKey, control(record), 1L);
    }

    private RecordTally tally(String counterparty, String businessDate, String batch, String distinctKey,
                              BigDecimal control, long records) {
        return RecordTally.newBuilder()
                .setCounterparty(counterparty)
                .setFeed(feed.name())
                .setBusinessDate(businessDate)
                .setBatchId(batch)
                .setDistinctKey(distinctKey)
                .setValid(true)
                .setControlUnscaled(control == null ? null : ByteBuffer.wrap(control.unscaledValue().toByteArray()))
                .setControlScale(control == null ? 0 : control.scale())
                .setRecords(records)
                .build();
    }

    private BigDecimal control(ValidRecord record) {
        return controlPosition < 0 ? null
                : (BigDecimal) FeedValues.comparable(record.values, feed.fields().get(controlPosition));
    }

    /** A batch's valid records counted since the last flush, and the exact sum of their control values. */
    private static final class BatchSum {
        final String counterparty;
        final String businessDate;
        final String batch;
        long records;
        BigDecimal control;

        BatchSum(String counterparty, String businessDate, String batch) {
            this.counterparty = counterparty;
            this.businessDate = businessDate;
            this.batch = batch;
        }

        boolean isBatchOf(ValidRecord r, String tallyBatch) {
            return batch.equals(tallyBatch) && counterparty.equals(r.source) && businessDate.equals(r.businessDate);
        }
    }
}
