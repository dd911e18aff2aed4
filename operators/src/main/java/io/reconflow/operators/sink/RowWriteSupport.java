package io.reconflow.operators.sink;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes generic Avro rows as parquet-avro does (the same Parquet schema, from its
 * {@link AvroSchemaConverter}, and the same Avro schema in the footer), through writers planned
 * once per field instead of a walk of the Avro schema per value.
 *
 * <p>Why: parquet-avro resolves every value's writer as it goes (the schema's type, a logical-type
 * conversion looked up by the value's class, the union branch): a tenth of the match thread's
 * samples in the 1 M-record benchmark's profile, beside the column writing itself. Rows here are
 * result rows: records, strings, ints, longs, booleans, decimals as bytes or fixed, enums, optional
 * values (a union with null) and lists in parquet-avro's default two-level layout; anything else is
 * refused when the writer is made.
 */
final class RowWriteSupport extends WriteSupport<GenericRecord> {
    /** The footer key parquet-avro reads the Avro schema from. */
    static final String AVRO_SCHEMA = "parquet.avro.schema";

    private final Schema avro;
    private final MessageType parquet;
    private final Fields root;
    private RecordConsumer out;

    RowWriteSupport(Schema avro) {
        this.avro = avro;
        this.parquet = new AvroSchemaConverter().convert(avro);
        this.root = fields(parquet, avro);
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(parquet, Map.of(AVRO_SCHEMA, avro.toString()));
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return new WriteContext(parquet, Map.of(AVRO_SCHEMA, avro.toString()));
    }

    @Override
    public String getName() {
        return "avro"; // the footer's writer.model.name, as parquet-avro's
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    @Override
    public void write(GenericRecord row) {
        out.startMessage();
        root.write(out, row);
        out.endMessage();
    }

    /** Writes one value of a field, known to be non-null. */
    private interface ValueWriter {
        void write(RecordConsumer out, Object value);
    }

    /** A record's fields, by position (the Avro and Parquet positions are the same). */
    private record Fields(String[] names, boolean[] required, ValueWriter[] writers) {
        void write(RecordConsumer out, GenericRecord record) {
            for (int i = 0; i < writers.length; i++) {
                Object value = record.get(i);
                if (value == null) {
                    if (required[i]) {
                        throw new IllegalArgumentException("null value for the required field " + names[i]);
                    }
                    continue;
                }
                out.startField(names[i], i);
                writers[i].write(out, value);
                out.endField(names[i], i);
            }
        }
    }

    private static Fields fields(GroupType group, Schema record) {
        List<Schema.Field> fields = record.getFields();
        if (fields.size() != group.getFieldCount()) {
            throw new IllegalArgumentException("Avro record " + record.getFullName() + " has " + fields.size()
                    + " fields, its Parquet group " + group.getFieldCount());
        }
        String[] names = new String[fields.size()];
        boolean[] required = new boolean[fields.size()];
        ValueWriter[] writers = new ValueWriter[fields.size()];
        for (Schema.Field f : fields) {
            Type type = group.getType(f.pos());
            names[f.pos()] = type.getName();
            required[f.pos()] = type.isRepetition(Type.Repetition.REQUIRED);
            writers[f.pos()] = writer(f.schema(), type);
        }
        return new Fields(names, required, writers);
    }

    private static ValueWriter writer(Schema schema, Type type) {
        Schema s = nonNull(schema);
        return switch (s.getType()) {
            case STRING -> RowWriteSupport::string;
            case ENUM -> (out, v) -> out.addBinary(Binary.fromConstantByteArray(v.toString().getBytes(StandardCharsets.UTF_8)));
            case INT -> (out, v) -> out.addInteger(((Number) v).intValue());
            case LONG -> (out, v) -> out.addLong(((Number) v).longValue());
            case BOOLEAN -> (out, v) -> out.addBoolean((Boolean) v);
            case FLOAT -> (out, v) -> out.addFloat(((Number) v).floatValue());
            case DOUBLE -> (out, v) -> out.addDouble(((Number) v).doubleValue());
            case BYTES -> (out, v) -> out.addBinary(v instanceof ByteBuffer b ? Binary.fromReusedByteBuffer(b)
                    : Binary.fromReusedByteArray((byte[]) v));
            case FIXED -> (out, v) -> out.addBinary(Binary.fromReusedByteArray(((GenericFixed) v).bytes()));
            case RECORD -> {
                Fields nested = fields(type.asGroupType(), s);
                yield (out, v) -> {
                    out.startGroup();
                    nested.write(out, (GenericRecord) v);
                    out.endGroup();
                };
            }
            case ARRAY -> list(s, type.asGroupType());
            default -> throw new IllegalArgumentException("no writer for Avro " + s.getType() + " (" + schema + ")");
        };
    }

    /** parquet-avro's default (two-level) list: a group holding the repeated elements as "array". */
    private static ValueWriter list(Schema array, GroupType list) {
        Type repeated = list.getType(0);
        if (list.getFieldCount() != 1 || !repeated.isRepetition(Type.Repetition.REPEATED) || !repeated.getName().equals("array")) {
            throw new IllegalArgumentException("only parquet-avro's two-level lists are written; got " + list);
        }
        ValueWriter element = writer(array.getElementType(), repeated);
        String name = repeated.getName();
        return (out, v) -> {
            Collection<?> elements = (Collection<?>) v;
            out.startGroup();
            if (!elements.isEmpty()) {
                out.startField(name, 0);
                for (Object e : elements) {
                    if (e == null) {
                        throw new IllegalArgumentException("a list of " + list.getName() + " holds a null element");
                    }
                    element.write(out, e);
                }
                out.endField(name, 0);
            }
            out.endGroup();
        };
    }

    private static void string(RecordConsumer out, Object v) {
        out.addBinary(v instanceof Utf8 u ? Binary.fromReusedByteArray(u.getBytes(), 0, u.getByteLength())
                : Binary.fromConstantByteArray(v.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** The schema itself, or the non-null branch of an optional value (a union with null). */
    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        List<Schema> branches = schema.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).toList();
        if (branches.size() != 1) {
            throw new IllegalArgumentException("only optional values (a union with null) are written, not " + schema);
        }
        return branches.get(0);
    }
}
