package io.reconflow.operators.source;

import io.reconflow.events.RawRecord;
import io.reconflow.domain.feed.FeedSpec;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads one internal file through {@link InternalFileFormat} as the FileSource would, for tests. */
public final class ReadInternalFile {
    private ReadInternalFile() {}

    /** Every record of {@code file}, whose folder is business date 2026-11-20. */
    public static List<RawRecord> read(FeedSpec feed, InternalFormat format, java.nio.file.Path file) throws IOException {
        return read(feed, format, file, -1);
    }

    /**
     * The records of {@code file} from a reader restored after {@code skip} records (as from a
     * checkpoint), or from a fresh reader if {@code skip} is negative.
     */
    public static List<RawRecord> read(FeedSpec feed, InternalFormat format, java.nio.file.Path file, long skip) throws IOException {
        InternalFileFormat f = new InternalFileFormat(feed, format,
                Map.of(new Path(file.getParent().toUri()).toUri().getPath().replaceAll("/$", ""), "2026-11-20"));
        long size = Files.size(file);
        FileSourceSplit split = new FileSourceSplit("0", new Path(file.toUri()), 0, size, 0L, size);
        List<RawRecord> out = new ArrayList<>();
        BulkFormat.Reader<RawRecord> reader = skip < 0 ? f.createReader(new Configuration(), split)
                : f.restoreReader(new Configuration(), split.updateWithCheckpointedPosition(
                        new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, skip)));
        try (reader) {
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
}
