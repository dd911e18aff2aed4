package io.reconflow.operators;

import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.events.BatchManifest;
import io.reconflow.events.RecordTally;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.events.Reject;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/** Every side output of the dataflow, in one place. */
public final class Tags {
    private Tags() {}

    /** Records, pages and requests that did not make it into the reconciliation. */
    public static final OutputTag<Reject> REJECTS = new OutputTag<>("rejects", new AvroTypeInfo<>(Reject.class));

    /**
     * One tally per counterparty record, for the batch completeness check, where a record may have
     * been counted before ({@code FirstTallies} keeps the first of each): from validation per rejected
     * record, from deduplication for a key kept by a version before {@link #BATCH_TALLIES}.
     */
    public static final OutputTag<RecordTally> TALLIES =
            new OutputTag<>("record-tallies", new AvroTypeInfo<>(RecordTally.class));

    /**
     * Deduplication's counts of the counterparty's distinct valid records, one tally per batch
     * summing those it saw since its last watermark or checkpoint barrier: straight to the check.
     */
    public static final OutputTag<RecordTally> BATCH_TALLIES =
            new OutputTag<>("batch-tallies", new AvroTypeInfo<>(RecordTally.class));

    /**
     * Validated records whose key found no counterpart, passed on to the next secondary-key pass.
     * Their type depends on the feed, so the tag is made per feed; tags are equal by name.
     */
    public static OutputTag<ValidRecord> unmatched(FeedSpec feed) {
        return new OutputTag<>("unmatched-records", ValidRecord.typeInfo(feed));
    }

    /** Each fetched manifest (or the failure to fetch it), for the batch completeness check. */
    public static final OutputTag<BatchManifest> MANIFESTS =
            new OutputTag<>("manifests", new AvroTypeInfo<>(BatchManifest.class));
}
