package io.reconflow.operators.dedup;

import io.reconflow.operators.RejectCounters;
import io.reconflow.operators.Rejects;
import io.reconflow.operators.StateTtl;
import io.reconflow.operators.Tags;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.events.ErrorCode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Drops a record already seen under the same idempotency key (delivery is at-least-once: a page
 * can repeat a record), and rejects one whose key was seen with different content as
 * DUPLICATE_CONFLICT. Keyed by {@link DedupKey}; remembers each key's content hash for a TTL
 * ({@link SeenContent}). The raw text and content hash of a record that goes on are dropped here:
 * only a reject needs the text, only this function the hash.
 */
public class DeduplicateRecords extends KeyedProcessFunction<String, ValidRecord, ValidRecord> {
    private static final long serialVersionUID = 1L;

    /** Accumulator name of the count of exact duplicates dropped (read by the job's summary). */
    public static final String DUPLICATES_ACCUMULATOR = "duplicates-dropped";

    private final String recon;
    private final String feed;
    private final Duration ttl;
    private final boolean revisions;

    private transient ValueState<SeenContent> seenContent;
    private transient Counter duplicates;
    private transient Counter conflicts;
    private transient Counter revised;
    private transient LongCounter duplicatesTotal;
    private transient RejectCounters byCode;

    public DeduplicateRecords(String recon, String feed, Duration ttl) {
        this(recon, feed, ttl, false);
    }

    /**
     * @param revisions continuous mode: a counterparty record whose key was seen with other content
     *     in another batch (a republication with a new {@code batch_id}) replaces it and goes on, to
     *     be decided again; within one batch it is still a DUPLICATE_CONFLICT
     */
    public DeduplicateRecords(String recon, String feed, Duration ttl, boolean revisions) {
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
    }

    @Override
    public void processElement(ValidRecord record, Context ctx, Collector<ValidRecord> out) throws Exception {
        byte[] content = record.contentHash;
        String batch = record.batchId;
        SeenContent seen = seenContent.value();
        if (seen == null) {
            keep(record, content, batch, out);
        } else if (!seen.sameContent(content) && revisions && batch != null && seen.batchId != null
                && !seen.batchId.equals(batch)) {
            revised.inc();
            keep(record, content, batch, out);
        } else if (seen.sameContent(content)) {
            duplicates.inc();
            duplicatesTotal.add(1L);
        } else {
            conflicts.inc();
            byCode.inc(ErrorCode.DUPLICATE_CONFLICT);
            Rejects.Origin origin = new Rejects.Origin(feed, record.businessDate, record.side, record.source,
                    record.batchId, record.page, record.line, record.correlationId);
            ctx.output(Tags.REJECTS, Rejects.of(recon, origin, ErrorCode.DUPLICATE_CONFLICT, null,
                    "idempotency key " + record.idempotencyKey
                            + " was already seen with different content; the first record is kept",
                    null, record.idempotencyKey, record.raw));
        }
    }

    private void keep(ValidRecord record, byte[] content, String batch, Collector<ValidRecord> out) throws Exception {
        // The batch is kept only where revisions compare it.
        seenContent.update(new SeenContent(content, revisions ? batch : null));
        // Matching needs neither: they would only weigh on its state.
        record.raw = null;
        record.contentHash = null;
        out.collect(record);
    }
}
