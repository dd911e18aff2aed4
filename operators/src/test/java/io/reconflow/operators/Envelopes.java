package io.reconflow.operators;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.RawRecord;
import io.reconflow.operators.feed.AvroSchemas;
import io.reconflow.operators.feed.FeedSpec;
import io.reconflow.operators.feed.RecordKeys;
import io.reconflow.operators.feed.RecordValidator;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Builds validated-record envelopes the way {@link ValidateRecords} does, for tests of later stages. */
public final class Envelopes {
    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);
    private final RecordKeys keys = new RecordKeys(feed);

    public GenericRecord of(RawRecord raw, ObjectNode json) {
        GenericRecord record = validator.validate(json, false).record();
        GenericData.Record e = new GenericData.Record(AvroSchemas.envelope(feed));
        e.put(Envelope.SIDE, raw.getSide().name());
        e.put(Envelope.SOURCE, raw.getSource());
        e.put(Envelope.BUSINESS_DATE, raw.getBusinessDate());
        e.put(Envelope.BATCH_ID, raw.getBatchId());
        e.put(Envelope.PAGE, raw.getPage());
        e.put(Envelope.LINE, raw.getLine());
        e.put(Envelope.CORRELATION_ID, raw.getCorrelationId());
        e.put(Envelope.IDEMPOTENCY_KEY, keys.idempotencyKey(record));
        e.put(Envelope.CONTENT_HASH, keys.contentHash(record));
        e.put(Envelope.MATCH_KEY, keys.matchKey(record));
        e.put(Envelope.RAW, json.toString());
        e.put(Envelope.RECORD, record);
        return e;
    }

    public GenericRecord counterparty(ObjectNode json, int page) {
        return of(TestFeeds.counterpartyRaw(json.toString(), page), json);
    }

    public GenericRecord internal(ObjectNode json, long line) {
        return of(TestFeeds.internalRaw(json.toString(), line), json);
    }
}
