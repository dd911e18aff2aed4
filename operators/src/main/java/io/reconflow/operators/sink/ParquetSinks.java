package io.reconflow.operators.sink;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.hadoop.conf.Configuration;
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
     * Result rows get dictionary encoding only on the top-level columns whose values repeat: on the
     * others (keys, ids, amounts, timestamps of the two records) every value is new, and the
     * dictionary was a hash lookup per value until it overflowed and was re-encoded plain, the
     * largest cost of writing (JFR: Binary.equals/hashCode, dictionary fallback and rehash ~15 % of
     * the task threads' samples).
     */
    static final java.util.Set<String> REPEATING_RESULT_COLUMNS = java.util.Set.of("recon", "business_date", "status",
            "pass", "pass_name", "match_type", "counterparty_name", "batch_id", "internal_source");

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

    /**
     * The files {@code AvroParquetWriters.forGenericRecord} writes, through {@link RowWriteSupport},
     * with bounded row groups and the dictionary only on {@link #REPEATING_RESULT_COLUMNS} (the
     * schema as text: it is serializable).
     */
    record GenericWriter(String schema) implements ParquetBuilder<GenericRecord> {
        @Override
        public ParquetWriter<GenericRecord> createWriter(OutputFile out) throws IOException {
            Schema avro = new Schema.Parser().parse(schema);
            return resultColumns(new RowsBuilder(out, avro)
                    .withRowGroupSize(ROW_GROUP_BYTES)
                    .withPageSize(PAGE_BYTES), avro)
                    .build();
        }
    }

    /** A writer of result rows as the results dataset's part files are written (the benchmark's baseline writes with it). */
    public static ParquetWriter<GenericRecord> resultWriter(OutputFile out, Schema schema) throws IOException {
        return new GenericWriter(schema.toString()).createWriter(out);
    }

    /** A writer of generic rows through {@link RowWriteSupport}: the files parquet-avro writes, written faster. */
    static final class RowsBuilder extends ParquetWriter.Builder<GenericRecord, RowsBuilder> {
        private final Schema schema;

        RowsBuilder(OutputFile out, Schema schema) {
            super(out);
            this.schema = schema;
        }

        @Override
        protected RowsBuilder self() {
            return this;
        }

        @Override
        protected WriteSupport<GenericRecord> getWriteSupport(Configuration conf) {
            return new RowWriteSupport(schema);
        }

        @Override
        protected WriteSupport<GenericRecord> getWriteSupport(ParquetConfiguration conf) {
            return new RowWriteSupport(schema);
        }
    }

    /**
     * How result rows' columns are written (also used by the benchmark's baseline, so that both
     * write the same files): dictionary encoding and min/max statistics only on
     * {@link #REPEATING_RESULT_COLUMNS}, and no size statistics. On the other columns every value
     * is new and rows come in random key order, so min/max span the whole range and prune no row
     * group, yet comparing every value was about a tenth of the writing (JFR: Binary
     * lexicographicCompare); size statistics (Parquet 1.14's byte counts for the page index, which
     * DuckDB and Spark do not read) another twentieth. Statistics are turned off column by column:
     * Parquet 1.15 ignores its writer-wide switch once any column has a setting of its own.
     */
    public static <T, B extends ParquetWriter.Builder<T, B>> B resultColumns(B builder, Schema rows) {
        builder = builder.withDictionaryEncoding(false).withSizeStatisticsEnabled(false);
        for (ColumnDescriptor column : new AvroSchemaConverter().convert(rows).getColumns()) {
            String path = String.join(".", column.getPath());
            boolean repeating = REPEATING_RESULT_COLUMNS.contains(path);
            builder = builder.withDictionaryEncoding(path, repeating).withStatisticsEnabled(path, repeating);
        }
        return builder;
    }

    private static <T extends GenericRecord> FileSink<T> build(String folder, ParquetWriterFactory<T> writer) {
        return FileSink.forBulkFormat(new Path(folder), writer)
                .withBucketAssigner(new HivePartitions<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(PARQUET_FILES)
                .build();
    }
}
