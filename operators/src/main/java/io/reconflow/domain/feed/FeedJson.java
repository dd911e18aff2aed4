package io.reconflow.domain.feed;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.generic.GenericRecord;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;

/**
 * A typed feed record as the JSON object a counterparty would send: decimals as exact JSON
 * numbers, instants in UTC ISO-8601, dates as {@code YYYY-MM-DD}; absent values left out.
 */
public final class FeedJson {
    private FeedJson() {}

    public static ObjectNode of(GenericRecord record, FeedSpec feed) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (FieldSpec f : feed.fields()) {
            Object v = record.get(f.name());
            if (v == null) {
                continue;
            }
            switch (f.kind()) {
                case DECIMAL -> node.put(f.name(), v instanceof ByteBuffer b ? FeedValues.decimal(b, f.scale()) : (BigDecimal) v);
                case TIMESTAMP -> node.put(f.name(), FeedValues.instantText((Long) v));
                case DATE -> node.put(f.name(), LocalDate.ofEpochDay((Integer) v).toString());
                case INT -> node.put(f.name(), (Integer) v);
                case LONG -> node.put(f.name(), (Long) v);
                case BOOLEAN -> node.put(f.name(), (Boolean) v);
                case STRING, ENUM -> node.put(f.name(), v.toString());
            }
        }
        return node;
    }
}
