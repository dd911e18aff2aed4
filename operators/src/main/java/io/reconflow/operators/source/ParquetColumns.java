package io.reconflow.operators.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.FieldSpec;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * How each feed field is read from a Parquet file, decided once per file from the column's
 * physical and logical type, so that files written by any writer (DuckDB, pyarrow, Spark,
 * parquet-avro) read the same values:
 *
 * <ul>
 *   <li>decimals from {@code DECIMAL(p,s)} on INT32, INT64, BINARY or FIXED_LEN_BYTE_ARRAY, exact
 *       at the column's scale, or from plain integer columns; never from FLOAT or DOUBLE;
 *   <li>instants from INT64 {@code TIMESTAMP(MILLIS|MICROS|NANOS)}, UTC-adjusted or not: a typed
 *       column without a zone (DuckDB's default {@code TIMESTAMP}, pyarrow without {@code tz}) is
 *       UTC, the convention of the exports our books come from; and from Spark's legacy INT96;
 *   <li>dates from INT32 {@code DATE}; strings and enum symbols from BINARY (strict UTF-8);
 *       integers from INT32 or INT64 (signed or not); booleans from BOOLEAN.
 * </ul>
 * A missing field, a list or group, or any other type makes the whole file one reject naming it.
 */
final class ParquetColumns {
    /** Puts one field's value of a row into the record's JSON, or throws why it cannot. */
    @FunctionalInterface
    interface Read {
        void put(ObjectNode node, String name, Group row, int index) throws BadValue;
    }

    /** A value the column's type allows but that cannot be read (a string that is not UTF-8). */
    static final class BadValue extends Exception {
        BadValue(String message) {
            super(message, null, false, false);
        }
    }

    /** One feed field and how to read it. */
    record Column(FieldSpec field, Read read) {}

    /** The file does not fit the feed: the first field concerned and every problem found. */
    record Mismatch(String field, String message) {}

    private final List<Column> columns;
    private final MessageType projection;
    private final Mismatch mismatch;

    private ParquetColumns(List<Column> columns, MessageType projection, Mismatch mismatch) {
        this.columns = columns;
        this.projection = projection;
        this.mismatch = mismatch;
    }

    List<Column> columns() {
        return columns;
    }

    /** The file's columns that are feed fields, in the file's order: all that is read. */
    MessageType projection() {
        return projection;
    }

    /** Why the file cannot be read as the feed, or null. */
    Mismatch mismatch() {
        return mismatch;
    }

    static ParquetColumns of(MessageType file, FeedSpec feed) {
        List<Column> columns = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String firstField = null;
        for (FieldSpec f : feed.fields()) {
            String problem;
            if (!file.containsField(f.name())) {
                problem = "no column '" + f.name() + "'";
            } else {
                Type t = file.getType(f.name());
                Read read = t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED) ? read(f, t.asPrimitiveType()) : null;
                if (read != null) {
                    columns.add(new Column(f, read));
                    continue;
                }
                problem = "column '" + f.name() + "' is " + describe(t) + ", which cannot hold " + f.kind() + " field " + f.name();
            }
            problems.add(problem);
            firstField = firstField == null ? f.name() : firstField;
        }
        List<Type> read = new ArrayList<>();
        for (Type t : file.getFields()) {
            if (feed.fields().stream().anyMatch(f -> f.name().equals(t.getName()))) {
                read.add(t);
            }
        }
        Mismatch mismatch = problems.isEmpty() ? null
                : new Mismatch(firstField, "does not fit feed " + feed.name() + ": " + String.join("; ", problems)
                        + " (columns: " + file.getFields().stream().limit(20).map(ParquetColumns::describeColumn).toList()
                        + (file.getFieldCount() > 20 ? " and " + (file.getFieldCount() - 20) + " more" : "") + ")");
        return new ParquetColumns(columns, new MessageType(file.getName(), read), mismatch);
    }

    private static Read read(FieldSpec f, PrimitiveType p) {
        LogicalTypeAnnotation logical = p.getLogicalTypeAnnotation();
        PrimitiveType.PrimitiveTypeName physical = p.getPrimitiveTypeName();
        return switch (f.kind()) {
            case DECIMAL -> decimal(p, logical);
            case TIMESTAMP -> timestamp(physical, logical);
            case DATE -> physical == PrimitiveType.PrimitiveTypeName.INT32
                    && logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
                    ? (node, name, row, i) -> node.put(name, LocalDate.ofEpochDay(row.getInteger(i, 0)).toString()) : null;
            case STRING, ENUM -> physical == PrimitiveType.PrimitiveTypeName.BINARY && (logical == null
                    || logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                    || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation)
                    ? (node, name, row, i) -> node.put(name, text(name, row.getBinary(i, 0))) : null;
            case INT, LONG -> integer(physical, logical);
            case BOOLEAN -> physical == PrimitiveType.PrimitiveTypeName.BOOLEAN
                    ? (node, name, row, i) -> node.put(name, row.getBoolean(i, 0)) : null;
        };
    }

    private static Read decimal(PrimitiveType p, LogicalTypeAnnotation logical) {
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d) {
            int scale = d.getScale();
            return switch (p.getPrimitiveTypeName()) {
                case INT32 -> (node, name, row, i) -> node.put(name, BigDecimal.valueOf(row.getInteger(i, 0), scale));
                case INT64 -> (node, name, row, i) -> node.put(name, BigDecimal.valueOf(row.getLong(i, 0), scale));
                // Big-endian two's complement unscaled value, as the Parquet spec has it.
                case BINARY, FIXED_LEN_BYTE_ARRAY -> (node, name, row, i) -> {
                    byte[] unscaled = row.getBinary(i, 0).getBytes();
                    if (unscaled.length == 0) {
                        throw new BadValue("column '" + name + "' holds an empty decimal");
                    }
                    node.put(name, FeedValues.decimal(unscaled, scale));
                };
                default -> null;
            };
        }
        // A whole number is an exact decimal too.
        return integer(p.getPrimitiveTypeName(), logical);
    }

    private static Read integer(PrimitiveType.PrimitiveTypeName physical, LogicalTypeAnnotation logical) {
        boolean unsigned = false;
        if (logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation in) {
            unsigned = !in.isSigned();
        } else if (logical != null) {
            return null;
        }
        if (physical == PrimitiveType.PrimitiveTypeName.INT32) {
            return unsigned ? (node, name, row, i) -> node.put(name, Integer.toUnsignedLong(row.getInteger(i, 0)))
                    : (node, name, row, i) -> node.put(name, row.getInteger(i, 0));
        }
        if (physical == PrimitiveType.PrimitiveTypeName.INT64) {
            return unsigned ? (node, name, row, i) -> node.put(name, new BigInteger(Long.toUnsignedString(row.getLong(i, 0))))
                    : (node, name, row, i) -> node.put(name, row.getLong(i, 0));
        }
        return null;
    }

    private static Read timestamp(PrimitiveType.PrimitiveTypeName physical, LogicalTypeAnnotation logical) {
        if (physical == PrimitiveType.PrimitiveTypeName.INT96) {
            // Spark's and Impala's legacy timestamps: nanoseconds of the day, then the Julian day, little-endian; UTC.
            return (node, name, row, i) -> {
                ByteBuffer b = ByteBuffer.wrap(row.getInt96(i, 0).getBytes()).order(ByteOrder.LITTLE_ENDIAN);
                long nanosOfDay = b.getLong();
                long epochDay = b.getInt() - 2_440_588L;
                node.put(name, Instant.ofEpochSecond(Math.multiplyExact(epochDay, 86_400L), nanosOfDay).toString());
            };
        }
        if (physical != PrimitiveType.PrimitiveTypeName.INT64
                || !(logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation t)) {
            return null;
        }
        long perSecond = switch (t.getUnit()) {
            case MILLIS -> 1_000L;
            case MICROS -> 1_000_000L;
            case NANOS -> 1_000_000_000L;
        };
        long nanosPerUnit = 1_000_000_000L / perSecond;
        return (node, name, row, i) -> {
            long v = row.getLong(i, 0);
            node.put(name, Instant.ofEpochSecond(Math.floorDiv(v, perSecond), Math.floorMod(v, perSecond) * nanosPerUnit).toString());
        };
    }

    private static String text(String name, Binary value) throws BadValue {
        byte[] bytes = value.getBytes();
        try {
            return StrictUtf8.decode(bytes, 0, bytes.length);
        } catch (StrictUtf8.Malformed e) {
            throw new BadValue("column '" + name + "' is " + e.getMessage());
        }
    }

    private static String describe(Type t) {
        if (!t.isPrimitive()) {
            return "a group or list";
        }
        if (t.isRepetition(Type.Repetition.REPEATED)) {
            return "a repeated " + t.asPrimitiveType().getPrimitiveTypeName();
        }
        PrimitiveType p = t.asPrimitiveType();
        LogicalTypeAnnotation l = p.getLogicalTypeAnnotation();
        return p.getPrimitiveTypeName() + (l == null ? "" : " " + l);
    }

    private static String describeColumn(Type t) {
        return t.getName() + " " + describe(t);
    }
}
