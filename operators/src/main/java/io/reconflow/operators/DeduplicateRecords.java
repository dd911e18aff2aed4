package io.reconflow.operators;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Drops a record already seen under the same idempotency key (delivery is at-least-once: a page
 * can repeat a record), and rejects one whose key was seen with different content as
 * DUPLICATE_CONFLICT. Keyed by {@link DedupKey}; remembers each key's content hash for a TTL.
 */
public class DeduplicateRecords extends KeyedProcessFunction<String, GenericRecord, GenericRecord> {
    private static final long serialVersionUID = 1L;

    /** Accumulator name of the count of exact duplicates dropped (read by the job's summary). */
    public static final String DUPLICATES_ACCUMULATOR = "duplicates-dropped";

    private final String recon;
    private final String feed;
    private final Duration ttl;
    private final boolean revisions;

    private transient ValueState<String> seenContent;
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
        ValueStateDescriptor<String> descriptor = new ValueStateDescriptor<>("seen-content-hash", Types.STRING);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .updateTtlOnCreateAndWrite()
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        seenContent = getRuntimeContext().getState(descriptor);
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicatesDropped");
        conflicts = getRuntimeContext().getMetricGroup().counter("duplicateConflicts");
        revised = getRuntimeContext().getMetricGroup().counter("recordsRevised");
        duplicatesTotal = getRuntimeContext().getLongCounter(DUPLICATES_ACCUMULATOR);
        byCode = new RejectCounters(getRuntimeContext());
    }

    @Override
    public void processElement(GenericRecord envelope, Context ctx, Collector<GenericRecord> out) throws Exception {
        String content = Envelope.str(envelope, Envelope.CONTENT_HASH);
        String batch = Envelope.str(envelope, Envelope.BATCH_ID);
        // With revisions the state holds "hash batch_id" (a hash has no space), else the hash alone.
        String stored = revisions && batch != null ? content + ' ' + batch : content;
        String seenValue = seenContent.value();
        String seen = seenValue == null ? null : seenValue.split(" ", 2)[0];
        String seenBatch = seenValue != null && seenValue.contains(" ") ? seenValue.split(" ", 2)[1] : null;
        if (seen == null) {
            seenContent.update(stored);
            out.collect(envelope);
        } else if (!seen.equals(content) && revisions && batch != null && seenBatch != null && !seenBatch.equals(batch)) {
            revised.inc();
            seenContent.update(stored);
            out.collect(envelope);
        } else if (seen.equals(content)) {
            duplicates.inc();
            duplicatesTotal.add(1L);
        } else {
            conflicts.inc();
            byCode.inc(ErrorCode.DUPLICATE_CONFLICT);
            Reject.Builder reject = Reject.newBuilder()
                    .setRecon(recon)
                    .setFeed(feed)
                    .setBusinessDate(Envelope.str(envelope, Envelope.BUSINESS_DATE))
                    .setSide(Side.valueOf(Envelope.str(envelope, Envelope.SIDE)))
                    .setSource(Envelope.str(envelope, Envelope.SOURCE))
                    .setBatchId(Envelope.str(envelope, Envelope.BATCH_ID))
                    .setPage((Integer) envelope.get(Envelope.PAGE))
                    .setLine((Long) envelope.get(Envelope.LINE))
                    .setCorrelationId(Envelope.str(envelope, Envelope.CORRELATION_ID))
                    .setErrorCode(ErrorCode.DUPLICATE_CONFLICT)
                    .setField(null)
                    .setMessage("idempotency key " + Envelope.str(envelope, Envelope.IDEMPOTENCY_KEY)
                            + " was already seen with different content; the first record is kept")
                    .setIdempotencyKey(Envelope.str(envelope, Envelope.IDEMPOTENCY_KEY));
            ctx.output(Tags.REJECTS, RejectTexts.raw(reject, Envelope.str(envelope, Envelope.RAW)).build());
        }
    }
}
