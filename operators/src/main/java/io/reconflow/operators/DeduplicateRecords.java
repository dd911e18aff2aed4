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

    private transient ValueState<String> seenContent;
    private transient Counter duplicates;
    private transient Counter conflicts;
    private transient LongCounter duplicatesTotal;

    public DeduplicateRecords(String recon, String feed, Duration ttl) {
        this.recon = recon;
        this.feed = feed;
        this.ttl = ttl;
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
        duplicatesTotal = getRuntimeContext().getLongCounter(DUPLICATES_ACCUMULATOR);
    }

    @Override
    public void processElement(GenericRecord envelope, Context ctx, Collector<GenericRecord> out) throws Exception {
        String content = Envelope.str(envelope, Envelope.CONTENT_HASH);
        String seen = seenContent.value();
        if (seen == null) {
            seenContent.update(content);
            out.collect(envelope);
        } else if (seen.equals(content)) {
            duplicates.inc();
            duplicatesTotal.add(1L);
        } else {
            conflicts.inc();
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
