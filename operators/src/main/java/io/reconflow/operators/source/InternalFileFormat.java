package io.reconflow.operators.source;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import io.reconflow.operators.feed.FeedJson;
import io.reconflow.operators.feed.FeedSpec;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.formats.parquet.avro.AvroParquetReaders;

import javax.annotation.Nullable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads our own records from CSV, JSON Lines or Parquet files into {@link RawRecord}s that name
 * their file, line and business date. The business date comes from the folder a file lies under
 * (one folder per business date, from {@code internal.path}).
 *
 * <p>It wraps Flink's own line and Parquet readers, which keep the position in the file for
 * checkpoints; it only adds the file's context and, for CSV, the header.
 */
public class InternalFileFormat implements BulkFormat<RawRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final FeedSpec feed;
    private final InternalFormat format;
    /** Folder (as a URI path) to the business date of the files under it. */
    private final Map<String, String> folderDates;

    public InternalFileFormat(FeedSpec feed, InternalFormat format, Map<String, String> folderDates) {
        this.feed = feed;
        this.format = format;
        this.folderDates = Map.copyOf(folderDates);
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        return reader(config, split, false);
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        return reader(config, split, true);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return new AvroTypeInfo<>(RawRecord.class);
    }

    private Reader<RawRecord> reader(Configuration config, FileSourceSplit split, boolean restore) throws IOException {
        String date = businessDate(split.path());
        String file = split.path().toString();
        return switch (format) {
            case CSV -> {
                String[] header = csvHeader(split.path());
                Reader<String> lines = lineFormat().reader(config, split, restore);
                yield new MappingReader<>(lines, new CsvLines(file, date, header));
            }
            case JSONL -> new MappingReader<>(lineFormat().reader(config, split, restore),
                    (line, n) -> line.isBlank() ? null : raw(file, date, n, line, null));
            case PARQUET -> {
                StreamFormatAdapter<GenericRecord> parquet = new StreamFormatAdapter<>(AvroParquetReaders.forGenericRecord(feed.schema()));
                Reader<GenericRecord> rows = restore ? parquet.restoreReader(config, split) : parquet.createReader(config, split);
                yield new MappingReader<>(rows, (row, n) -> raw(file, date, n, FeedJson.of(row, feed).toString(), null));
            }
        };
    }

    private static Adapter<String> lineFormat() {
        return new Adapter<>(new StreamFormatAdapter<>(new TextLineInputFormat(StandardCharsets.UTF_8.name())));
    }

    private record Adapter<T>(StreamFormatAdapter<T> adapter) {
        Reader<T> reader(Configuration config, FileSourceSplit split, boolean restore) throws IOException {
            return restore ? adapter.restoreReader(config, split) : adapter.createReader(config, split);
        }
    }

    private String businessDate(Path file) {
        for (Path p = file.getParent(); p != null; p = p.getParent()) {
            String date = folderDates.get(p.toUri().getPath());
            if (date != null) {
                return date;
            }
        }
        throw new IllegalStateException(file + " lies under none of the configured business-date folders " + folderDates.keySet());
    }

    private String[] csvHeader(Path file) throws IOException {
        // Read apart from the record reader so that a reader restored mid-file still knows the columns.
        try (FSDataInputStream in = file.getFileSystem().open(file);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line = r.readLine();
            if (line == null) {
                return new String[0];
            }
            if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1);
            }
            return CsvLines.row(line);
        }
    }

    RawRecord raw(String file, String date, long line, String raw, @Nullable String json) {
        return RawRecord.newBuilder()
                .setSide(Side.INTERNAL)
                .setSource(file)
                .setFeed(feed.name())
                .setBusinessDate(date)
                .setLine(line)
                .setRaw(raw)
                .setJson(json)
                .build();
    }

    /** Turns one CSV line into a RawRecord whose json holds the cells by column name. */
    private final class CsvLines implements LineMapper<String> {
        private static final ObjectReader READER = new CsvMapper().readerFor(String[].class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY);

        static String[] row(String line) throws IOException {
            try (MappingIterator<String[]> rows = READER.readValues(line)) {
                return rows.hasNext() ? rows.next() : new String[0];
            }
        }

        private final String file;
        private final String date;
        private final String[] header;

        CsvLines(String file, String date, String[] header) {
            this.file = file;
            this.date = date;
            this.header = header;
        }

        @Override
        public RawRecord map(String line, long lineNumber) {
            if (lineNumber == 1 || line.isBlank()) {
                return null;
            }
            ObjectNode cells = JsonNodeFactory.instance.objectNode();
            String[] values;
            try {
                values = row(line);
            } catch (IOException e) {
                // Not CSV: an empty json makes the validator reject it as RECORD_UNPARSEABLE, with the line kept.
                return raw(file, date, lineNumber, line, "");
            }
            for (int i = 0; i < header.length && i < values.length; i++) {
                if (!values[i].isEmpty()) {
                    cells.put(header[i], values[i]);
                }
            }
            return raw(file, date, lineNumber, line, cells.toString());
        }
    }

    /** Maps one record read from a file, with its 1-based line or row number, to a RawRecord or null to skip it. */
    @FunctionalInterface
    interface LineMapper<T> {
        RawRecord map(T record, long lineNumber) throws IOException;
    }

    /** A reader that maps each record of a delegate reader, keeping the delegate's checkpoint positions. */
    private static final class MappingReader<T> implements Reader<RawRecord> {
        private final Reader<T> delegate;
        private final LineMapper<T> mapper;

        MappingReader(Reader<T> delegate, LineMapper<T> mapper) {
            this.delegate = delegate;
            this.mapper = mapper;
        }

        @Nullable
        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            RecordIterator<T> batch = delegate.readBatch();
            if (batch == null) {
                return null;
            }
            return new RecordIterator<>() {
                @Nullable
                @Override
                public RecordAndPosition<RawRecord> next() {
                    RecordAndPosition<T> next;
                    while ((next = batch.next()) != null) {
                        RawRecord mapped;
                        try {
                            // The skip count after a record is its 1-based number in a non-split file.
                            mapped = mapper.map(next.getRecord(), next.getRecordSkipCount());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        if (mapped != null) {
                            return new RecordAndPosition<>(mapped, next.getOffset(), next.getRecordSkipCount());
                        }
                    }
                    return null;
                }

                @Override
                public void releaseBatch() {
                    batch.releaseBatch();
                }
            };
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
