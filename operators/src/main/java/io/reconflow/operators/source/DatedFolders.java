package io.reconflow.operators.source;

import io.reconflow.operators.fetch.ContinuousSchedule;
import io.reconflow.operators.fetch.InternalFolderDates;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.core.fs.Path;

/**
 * A continuous run's internal files: those under a folder {@code prefix + date + suffix} directly
 * under the monitored parent, whose date is open (not before {@code first_date}, within the
 * lookback, not closed) when the file is found. Files of other folders are not read.
 */
public record DatedFolders(InternalFolderDates folders, ContinuousSchedule schedule) implements Serializable {

    /** The business date of a file under a dated folder, or null. */
    @Nullable
    public LocalDate dateOf(Path file) {
        String root = strip(new Path(folders.parent()).toUri().getPath());
        for (Path p = file; p != null && p.getParent() != null; p = p.getParent()) {
            if (strip(p.getParent().toUri().getPath()).equals(root)) {
                return date(p.getName());
            }
        }
        return null;
    }

    @Nullable
    private LocalDate date(String name) {
        if (!name.startsWith(folders.prefix()) || !name.endsWith(folders.suffix())
                || name.length() <= folders.prefix().length() + folders.suffix().length()) {
            return null;
        }
        try {
            return LocalDate.parse(name.substring(folders.prefix().length(), name.length() - folders.suffix().length()));
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The FileSource's filter: the root, and what lies in an open date's folder (no hidden files). */
    public Predicate<Path> filter() {
        return (Predicate<Path> & Serializable) p -> {
            String name = p.getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                return false;
            }
            if (strip(p.toUri().getPath()).equals(strip(new Path(folders.parent()).toUri().getPath()))) {
                return true;
            }
            LocalDate d = dateOf(p);
            return d != null && schedule.openable(d, schedule.clock().millis());
        };
    }

    private static String strip(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
