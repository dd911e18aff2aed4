package io.reconflow.operators.sink;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An open part file buffers at most one row group in the heap: the results writer flushes one
 * every {@link ParquetSinks#ROW_GROUP_BYTES}, not at Parquet's default 128 MiB.
 */
class ParquetSinksRowGroupTest {
    @TempDir
    Path tmp;

    @Test
    void rowGroupsAreFlushedAtTheBoundedSize() throws Exception {
        Schema schema = SchemaBuilder.record("Row").fields().requiredLong("n").requiredString("text").endRecord();
        Path file = tmp.resolve("part.parquet");
        Random random = new Random(7);
        int rows = 110_000;   // about 21 MiB of incompressible text: more than one row group
        try (ParquetWriter<GenericRecord> w = new ParquetSinks.GenericWriter(schema.toString()).createWriter(new LocalOutputFile(file))) {
            for (int i = 0; i < rows; i++) {
                GenericRecord r = new GenericData.Record(schema);
                r.put("n", (long) i);
                r.put("text", randomText(random, 200));
                w.write(r);
            }
        }
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            List<BlockMetaData> groups = reader.getFooter().getBlocks();
            assertThat(groups).hasSizeGreaterThanOrEqualTo(2);
            assertThat(groups.stream().mapToLong(BlockMetaData::getRowCount).sum()).isEqualTo(rows);
            // Parquet checks its buffer every few thousand rows, so a group may pass the target by a little.
            assertThat(groups).allSatisfy(g -> assertThat(g.getTotalByteSize()).isLessThan(ParquetSinks.ROW_GROUP_BYTES * 5L / 4));
        }
    }

    private static String randomText(Random random, int length) {
        char[] c = new char[length];
        for (int i = 0; i < length; i++) {
            c[i] = (char) ('!' + random.nextInt(90));
        }
        return new String(c);
    }
}
