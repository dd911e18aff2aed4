package io.reconflow.job;

import io.reconflow.operators.fetch.BusinessClock;
import io.reconflow.operators.fetch.ContinuousSchedule;
import io.reconflow.operators.fetch.InternalFolderDates;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The {@code continuous} block of a reconciliation in {@code mode: continuous} (README, "Continuous
 * mode"): when dates open (a calendar, and/or as internal folders appear), how often manifests and
 * the internal folder are polled, and the keyed state's TTL. Bound and checked by
 * {@link io.reconflow.job.config.ConfigBinder}.
 */
public record ContinuousConfig(ZoneId timeZone, LocalTime openAt, Set<DayOfWeek> days, @Nullable LocalDate firstDate,
                               int lookbackDays, boolean openOnInternalFolder, Duration manifestPoll,
                               Duration folderPoll, Duration stateTtl) {

    /** When dates open and close, on {@code clock}. */
    public ContinuousSchedule schedule(Duration grace, BusinessClock clock) {
        return new ContinuousSchedule(timeZone, openAt, days, firstDate, lookbackDays, grace, manifestPoll.toMillis(), clock);
    }

    /** The dated folders under the parent of {@code internal.path}'s {@code {business_date}} segment. */
    public static InternalFolderDates folders(String pathPattern) {
        int at = pathPattern.indexOf("{business_date}");
        int slash = pathPattern.lastIndexOf('/', at);
        String segment = pathPattern.substring(slash + 1);
        if (at < 0 || segment.contains("/") || slash < 0) {
            throw new ConfigException("internal.path", "must end in a folder named with {business_date} (…/business_date={business_date}) in continuous mode");
        }
        String parent = Sources.qualified(pathPattern.substring(0, slash)).toString();
        return new InternalFolderDates(parent, segment.substring(0, segment.indexOf("{business_date}")),
                segment.substring(segment.indexOf("{business_date}") + "{business_date}".length()));
    }
}
