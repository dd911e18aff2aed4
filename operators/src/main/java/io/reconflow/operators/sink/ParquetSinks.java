package io.reconflow.operators.sink;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.OutputFile;

import java.io.IOException;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.ParquetBuilder;
import org.apache.flink.formats.parquet.ParquetWriterFactory;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * Exactly-once Parquet datasets: part files are written in progress, become pending on a
 * checkpoint and are committed when it completes; only committed files are named {@code *.parquet}
 * (in-progress files are hidden, starting with a dot). Avro decimals become Parquet DECIMAL and
 * {@code timestamp-micros} becomes a UTC-adjusted TIMESTAMP.
 */
public final class ParquetSinks {
    private ParquetSinks() {}

    private static final OutputFileConfig PARQUET_FILES = OutputFileConfig.builder()
            .withPartPrefix("part")
            .withPartSuffix(".parquet")
            .build();

    /**
     * Rows buffered per open part file before a row group is flushed. Parquet's default (128 MiB)
     * is held in the heap by every open part file (one per bucket and subtask of each dataset) and
     * could take most of a 1 GiB TaskManager; 16 MiB still makes large, well-compressed column chunks.
     */
    public static final int ROW_GROUP_BYTES = 16 << 20;
    /** Parquet's default page size (1 MiB), stated as it bounds a column's buffered page. */
    public static final int PAGE_BYTES = 1 << 20;

    /** A dataset of generic rows with the given schema, under {@code folder}. */
    public static FileSink<GenericRecord> generic(String folder, Schema schema) {
        return build(folder, new ParquetWriterFactory<>(new GenericWriter(schema.toString())));
    }

    /**
     * A dataset of one of the job's own event types, under {@code folder}. Written with the
     * generated class's own data model, which carries its logical-type conversions (a BigDecimal
     * field becomes a Parquet DECIMAL); Flink's {@code AvroParquetWriters.forSpecificRecord} uses
     * a model without them.
     */
    public static <T extends SpecificRecordBase> FileSink<T> specific(String folder, Class<T> type) {
        return build(folder, new ParquetWriterFactory<>(new SpecificWriter<>(type)));
    }

    private record SpecificWriter<T extends SpecificRecordBase>(Class<T> type) implements ParquetBuilder<T> {
        @Override
        public ParquetWriter<T> createWriter(OutputFile out) throws IOException {
            SpecificData model = SpecificData.getForClass(type);
            return AvroParquetWriter.<T>builder(out)
                    .withSchema(model.getSchema(type))
                    .withDataModel(model)
                    .withRowGroupSize(ROW_GROUP_BYTES)
                    .withPageSize(PAGE_BYTES)
                    .build();
        }
    }

    /** What {@code AvroParquetWriters.forGenericRecord} builds, with bounded row groups (the schema as text: it is serializable). */
    record GenericWriter(String schema) implements ParquetBuilder<GenericRecord> {
        @Override
        public ParquetWriter<GenericRecord> createWriter(OutputFile out) throws IOException {
            return AvroParquetWriter.<GenericRecord>builder(out)
                    .withSchema(new Schema.Parser().parse(schema))
                    .withDataModel(GenericData.get())
                    .withRowGroupSize(ROW_GROUP_BYTES)
                    .withPageSize(PAGE_BYTES)
                    .build();
        }
    }

    private static <T extends GenericRecord> FileSink<T> build(String folder, ParquetWriterFactory<T> writer) {
        return FileSink.forBulkFormat(new Path(folder), writer)
                .withBucketAssigner(new HivePartitions<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(PARQUET_FILES)
                .build();
    }
}
