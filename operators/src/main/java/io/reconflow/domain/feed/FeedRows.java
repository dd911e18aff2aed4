package io.reconflow.domain.feed;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Row;

import java.math.BigDecimal;
import java.util.List;

/**
 * A feed record's values as a Flink {@link Row} by field position, with plain Java values: String
 * (STRING, ENUM), Integer, Long, Boolean, BigDecimal at the field's scale, Long epoch micros
 * (TIMESTAMP), Integer epoch days (DATE); null when absent. Converted to the feed's Avro record only
 * where a result row is written.
 */
public final class FeedRows {
    private FeedRows() {}

    /** The Row type of a feed, named after its fields. */
    public static TypeInformation<Row> rowType(FeedSpec feed) {
        List<FieldSpec> fields = feed.fields();
        String[] names = new String[fields.size()];
        TypeInformation<?>[] types = new TypeInformation<?>[fields.size()];
        for (FieldSpec f : fields) {
            names[f.position()] = f.name();
            types[f.position()] = switch (f.kind()) {
                case STRING, ENUM -> Types.STRING;
                case INT, DATE -> Types.INT;
                case LONG, TIMESTAMP -> Types.LONG;
                case BOOLEAN -> Types.BOOLEAN;
                case DECIMAL -> Types.BIG_DEC;
            };
        }
        return Types.ROW_NAMED(names, types);
    }

    /** The feed's Avro record of these values (decimals as unscaled bytes, enums as symbols). */
    public static GenericRecord toAvro(FeedSpec feed, Row values) {
        Schema schema = feed.schema();
        GenericData.Record out = new GenericData.Record(schema);
        for (FieldSpec f : feed.fields()) {
            Object v = values.getField(f.position());
            if (v == null) {
                continue;
            }
            out.put(f.position(), switch (f.kind()) {
                case DECIMAL -> FeedValues.decimalBytes((BigDecimal) v);
                case ENUM -> new GenericData.EnumSymbol(FieldSpec.valueSchema(schema.getField(f.name()).schema()), v);
                default -> v;
            });
        }
        return out;
    }
}
