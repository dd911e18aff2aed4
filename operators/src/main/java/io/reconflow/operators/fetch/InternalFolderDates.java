package io.reconflow.operators.fetch;

import java.io.IOException;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The business dates whose internal folder exists: the folders named {@code prefix + date + suffix}
 * under {@code parent} (the last segment of {@code internal.path} with {@code {business_date}}).
 * Listed on the JobManager, as the FileSource's own enumerator lists the files.
 */
public record InternalFolderDates(String parent, String prefix, String suffix) implements Serializable {

    public List<LocalDate> list() throws IOException {
        Path dir = new Path(parent);
        FileSystem fs = dir.getFileSystem();
        List<LocalDate> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        FileStatus[] children = fs.listStatus(dir);
        for (FileStatus s : children == null ? new FileStatus[0] : children) {
            String name = s.getPath().getName();
            if (s.isDir() && name.startsWith(prefix) && name.endsWith(suffix)
                    && name.length() > prefix.length() + suffix.length()) {
                try {
                    out.add(LocalDate.parse(name.substring(prefix.length(), name.length() - suffix.length())));
                } catch (DateTimeParseException e) {
                    // Another folder beside the dates: not ours to open.
                }
            }
        }
        return out;
    }
}
