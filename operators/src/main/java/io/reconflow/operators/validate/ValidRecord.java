package io.reconflow.operators.validate;

import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedRows;
import io.reconflow.domain.feed.FeedSpec;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Row;

import java.util.Map;

/**
 * A validated record between validation and the end of matching: where it came from, its keys,
 * and its feed values as a {@link Row} by field position ({@link FeedRows}). Serialized by its own
 * serializer through {@link #typeInfo} ({@link ValidRecordSerializer}), never by Avro or Kryo.
 */
public class ValidRecord {
    public Side side;
    public String source;
    public String businessDate;
    public String batchId;
    public Integer page;
    public Long line;
    public String correlationId;
    /** Lower-case hex SHA-256 of the idempotency key's canonical form (README "Idempotency key"). */
    public String idempotencyKey;
    /** SHA-256 (32 bytes) of the canonical form of every field; kept only until deduplication. */
    public byte[] contentHash;
    public String matchKey;
    /** The record as received, kept only until deduplication (for a DUPLICATE_CONFLICT reject). */
    public String raw;
    public Row values;

    public ValidRecord() {}

    /** A record that passed validation, where {@code raw} came from, with its keys. */
    public static ValidRecord of(RawRecord raw, Row values, RecordKeys keys, String idempotencyKey) {
        ValidRecord valid = new ValidRecord();
        valid.side = raw.getSide();
        valid.source = raw.getSource();
        valid.businessDate = raw.getBusinessDate();
        valid.batchId = raw.getBatchId();
        valid.page = raw.getPage();
        valid.line = raw.getLine();
        valid.correlationId = raw.getCorrelationId();
        valid.idempotencyKey = idempotencyKey;
        valid.contentHash = keys.contentHash(values);
        valid.matchKey = keys.matchKey(values);
        valid.raw = raw.getRaw();
        valid.values = values;
        return valid;
    }

    public boolean isInternal() {
        return side == Side.INTERNAL;
    }

    /**
     * The type of a feed's validated records between operators and in match state: its own
     * serializer ({@link ValidRecordSerializer}), which copies Strings whole.
     */
    public static TypeInformation<ValidRecord> typeInfo(FeedSpec feed) {
        return new ValidRecordTypeInfo(feed);
    }

    /**
     * The type earlier versions gave validated records: a POJO whose values are a named Row. Kept
     * for the states that savepoints of those versions hold (a secondary-key pass's records, match's
     * per-side states), so that they still restore.
     */
    public static TypeInformation<ValidRecord> pojoTypeInfo(FeedSpec feed) {
        @SuppressWarnings("unchecked")
        TypeInformation<ValidRecord> type = (TypeInformation<ValidRecord>) (TypeInformation<?>) Types.POJO(ValidRecord.class, Map.ofEntries(
                Map.entry("side", Types.ENUM(Side.class)),
                Map.entry("source", Types.STRING),
                Map.entry("businessDate", Types.STRING),
                Map.entry("batchId", Types.STRING),
                Map.entry("page", Types.INT),
                Map.entry("line", Types.LONG),
                Map.entry("correlationId", Types.STRING),
                Map.entry("idempotencyKey", Types.STRING),
                Map.entry("contentHash", Types.PRIMITIVE_ARRAY(Types.BYTE)),
                Map.entry("matchKey", Types.STRING),
                Map.entry("raw", Types.STRING),
                Map.entry("values", FeedRows.rowType(feed))));
        return type;
    }

    @Override
    public String toString() {
        return side + " " + source + " " + businessDate + " " + matchKey + " " + values;
    }
}
