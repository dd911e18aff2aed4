package io.reconflow.operators.sink;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Result rows' columns: dictionary and min/max statistics where values repeat (a reader prunes row
 * groups by status or batch), neither where every value is new, and no size statistics.
 */
class ParquetSinksResultColumnsTest {
    @TempDir
    Path tmp;

    @Test
    void repeatingColumnsHaveDictionaryAndStatisticsAndUniqueOnesHaveNeither() throws Exception {
        Schema schema = SchemaBuilder.record("Row").fields()
                .requiredString("status").requiredString("batch_id").requiredString("match_key").endRecord();
        Path file = tmp.resolve("part.parquet");
        try (ParquetWriter<GenericRecord> w = new ParquetSinks.GenericWriter(schema.toString()).createWriter(new LocalOutputFile(file))) {
            for (int i = 0; i < 5_000; i++) {
                GenericRecord r = new GenericData.Record(schema);
                r.put("status", i % 7 == 0 ? "BREAK" : "MATCHED");
                r.put("batch_id", "B-1");
                r.put("match_key", "T-" + i);
                w.write(r);
            }
        }
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            Map<String, ColumnChunkMetaData> columns = reader.getFooter().getBlocks().get(0).getColumns().stream()
                    .collect(Collectors.toMap(c -> c.getPath().toDotString(), Function.identity()));
            for (String repeating : new String[] {"status", "batch_id"}) {
                assertThat(columns.get(repeating).getEncodings()).as(repeating).contains(Encoding.PLAIN_DICTIONARY);
                assertThat(columns.get(repeating).getStatistics().hasNonNullValue()).as(repeating).isTrue();
            }
            assertThat(((org.apache.parquet.io.api.Binary) columns.get("status").getStatistics().genericGetMin()).toStringUsingUTF8()).isEqualTo("BREAK");
            ColumnChunkMetaData key = columns.get("match_key");
            assertThat(key.getEncodings()).doesNotContain(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
            assertThat(key.getStatistics().hasNonNullValue()).isFalse();
            assertThat(columns.values()).allSatisfy(c -> assertThat(c.getSizeStatistics() == null
                    || !c.getSizeStatistics().isValid()).as("no size statistics").isTrue());
        }
    }
}
