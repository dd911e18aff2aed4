package io.reconflow.operators.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.domain.feed.FeedSpec;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.formats.parquet.ParquetInputFile;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

import javax.annotation.Nullable;
import java.io.IOException;

/**
 * Parquet files of ours, read by logical type ({@link ParquetColumns}) into the JSON a
 * counterparty would send for the row, which the validator then checks like any other record.
 * Decimals go into that JSON as exact plain numbers. A file that is not Parquet, lacks a feed
 * field or has a column of a type that cannot hold it is one {@code FILE_UNREADABLE} reject
 * naming the file and the field, and the run goes on; so is a file whose rows stop decoding
 * (after the rows read before). A row with a value that cannot be read is one reject naming its
 * row and column.
 */
final class ParquetFormat extends PerFileFormat {
    private static final long serialVersionUID = 1L;
    private static final ObjectWriter JSON = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build().writer();

    private final FeedSpec feed;

    ParquetFormat(FileContext context, FeedSpec feed) {
        super(context);
        this.feed = feed;
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen, long splitEnd)
            throws IOException {
        ParquetFileReader file;
        try {
            file = ParquetFileReader.open(new ParquetInputFile(stream, fileLen), ParquetReadOptions.builder().build());
        } catch (RuntimeException | IOException e) {
            // parquet-mr says "not a Parquet file" (bad magic, too short) with a RuntimeException, a corrupt footer
            // with an IOException; a restart would not mend either.
            stream.close();
            return once(context.failure(null, ErrorCode.FILE_UNREADABLE, null, "not a readable Parquet file: " + e.getMessage(), null));
        }
        MessageType schema = file.getFooter().getFileMetaData().getSchema();
        ParquetColumns columns = ParquetColumns.of(schema, feed);
        if (columns.mismatch() != null) {
            file.close();
            return once(context.failure(null, ErrorCode.FILE_UNREADABLE, columns.mismatch().field(), columns.mismatch().message(), null));
        }
        file.setRequestedSchema(columns.projection());
        return new Rows(file, schema, columns);
    }

    private static Reader<RawRecord> once(RawRecord only) {
        return new Reader<>() {
            private boolean given;

            @Nullable
            @Override
            public RawRecord read() {
                if (given) {
                    return null;
                }
                given = true;
                return only;
            }

            @Override
            public void close() {}
        };
    }

    private final class Rows implements Reader<RawRecord> {
        private final ParquetFileReader file;
        private final MessageColumnIO io;
        private final ParquetColumns columns;
        private final int[] indexes;
        private RecordReader<Group> rows;
        private long left;
        private long row;
        private boolean done;

        Rows(ParquetFileReader file, MessageType schema, ParquetColumns columns) {
            this.file = file;
            this.columns = columns;
            MessageType projection = columns.projection();
            this.io = new ColumnIOFactory().getColumnIO(projection, schema);
            this.indexes = columns.columns().stream().mapToInt(c -> projection.getFieldIndex(c.field().name())).toArray();
        }

        @Nullable
        @Override
        public RawRecord read() throws IOException {
            if (done) {
                return null;
            }
            Group group;
            try {
                while (left == 0) {
                    PageReadStore pages = file.readNextRowGroup();
                    if (pages == null) {
                        done = true;
                        return null;
                    }
                    left = pages.getRowCount();
                    rows = io.getRecordReader(pages, new GroupRecordConverter(columns.projection()));
                }
                group = rows.read();
                left--;
                row++;
            } catch (RuntimeException e) {
                // A corrupt page or a value its encoding cannot hold: the rest of the file is lost, and said so.
                done = true;
                return context.failure(null, ErrorCode.FILE_UNREADABLE, null,
                        "rows from " + (row + 1) + " on cannot be decoded: " + e, null);
            }
            return convert(group);
        }

        private RawRecord convert(Group group) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            for (int c = 0; c < indexes.length; c++) {
                ParquetColumns.Column column = columns.columns().get(c);
                String name = column.field().name();
                if (group.getFieldRepetitionCount(indexes[c]) == 0) {
                    continue;
                }
                try {
                    column.read().put(node, name, group, indexes[c]);
                } catch (ParquetColumns.BadValue | RuntimeException e) {
                    return context.failure(row, ErrorCode.RECORD_UNPARSEABLE, name, String.valueOf(e.getMessage()), null);
                }
            }
            try {
                return context.record(row, JSON.writeValueAsString(node), null);
            } catch (JsonProcessingException e) {
                return context.failure(row, ErrorCode.RECORD_UNPARSEABLE, null, "cannot be written as JSON: " + e.getOriginalMessage(), null);
            }
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
