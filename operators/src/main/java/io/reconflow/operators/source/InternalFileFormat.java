package io.reconflow.operators.source;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.domain.feed.FeedSpec;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.IteratorResultIterator;
import org.apache.flink.core.fs.Path;

import javax.annotation.Nullable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads our own records from CSV, JSON Lines or Parquet files into {@link RawRecord}s that name
 * their file, line (or row) and business date. The business date comes from the folder a file
 * lies under (one folder per business date, from {@code internal.path}). A file is read in the
 * format its name ends with ({@code .csv}, {@code .jsonl}, {@code .parquet}), any other in the
 * configured one.
 *
 * <p>Nothing in a file fails the job: a line that cannot be read is one record carrying its
 * failure (the validator makes it a {@code RECORD_UNPARSEABLE} reject naming file and line), and
 * a file that cannot be read as the feed at all is one carrying a {@code FILE_UNREADABLE} failure.
 * Only I/O errors of the file system fail the task (and Flink restarts it). The formats are
 * {@link StreamFormat}s made per file, run by Flink's {@link StreamFormatAdapter}, which
 * checkpoints the number of records read.
 */
public class InternalFileFormat implements BulkFormat<RawRecord, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final FeedSpec feed;
    private final InternalFormat format;
    /** Folder (as a URI path) to the business date of the files under it. */
    private final Map<String, String> folderDates;

    /** Continuous mode: the dated folders under a monitored parent, else null. */
    @javax.annotation.Nullable private final DatedFolders dated;

    public InternalFileFormat(FeedSpec feed, InternalFormat format, Map<String, String> folderDates) {
        this(feed, format, folderDates, null);
    }

    public InternalFileFormat(FeedSpec feed, InternalFormat format, Map<String, String> folderDates,
                              @javax.annotation.Nullable DatedFolders dated) {
        this.feed = feed;
        this.format = format;
        this.folderDates = Map.copyOf(folderDates);
        this.dated = dated;
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileSourceSplit split) throws IOException {
        if (split.fileSize() == 0) {
            return empty(split, 0);
        }
        return new StreamFormatAdapter<>(format(split.path())).createReader(config, split);
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        if (split.fileSize() == 0) {
            return empty(split, split.getReaderPosition().map(CheckpointedPosition::getRecordsAfterOffset).orElse(0L));
        }
        return new StreamFormatAdapter<>(format(split.path())).restoreReader(config, split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return PerFileFormat.producedType();
    }

    private StreamFormat<RawRecord> format(Path file) {
        String date = businessDate(file);
        return switch (InternalFormat.ofFile(file.getName(), format)) {
            case CSV -> new CsvFormat(new FileContext(file.toString(), date, feed.name(), "line"), feed);
            case JSONL -> new JsonLinesFormat(new FileContext(file.toString(), date, feed.name(), "line"));
            case PARQUET -> new ParquetFormat(new FileContext(file.toString(), date, feed.name(), "row"), feed);
        };
    }

    /**
     * An empty file (Flink's stream adapter refuses length 0): no records for CSV and JSON Lines,
     * one FILE_UNREADABLE for Parquet, which cannot be empty.
     */
    private Reader<RawRecord> empty(FileSourceSplit split, long skip) {
        List<RawRecord> records = new ArrayList<>();
        if (InternalFormat.ofFile(split.path().getName(), format) == InternalFormat.PARQUET && skip == 0) {
            records.add(new FileContext(split.path().toString(), businessDate(split.path()), feed.name(), "row")
                    .failure(null, ErrorCode.FILE_UNREADABLE, null, "an empty file is not Parquet", null));
        }
        return new Reader<>() {
            private boolean given;

            @Nullable
            @Override
            public RecordIterator<RawRecord> readBatch() {
                if (given || records.isEmpty()) {
                    return null;
                }
                given = true;
                return new IteratorResultIterator<>(records.iterator(), CheckpointedPosition.NO_OFFSET, 0);
            }

            @Override
            public void close() {}
        };
    }

    private String businessDate(Path file) {
        if (dated != null && dated.dateOf(file) != null) {
            return dated.dateOf(file).toString();
        }
        for (Path p = file.getParent(); p != null; p = p.getParent()) {
            String date = folderDates.get(p.toUri().getPath());
            if (date != null) {
                return date;
            }
        }
        throw new IllegalStateException(file + " lies under none of the configured business-date folders " + folderDates.keySet());
    }
}
