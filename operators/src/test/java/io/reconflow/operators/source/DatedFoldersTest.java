package io.reconflow.operators.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.operators.fetch.ContinuousSchedule;
import io.reconflow.operators.fetch.InternalFolderDates;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.function.Predicate;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

/** A continuous run's internal files: the date from the folder's name, and only open dates' folders read. */
class DatedFoldersTest {
    static long now = Instant.parse("2026-11-20T12:00:00Z").toEpochMilli();

    static long now() {
        return now;
    }

    final DatedFolders dated = new DatedFolders(new InternalFolderDates("file:/data/internal/fx", "business_date=", ""),
            new ContinuousSchedule(ZoneId.of("UTC"), LocalTime.MIDNIGHT, EnumSet.allOf(DayOfWeek.class),
                    LocalDate.parse("2026-11-19"), 7, Duration.ofHours(6), 1000, DatedFoldersTest::now));

    @Test
    void aFilesDateIsItsDatedFoldersNameDirectlyUnderTheMonitoredFolder() {
        assertThat(dated.dateOf(new Path("file:/data/internal/fx/business_date=2026-11-20/ours.csv")))
                .isEqualTo(LocalDate.parse("2026-11-20"));
        assertThat(dated.dateOf(new Path("file:/data/internal/fx/business_date=2026-11-20/more/ours.csv")))
                .isEqualTo(LocalDate.parse("2026-11-20"));
        assertThat(dated.dateOf(new Path("file:/data/internal/fx/ours.csv"))).isNull();
        assertThat(dated.dateOf(new Path("file:/data/internal/fx/business_date=yesterday/ours.csv"))).isNull();
        assertThat(dated.dateOf(new Path("file:/data/other/business_date=2026-11-20/ours.csv"))).isNull();
    }

    @Test
    void onlyTheFoldersOfOpenDatesAreReadAndNoHiddenFile() {
        Predicate<Path> filter = dated.filter();
        assertThat(filter.test(new Path("file:/data/internal/fx"))).isTrue();
        assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-20"))).isTrue();
        assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-20/ours.csv"))).isTrue();
        assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-20/.ours.csv"))).isFalse();
        assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-18/ours.csv"))).as("before first_date").isFalse();
        assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-21/ours.csv"))).as("tomorrow").isFalse();
        assertThat(filter.test(new Path("file:/data/internal/fx/ours.csv"))).isFalse();
        now = Instant.parse("2026-11-21T06:00:00Z").toEpochMilli(); // the 20th closed
        try {
            assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-20/late.csv"))).isFalse();
            assertThat(filter.test(new Path("file:/data/internal/fx/business_date=2026-11-21/ours.csv"))).isTrue();
        } finally {
            now = Instant.parse("2026-11-20T12:00:00Z").toEpochMilli();
        }
    }
}
