package io.reconflow.operators.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.ValidRecords;
import io.reconflow.operators.match.ResultRows;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Result rows written by {@link RowWriteSupport} are the files parquet-avro writes: the same
 * Parquet schema and footer, and read back as Avro, the same rows.
 */
class RowWriteSupportTest {
    @TempDir
    Path tmp;

    private final ValidRecords envelopes = new ValidRecords();

    /** Every shape of result row: pairs with and without breaks, both unmatched sides, an ambiguous record. */
    private List<GenericRecord> rows(ResultRows rows) {
        List<GenericRecord> out = new ArrayList<>();
        MatchPass exact = new MatchPass(1, "exact", false);
        MatchPass tolerance = new MatchPass(2, "tolerance", true);
        for (int i = 0; i < 50; i++) {
            ObjectNode ours = TestFeeds.trade("T-" + i);
            ValidRecord internal = envelopes.internal(ours, i + 2);
            ValidRecord counterparty = envelopes.counterparty(TestFeeds.theirView(ours), 1 + i % 3);
            switch (i % 5) {
                case 0 -> out.add(rows.pair(new RuleEvaluator.Decision(MatchStatus.MATCHED, exact, List.of()), internal, counterparty, false));
                case 1 -> out.add(rows.pair(new RuleEvaluator.Decision(MatchStatus.BREAK, tolerance, List.of(
                        new RuleEvaluator.Break("price", "abs(0.01)", "42.5", "43.7"),
                        new RuleEvaluator.Break("delivery_point", "equal", null, "NL-TTF"))), internal, counterparty, i % 2 == 0));
                case 2 -> out.add(rows.unmatched(internal));
                case 3 -> out.add(rows.unmatched(counterparty));
                default -> out.add(rows.ambiguous(counterparty, new MatchPass(3, "secondary", true,
                        List.of("counterparty_id"), List.of("volume_mwh")), List.of("T-" + i, "T-" + (i + 1))));
            }
        }
        return out;
    }

    private static List<GenericRecord> read(Path file) throws Exception {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file))
                .withDataModel(GenericData.get()).build()) {
            for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                rows.add(r);
            }
        }
        return rows;
    }

    private static FileMetaData footer(Path file) throws Exception {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            return reader.getFooter().getFileMetaData();
        }
    }

    @Test
    void resultRowsAreTheFilesParquetAvroWrites() throws Exception {
        ResultRows results = new ResultRows("energy", TestFeeds.energy());
        Schema schema = results.schema();
        List<GenericRecord> rows = rows(results);
        assertThat(rows).extracting(r -> r.get("status").toString()).contains("MATCHED", "BREAK", "UNMATCHED_INTERNAL",
                "UNMATCHED_COUNTERPARTY", "AMBIGUOUS");

        Path reference = tmp.resolve("parquet-avro.parquet");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(reference))
                .withSchema(schema).withDataModel(GenericData.get()).build()) {
            for (GenericRecord r : rows) {
                w.write(r);
            }
        }
        Path ours = tmp.resolve("rows.parquet");
        try (ParquetWriter<GenericRecord> w = new ParquetSinks.GenericWriter(schema.toString()).createWriter(new LocalOutputFile(ours))) {
            for (GenericRecord r : rows) {
                w.write(r);
            }
        }

        FileMetaData expected = footer(reference);
        FileMetaData actual = footer(ours);
        assertThat(actual.getSchema()).isEqualTo(expected.getSchema());
        assertThat(actual.getKeyValueMetaData()).containsAllEntriesOf(Map.of(
                RowWriteSupport.AVRO_SCHEMA, expected.getKeyValueMetaData().get(RowWriteSupport.AVRO_SCHEMA),
                "writer.model.name", "avro"));
        List<GenericRecord> back = read(ours);
        assertThat(back).hasSize(rows.size());
        assertThat(back).isEqualTo(read(reference));
        // Decimals, timestamps and enums of both sides survive, not only the top-level strings.
        GenericRecord pair = back.get(0);
        assertThat(((GenericRecord) pair.get("counterparty")).get("volume_mwh")).isNotNull()
                .isEqualTo(((GenericRecord) read(reference).get(0).get("counterparty")).get("volume_mwh"));
    }

    @Test
    void aRequiredNullOrAShapeItCannotWriteIsRefused() {
        Schema required = SchemaBuilder.record("Row").fields().requiredString("status").endRecord();
        Schema withMap = SchemaBuilder.record("Row").fields().name("m").type().map().values().stringType().noDefault().endRecord();
        assertThatThrownBy(() -> new RowWriteSupport(withMap)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAP");
        RowWriteSupport support = new RowWriteSupport(required);
        GenericRecord row = new GenericData.Record(required);
        assertThatThrownBy(() -> {
            try (ParquetWriter<GenericRecord> w = new ParquetSinks.GenericWriter(required.toString())
                    .createWriter(new LocalOutputFile(tmp.resolve("bad.parquet")))) {
                w.write(row);
            }
        }).hasMessageContaining("required field status");
        assertThat(support.getName()).isEqualTo("avro");
    }
}
