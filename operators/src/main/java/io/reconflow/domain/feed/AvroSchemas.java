package io.reconflow.domain.feed;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;

/**
 * The Avro schema of a reconciliation result row, derived from a feed's schema when the graph is
 * built (records between operators are {@code ValidRecord}s, not Avro).
 */
public final class AvroSchemas {
    public static final String NAMESPACE = "io.reconflow.runtime";

    private AvroSchemas() {}

    /** Marks every string in the schema to be read as {@link String} rather than Avro's Utf8. */
    public static Schema withJavaStrings(Schema schema) {
        mark(schema);
        return schema;
    }

    private static void mark(Schema s) {
        switch (s.getType()) {
            case STRING -> {
                if (s.getProp(GenericData.STRING_PROP) == null) {
                    GenericData.setStringType(s, GenericData.StringType.String);
                }
            }
            case RECORD -> s.getFields().forEach(f -> mark(f.schema()));
            case UNION -> s.getTypes().forEach(AvroSchemas::mark);
            case ARRAY -> mark(s.getElementType());
            case MAP -> mark(s.getValueType());
            default -> { }
        }
    }

    private static Schema string() {
        Schema s = Schema.create(Schema.Type.STRING);
        GenericData.setStringType(s, GenericData.StringType.String);
        return s;
    }

    private static Schema optional(Schema s) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), s);
    }

    /** One breaking field with both sides' values rendered canonically. */
    public static Schema fieldBreak() {
        return SchemaBuilder.record("FieldBreak").namespace(NAMESPACE).fields()
                .name("field").type(string()).noDefault()
                .name("rule").type(string()).noDefault()
                .name("internal_value").type(optional(string())).withDefault(null)
                .name("counterparty_value").type(optional(string())).withDefault(null)
                .endRecord();
    }

    /**
     * One reconciliation outcome: {@code recon}, {@code business_date}, {@code match_key},
     * {@code status}, {@code pass}, {@code pass_name}, {@code match_type} (PRIMARY or SECONDARY),
     * {@code counterparty_match_key}, {@code breaks}, {@code candidates} (of an AMBIGUOUS record),
     * {@code counterparty_name},
     * {@code batch_id}, {@code correlation_id}, {@code internal_source}, and both sides' records
     * as {@code internal} and {@code counterparty} (null where a side is missing).
     */
    public static Schema result(FeedSpec feed) {
        Schema feedSchema = feed.schema();
        return SchemaBuilder.record("ReconResult").namespace(NAMESPACE).fields()
                .name("recon").type(string()).noDefault()
                .name("business_date").type(string()).noDefault()
                .name("match_key").type(string()).noDefault()
                .name("status").type(string()).noDefault()
                .name("pass").type(optional(Schema.create(Schema.Type.INT))).withDefault(null)
                .name("pass_name").type(optional(string())).withDefault(null)
                .name("match_type").type(optional(string())).withDefault(null)
                .name("counterparty_match_key").type(optional(string())).withDefault(null)
                .name("breaks").type(Schema.createArray(fieldBreak())).noDefault()
                .name("candidates").type(Schema.createArray(string())).noDefault()
                .name("counterparty_name").type(optional(string())).withDefault(null)
                .name("batch_id").type(optional(string())).withDefault(null)
                .name("correlation_id").type(optional(string())).withDefault(null)
                .name("internal_source").type(optional(string())).withDefault(null)
                .name("internal").type(optional(feedSchema)).withDefault(null)
                .name("counterparty").type(optional(feedSchema)).withDefault(null)
                .endRecord();
    }
}
