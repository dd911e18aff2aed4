package io.reconflow.operators.source;

import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.feed.FeedSpec;
import io.reconflow.operators.feed.RecordValidator;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class InternalFileFormatTest {
    @TempDir
    java.nio.file.Path tmp;

    private final FeedSpec feed = TestFeeds.energy();

    private List<RawRecord> read(InternalFormat format, java.nio.file.Path file) throws IOException {
        java.nio.file.Path folder = file.getParent();
        InternalFileFormat f = new InternalFileFormat(feed, format,
                Map.of(new Path(folder.toUri()).toUri().getPath().replaceAll("/$", ""), "2026-11-20"));
        long size = Files.size(file);
        FileSourceSplit split = new FileSourceSplit("0", new Path(file.toUri()), 0, size, 0L, size);
        List<RawRecord> out = new ArrayList<>();
        try (BulkFormat.Reader<RawRecord> reader = f.createReader(new Configuration(), split)) {
            BulkFormat.RecordIterator<RawRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                RecordAndPosition<RawRecord> r;
                while ((r = batch.next()) != null) {
                    out.add(r.getRecord());
                }
                batch.releaseBatch();
            }
        }
        return out;
    }

    private java.nio.file.Path folder() throws IOException {
        return Files.createDirectories(tmp.resolve("business_date=2026-11-20"));
    }

    @Test
    void csvLinesBecomeRecordsWithTheirLineNumberFileAndBusinessDate() throws Exception {
        java.nio.file.Path file = folder().resolve("books.csv");
        Files.writeString(file, """
                trade_id,counterparty_id,price,delivery_point
                T-1,CP-7,43.21,"Zone A, north"

                T-2,,44.00,TTF
                """);
        List<RawRecord> records = read(InternalFormat.CSV, file);
        assertThat(records).hasSize(2);
        RawRecord first = records.get(0);
        assertThat(first.getSide()).isEqualTo(Side.INTERNAL);
        assertThat(first.getLine()).isEqualTo(2L);
        assertThat(first.getBusinessDate()).isEqualTo("2026-11-20");
        assertThat(first.getSource()).endsWith("books.csv");
        assertThat(first.getRaw()).isEqualTo("T-1,CP-7,43.21,\"Zone A, north\"");
        assertThat(TestFeeds.JSON.readTree(first.getJson()).get("delivery_point").asText()).isEqualTo("Zone A, north");
        RawRecord second = records.get(1);
        assertThat(second.getLine()).isEqualTo(4L);
        assertThat(TestFeeds.JSON.readTree(second.getJson()).has("counterparty_id")).isFalse();
    }

    @Test
    void jsonLinesAreKeptAsReceived() throws Exception {
        java.nio.file.Path file = folder().resolve("books.jsonl");
        String line = TestFeeds.trade("T-1").toString();
        Files.writeString(file, line + "\n\n" + "{broken\n");
        List<RawRecord> records = read(InternalFormat.JSONL, file);
        assertThat(records).extracting(RawRecord::getRaw).containsExactly(line, "{broken");
        assertThat(records).extracting(RawRecord::getLine).containsExactly(1L, 3L);
        assertThat(records.get(0).getJson()).isNull();
    }

    @Test
    void parquetRowsAreRenderedAsJsonWithExactDecimalsAndUtcInstants() throws Exception {
        java.nio.file.Path file = folder().resolve("books.parquet");
        RecordValidator validator = new RecordValidator(feed);
        GenericRecord typed = validator.validate(TestFeeds.trade("T-1").put("price", "43.2100")
                .put("delivery_start", "2026-11-21T01:00:00+01:00"), false).record();
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(feed.schema()).withConf(new org.apache.hadoop.conf.Configuration(false)).build()) {
            w.write(typed);
        }
        List<RawRecord> records = read(InternalFormat.PARQUET, file);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.getLine()).isEqualTo(1L);
            var json = TestFeeds.JSON.readTree(r.getRaw());
            assertThat(json.get("price").decimalValue()).isEqualByComparingTo("43.21");
            assertThat(json.get("delivery_start").asText()).isEqualTo("2026-11-21T00:00:00Z");
            assertThat(validator.validate(json, false).record()).isEqualTo(typed);
        });
    }
}
