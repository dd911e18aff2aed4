package io.reconflow.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.operators.TestFeeds;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.operators.source.InternalFormat;
import io.reconflow.operators.source.ReadInternalFile;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parquet files written by DuckDB (its JDBC driver, as an analyst would export our books): DECIMAL(38,18) on
 * FIXED_LEN_BYTE_ARRAY, DECIMAL(18,4) on INT64, DECIMAL(9,2) on INT32, TIMESTAMPTZ, DATE, INTEGER,
 * and TIMESTAMP_NS, read to the exact decimals and UTC instants; and a file with a renamed column.
 */
class DuckDbParquetFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String WIDE = "12345678901234567890.123456789012345678";

    @TempDir
    Path tmp;

    private final FeedSpec energy = TestFeeds.energy();

    private Path duckdb(String name, String select) throws Exception {
        Path file = Files.createDirectories(tmp.resolve("business_date=2026-11-20")).resolve(name);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("COPY (" + select + ") TO '" + file + "' (FORMAT PARQUET)");
        }
        return file;
    }

    private static String energyRow(String tradeId, String volume, String deliveryStart) {
        return "SELECT '" + tradeId + "' AS trade_id, 'CP-7' AS counterparty_id, 'POWER' AS product, 'TTF' AS delivery_point, "
                + deliveryStart + " AS delivery_start, TIMESTAMPTZ '2026-11-22 01:00:00+01:00' AS delivery_end, "
                + "'" + volume + "'::DECIMAL(38,18) AS volume_mwh, 43.21::DECIMAL(18,4) AS price, 'EUR' AS currency, "
                + "'BUY' AS side, TIMESTAMPTZ '2026-11-20 09:15:00.000001+00' AS trade_time";
    }

    @Test
    void duckDbDecimalsAndInstantsReadExactly() throws Exception {
        Path file = duckdb("duck.parquet", energyRow("T-1", WIDE, "TIMESTAMPTZ '2026-11-21 00:00:00.123456+00'")
                + " UNION ALL " + energyRow("T-2", "0.000000000000000001", "TIMESTAMPTZ '2026-11-21 06:00:00+05:00'") + " ORDER BY trade_id");
        List<RawRecord> rows = ReadInternalFile.read(energy, InternalFormat.PARQUET, file);
        assertThat(rows).extracting(RawRecord::getLine).containsExactly(1L, 2L);
        assertThat(rows).allSatisfy(r -> assertThat(r.getFailure()).isNull());

        RecordValidator validator = new RecordValidator(energy);
        Row first = validator.validate(JSON.readTree(rows.get(0).getRaw()), false).record();
        assertThat(first).as(rows.get(0).getRaw()).isNotNull();
        assertThat(FeedValues.comparable(first, energy.field("volume_mwh"))).isEqualTo(new BigDecimal(WIDE));
        assertThat(FeedValues.canonical(first, energy.field("price"))).isEqualTo("43.21");
        assertThat(FeedValues.canonical(first, energy.field("delivery_start"))).isEqualTo("2026-11-21T00:00:00.123456Z");
        assertThat(FeedValues.canonical(first, energy.field("delivery_end"))).isEqualTo("2026-11-22T00:00:00Z");
        assertThat(FeedValues.canonical(first, energy.field("trade_time"))).isEqualTo("2026-11-20T09:15:00.000001Z");

        Row second = validator.validate(JSON.readTree(rows.get(1).getRaw()), false).record();
        assertThat(FeedValues.canonical(second, energy.field("volume_mwh"))).isEqualTo("0.000000000000000001");
        assertThat(FeedValues.canonical(second, energy.field("delivery_start"))).isEqualTo("2026-11-21T01:00:00Z");
        assertThat(rows.get(1).getRaw()).contains("\"volume_mwh\":0.000000000000000001");
    }

    @Test
    void duckDbDatesIntegersAndSmallDecimalsRead() throws Exception {
        FeedSpec invoices = FeedSpec.of("supply-invoices", TestFeeds.schemaText("supply-invoices"),
                List.of("supplier_id", "po_number", "po_line"), null, "quantity");
        Path file = duckdb("invoices.parquet", "SELECT 'S-1' AS supplier_id, 'PO-1' AS po_number, 3 AS po_line, 'SKU-9' AS sku, "
                + "12.5::DECIMAL(9,3) AS quantity, 'CS' AS unit_of_measure, 19.99::DECIMAL(9,2) AS unit_price, "
                + "NULL::VARCHAR AS invoice_number, DATE '2026-11-18' AS ship_date");
        RawRecord row = ReadInternalFile.read(invoices, InternalFormat.PARQUET, file).get(0);
        JsonNode json = JSON.readTree(row.getRaw());
        assertThat(json.get("po_line").intValue()).isEqualTo(3);
        assertThat(json.get("ship_date").textValue()).isEqualTo("2026-11-18");
        assertThat(json.has("invoice_number")).isFalse();
        Row typed = new RecordValidator(invoices).validate(json, false).record();
        assertThat(FeedValues.canonical(typed, invoices.field("quantity"))).isEqualTo("12.5");
        assertThat(FeedValues.canonical(typed, invoices.field("unit_price"))).isEqualTo("19.99");
    }

    @Test
    void duckDbTimestampNsWithoutAZoneIsReadAsUtcToTheMicrosecond() throws Exception {
        Path file = duckdb("ns.parquet", energyRow("T-1", "1", "CAST(TIMESTAMP_NS '2026-11-21 00:00:00.123456789' AS TIMESTAMP_NS)"));
        RawRecord row = ReadInternalFile.read(energy, InternalFormat.PARQUET, file).get(0);
        assertThat(row.getFailure()).isNull();
        JsonNode json = JSON.readTree(row.getRaw());
        assertThat(json.get("delivery_start").textValue()).isEqualTo("2026-11-21T00:00:00.123456789Z");
        RecordValidator.Outcome outcome = new RecordValidator(energy).validate(json, false);
        assertThat(outcome.violation()).isNull();
        assertThat(outcome.record().getField(energy.field("delivery_start").position())).isEqualTo(FeedValues.epochMicros(Instant.parse("2026-11-21T00:00:00.123456Z")));
    }

    @Test
    void aDuckDbFileWithARenamedColumnIsOneFileReject() throws Exception {
        Path file = duckdb("renamed.parquet", energyRow("T-1", "1", "TIMESTAMPTZ '2026-11-21 00:00:00+00'")
                .replace("AS trade_id", "AS trade_ref"));
        assertThat(ReadInternalFile.read(energy, InternalFormat.PARQUET, file)).singleElement().satisfies(r -> {
            assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.FILE_UNREADABLE);
            assertThat(r.getFailure().getField()).isEqualTo("trade_id");
            assertThat(r.getFailure().getMessage()).startsWith("renamed.parquet: ").contains("no column 'trade_id'", "trade_ref");
            assertThat(r.getSource()).endsWith("renamed.parquet");
        });
    }
}
