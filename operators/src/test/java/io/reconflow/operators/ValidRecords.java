package io.reconflow.operators;

import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.operators.validate.ValidateRecords;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.RawRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import org.apache.flink.types.Row;

/** Builds validated records the way {@link ValidateRecords} does, for tests of later stages. */
public final class ValidRecords {
    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);
    private final RecordKeys keys = new RecordKeys(feed);

    public ValidRecord of(RawRecord raw, ObjectNode json) {
        Row values = validator.validate(json, false).record();
        ValidRecord r = ValidRecord.of(raw, values, keys, keys.idempotencyKey(values));
        r.raw = json.toString();
        return r;
    }

    public ValidRecord counterparty(ObjectNode json, int page) {
        return of(TestFeeds.counterpartyRaw(json.toString(), page), json);
    }

    public ValidRecord internal(ObjectNode json, long line) {
        return of(TestFeeds.internalRaw(json.toString(), line), json);
    }
}
