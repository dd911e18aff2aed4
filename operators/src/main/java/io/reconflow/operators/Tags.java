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

    /** One tally per counterparty record received, valid or not, for the batch completeness check. */
    public static final OutputTag<RecordTally> TALLIES =
            new OutputTag<>("record-tallies", new AvroTypeInfo<>(RecordTally.class));

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
