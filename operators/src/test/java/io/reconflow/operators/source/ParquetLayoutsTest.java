package io.reconflow.operators.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.operators.TestFeeds;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.RecordValidator;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parquet files laid out as other writers lay them out, written with Parquet's own example writer
 * (pyarrow and Spark are not available here, so their physical layouts are emulated): decimals on
 * INT32 and INT64 (Spark for precision up to 9 and 18), FIXED_LEN_BYTE_ARRAY (pyarrow, DuckDB),
 * BINARY (parquet-avro); timestamps in millis, micros, nanos (pyarrow's {@code timestamp[ns, UTC]})
 * and INT96 (Spark's default); pyarrow's INT64 for Python ints; unannotated BINARY strings. Each is
 * read to the exact decimal and the UTC instant. DuckDB's own files are in the job module's tests.
 */
class ParquetLayoutsTest {
    @TempDir
    Path tmp;

    private final FeedSpec invoices = FeedSpec.of("supply-invoices", TestFeeds.schemaText("supply-invoices"),
            List.of("supplier_id", "po_number", "po_line"), null, "quantity");
    private final FeedSpec energy = TestFeeds.energy();

    private Path write(String name, MessageType schema, List<Consumer<Group>> rows) throws IOException {
        Path file = Files.createDirectories(tmp.resolve("business_date=2026-11-20")).resolve(name);
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema).withConf(new org.apache.hadoop.conf.Configuration(false)).build()) {
            for (Consumer<Group> row : rows) {
                Group g = groups.newGroup();
                row.accept(g);
                w.write(g);
            }
        }
        return file;
    }

    private List<RawRecord> read(FeedSpec feed, Path file) throws IOException {
        return ReadInternalFile.read(feed, InternalFormat.PARQUET, file);
    }

    private static JsonNode json(RawRecord r) throws IOException {
        assertThat(r.getFailure()).as("failure of %s", r).isNull();
        return TestFeeds.JSON.readTree(r.getRaw());
    }

    /** Big-endian two's complement, sign-extended to {@code length} bytes, as FIXED_LEN_BYTE_ARRAY decimals are. */
    private static Binary fixed(BigDecimal value, int scale, int length) {
        byte[] unscaled = value.setScale(scale).unscaledValue().toByteArray();
        byte[] out = new byte[length];
        byte pad = (byte) (value.signum() < 0 ? 0xFF : 0);
        for (int i = 0; i < length - unscaled.length; i++) {
            out[i] = pad;
        }
        System.arraycopy(unscaled, 0, out, length - unscaled.length, unscaled.length);
        return Binary.fromConstantByteArray(out);
    }

    private static Binary int96(Instant instant) {
        long epochDay = Math.floorDiv(instant.getEpochSecond(), 86_400L);
        long nanosOfDay = Math.floorMod(instant.getEpochSecond(), 86_400L) * 1_000_000_000L + instant.getNano();
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(nanosOfDay).putInt((int) (epochDay + 2_440_588L));
        return Binary.fromConstantByteArray(b.array());
    }

    private static Types.GroupBuilder<MessageType> invoiceColumns(Types.GroupBuilder<MessageType> m) {
        return m.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("supplier_id")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("po_number")
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.intType(64, true)).named("po_line")
                .required(PrimitiveTypeName.BINARY).named("sku")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.enumType()).named("unit_of_measure")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("invoice_number")
                .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.dateType()).named("ship_date");
    }

    private static void invoiceValues(Group g, String po, String invoice) {
        g.append("supplier_id", "S-1").append("po_number", po).append("po_line", 3L).append("sku", "SKU-9")
                .append("unit_of_measure", "CS").append("ship_date", (int) LocalDate.parse("2026-11-18").toEpochDay());
        if (invoice != null) {
            g.append("invoice_number", invoice);
        }
    }

    @Test
    void theJobsOwnParquetAvroLayoutReadsBackToTheSameRecord() throws Exception {
        Path file = Files.createDirectories(tmp.resolve("business_date=2026-11-20")).resolve("avro.parquet");
        RecordValidator validator = new RecordValidator(energy);
        org.apache.flink.types.Row values = validator.validate(TestFeeds.trade("T-1").put("price", "43.2100")
                .put("delivery_start", "2026-11-21T01:00:00+01:00"), false).record();
        GenericRecord typed = io.reconflow.domain.feed.FeedRows.toAvro(energy, values);
        try (ParquetWriter<GenericRecord> w = org.apache.parquet.avro.AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(energy.schema()).withConf(new org.apache.hadoop.conf.Configuration(false)).build()) {
            w.write(typed);
        }
        assertThat(read(energy, file)).singleElement().satisfies(r -> {
            assertThat(r.getLine()).isEqualTo(1L);
            JsonNode row = json(r);
            assertThat(row.get("price").decimalValue()).isEqualByComparingTo("43.21");
            assertThat(row.get("delivery_start").asText()).isEqualTo("2026-11-21T00:00:00Z");
            assertThat(validator.validate(row, false).record()).isEqualTo(values);
        });
    }

    /** The invoice columns with the decimals Spark writes: quantity on INT64, unit_price on INT32. */
    private static MessageType invoicesWithIntDecimals(String name) {
        return invoiceColumns(Types.buildMessage())
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.decimalType(3, 18)).named("quantity")
                .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.decimalType(2, 9)).named("unit_price")
                .named(name);
    }

    @Test
    void sparkLayoutDecimalsOnInt64AndInt32ReadExactly() throws Exception {
        MessageType schema = invoicesWithIntDecimals("spark_schema");
        Path file = write("spark.parquet", schema, List.of(
                g -> { invoiceValues(g, "PO-1", "INV-1"); g.append("quantity", 123_456_789_012_345_678L).append("unit_price", 1_999); },
                g -> { invoiceValues(g, "PO-2", null); g.append("quantity", 5L).append("unit_price", 0); }));
        List<RawRecord> rows = read(invoices, file);
        assertThat(rows).extracting(RawRecord::getLine).containsExactly(1L, 2L);
        JsonNode first = json(rows.get(0));
        assertThat(first.get("quantity").decimalValue()).isEqualTo(new BigDecimal("123456789012345.678"));
        assertThat(first.get("unit_price").decimalValue()).isEqualTo(new BigDecimal("19.99"));
        assertThat(first.get("po_line").intValue()).isEqualTo(3);
        assertThat(first.get("sku").textValue()).isEqualTo("SKU-9");
        assertThat(first.get("ship_date").textValue()).isEqualTo("2026-11-18");
        assertThat(first.get("invoice_number").textValue()).isEqualTo("INV-1");
        JsonNode second = json(rows.get(1));
        assertThat(second.has("invoice_number")).isFalse();
        assertThat(second.get("quantity").decimalValue()).isEqualTo(new BigDecimal("0.005"));

        RecordValidator validator = new RecordValidator(invoices);
        org.apache.flink.types.Row typed = validator.validate(first, false).record();
        assertThat(typed).isNotNull();
        assertThat(FeedValues.comparable(typed, invoices.field("quantity"))).isEqualTo(new BigDecimal("123456789012345.678000000000000000"));
        assertThat(FeedValues.canonical(typed, invoices.field("ship_date"))).isEqualTo("2026-11-18");
        assertThat(validator.validate(second, false).record()).isNotNull();
    }

    @Test
    void pyarrowAndParquetAvroLayoutDecimalsOnFixedAndBinaryReadExactly() throws Exception {
        BigDecimal wide = new BigDecimal("12345678901234567890.123456789012345678");
        MessageType schema = invoiceColumns(Types.buildMessage())
                .required(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY).length(16).as(LogicalTypeAnnotation.decimalType(18, 38)).named("quantity")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.decimalType(10, 30)).named("unit_price")
                .named("schema");
        Path file = write("pyarrow.parquet", schema, List.of(g -> {
            invoiceValues(g, "PO-1", "INV-1");
            g.append("quantity", fixed(wide, 18, 16)).append("unit_price", Binary.fromConstantByteArray(
                    new BigDecimal("0.0000000001").setScale(10).unscaledValue().toByteArray()));
        }));
        JsonNode row = json(read(invoices, file).get(0));
        assertThat(row.get("quantity").decimalValue()).isEqualTo(wide);
        assertThat(row.get("unit_price").decimalValue()).isEqualTo(new BigDecimal("0.0000000001"));
        // Plain notation in the raw text, never 1E-10.
        assertThat(read(invoices, file).get(0).getRaw()).contains("\"unit_price\":0.0000000001");
        assertThat(new RecordValidator(invoices).validate(row, false).record()).isNotNull();
    }

    @Test
    void timestampsInMillisMicrosNanosAndInt96AreUtcInstants() throws Exception {
        Instant start = Instant.parse("2026-11-21T00:00:00.123456Z");
        Instant end = Instant.parse("2026-11-22T00:00:00.250Z");
        Instant traded = Instant.parse("2026-11-20T09:15:00.000001Z");
        MessageType schema = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("trade_id")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("counterparty_id")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("product")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("delivery_point")
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, TimeUnit.NANOS)).named("delivery_start")
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MILLIS)).named("delivery_end")
                .required(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY).length(16).as(LogicalTypeAnnotation.decimalType(18, 38)).named("volume_mwh")
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.decimalType(4, 18)).named("price")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("currency")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("side")
                .required(PrimitiveTypeName.INT96).named("trade_time")
                .optional(PrimitiveTypeName.DOUBLE).named("not_a_feed_field")
                .named("schema");
        Path file = write("times.parquet", schema, List.of(g -> g.append("trade_id", "T-1").append("counterparty_id", "CP-7")
                .append("product", "POWER").append("delivery_point", "TTF")
                .append("delivery_start", start.getEpochSecond() * 1_000_000_000L + start.getNano())
                .append("delivery_end", end.toEpochMilli())
                .append("volume_mwh", fixed(new BigDecimal("120.5"), 18, 16))
                .append("price", 432_100L)
                .append("currency", "EUR").append("side", "BUY")
                .append("trade_time", int96(traded))
                .append("not_a_feed_field", 1.5)));
        RawRecord record = read(energy, file).get(0);
        // The column's scale is kept in the text: exact, no double in between.
        assertThat(record.getRaw()).contains("\"price\":43.2100", "\"volume_mwh\":120.500000000000000000");
        JsonNode row = json(record);
        assertThat(Instant.parse(row.get("delivery_start").textValue())).isEqualTo(start);
        assertThat(Instant.parse(row.get("delivery_end").textValue())).isEqualTo(end);
        assertThat(Instant.parse(row.get("trade_time").textValue())).isEqualTo(traded);
        assertThat(row.get("price").decimalValue()).isEqualByComparingTo("43.21");
        assertThat(row.has("not_a_feed_field")).isFalse();
        org.apache.flink.types.Row typed = new RecordValidator(energy).validate(row, false).record();
        assertThat(FeedValues.canonical(typed, energy.field("delivery_start"))).isEqualTo("2026-11-21T00:00:00.123456Z");
        assertThat(FeedValues.canonical(typed, energy.field("trade_time"))).isEqualTo("2026-11-20T09:15:00.000001Z");
    }

    @Test
    void aTimestampWithoutAZoneIsReadAsUtc() throws Exception {
        MessageType schema = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("meter_id")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("service_point_id")
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.timestampType(false, TimeUnit.MICROS)).named("interval_start")
                .required(PrimitiveTypeName.INT32).named("interval_minutes")
                .required(PrimitiveTypeName.INT64).as(LogicalTypeAnnotation.decimalType(3, 18)).named("kwh")
                .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.intType(32, true)).named("sequence")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("read_quality")
                .named("schema");
        FeedSpec meters = FeedSpec.of("meter-intervals", TestFeeds.schemaText("meter-intervals"),
                List.of("meter_id", "interval_start"), null, "kwh");
        Path file = write("local.parquet", schema, List.of(g -> g.append("meter_id", "M-1").append("service_point_id", "SP-1")
                .append("interval_start", Instant.parse("2026-11-20T05:00:00Z").toEpochMilli() * 1000).append("interval_minutes", 15)
                .append("kwh", 1_250L).append("sequence", 1).append("read_quality", "ACTUAL")));
        JsonNode row = json(read(meters, file).get(0));
        assertThat(row.get("interval_start").textValue()).isEqualTo("2026-11-20T05:00:00Z");
        RecordValidator.Outcome outcome = new RecordValidator(meters).validate(row, false);
        assertThat(outcome.violation()).isNull();
    }

    @Test
    void aFileOfAnotherSchemaIsOneFileRejectNamingTheFileAndTheField() throws Exception {
        MessageType doubles = invoiceColumns(Types.buildMessage())
                .required(PrimitiveTypeName.DOUBLE).named("quantity")
                .required(PrimitiveTypeName.INT32).as(LogicalTypeAnnotation.decimalType(2, 9)).named("unit_price")
                .named("schema");
        Path file = write("doubles.parquet", doubles, List.of(g -> { invoiceValues(g, "PO-1", null); g.append("quantity", 1.5).append("unit_price", 1); }));
        assertThat(read(invoices, file)).singleElement().satisfies(r -> {
            assertThat(r.getLine()).isNull();
            assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.FILE_UNREADABLE);
            assertThat(r.getFailure().getField()).isEqualTo("quantity");
            assertThat(r.getFailure().getMessage()).startsWith("doubles.parquet: ").contains("column 'quantity' is DOUBLE");
        });

        MessageType renamed = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("supplier")
                .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("po_number")
                .named("schema");
        Path other = write("renamed.parquet", renamed, List.of(g -> g.append("supplier", "S-1").append("po_number", "PO-1")));
        assertThat(read(invoices, other)).singleElement().satisfies(r -> {
            assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.FILE_UNREADABLE);
            assertThat(r.getFailure().getField()).isEqualTo("supplier_id");
            assertThat(r.getFailure().getMessage()).contains("renamed.parquet", "no column 'supplier_id'", "supplier BINARY");
        });
    }

    @Test
    void aFileThatIsNotParquetOrEmptyIsOneFileReject() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("business_date=2026-11-20"));
        Path garbage = Files.writeString(dir.resolve("garbage.parquet"), "trade_id,price\nT-1,1\n");
        assertThat(read(energy, garbage)).singleElement().satisfies(r -> {
            assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.FILE_UNREADABLE);
            assertThat(r.getFailure().getMessage()).startsWith("garbage.parquet: not a readable Parquet file");
        });
        Path empty = Files.write(dir.resolve("empty.parquet"), new byte[0]);
        assertThat(read(energy, empty)).singleElement()
                .satisfies(r -> assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.FILE_UNREADABLE));
    }

    @Test
    void aStringThatIsNotUtf8IsARejectForItsRowAndTheOtherRowsAreRead() throws Exception {
        MessageType schema = invoicesWithIntDecimals("schema");
        Path file = write("latin1.parquet", schema, List.of(
                g -> { invoiceValues(g, "PO-1", null); g.append("quantity", 1L).append("unit_price", 1); },
                g -> { invoiceValues(g, "PO-2", null); g.append("quantity", 1L).append("unit_price", 1);
                    g.add("invoice_number", Binary.fromConstantByteArray(new byte[] {'I', (byte) 0xE9})); },
                g -> { invoiceValues(g, "PO-3", null); g.append("quantity", 1L).append("unit_price", 1); }));
        List<RawRecord> rows = read(invoices, file);
        assertThat(rows).extracting(RawRecord::getLine).containsExactly(1L, 2L, 3L);
        assertThat(rows.get(1).getFailure().getCode()).isEqualTo(ErrorCode.RECORD_UNPARSEABLE);
        assertThat(rows.get(1).getFailure().getField()).isEqualTo("invoice_number");
        assertThat(rows.get(1).getFailure().getMessage()).startsWith("latin1.parquet row 2: ").contains("not UTF-8: 0xE9");
        assertThat(json(rows.get(2)).get("po_number").textValue()).isEqualTo("PO-3");
        assertThat(ReadInternalFile.read(invoices, InternalFormat.PARQUET, file, 2)).isEqualTo(rows.subList(2, 3));
    }
}
