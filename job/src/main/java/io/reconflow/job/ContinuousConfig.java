package io.reconflow.job;

import io.reconflow.operators.fetch.BusinessClock;
import io.reconflow.operators.fetch.ContinuousSchedule;
import io.reconflow.operators.fetch.InternalFolderDates;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The {@code continuous} block of a reconciliation in {@code mode: continuous} (README, "Continuous
 * mode"): when dates open (a calendar, and/or as internal folders appear), how often manifests and
 * the internal folder are polled, and the keyed state's TTL.
 */
public record ContinuousConfig(ZoneId timeZone, LocalTime openAt, Set<DayOfWeek> days, @Nullable LocalDate firstDate,
                               int lookbackDays, boolean openOnInternalFolder, Duration manifestPoll,
                               Duration folderPoll, Duration stateTtl) {

    static final String DAYS_HELP = "days of the week as MON, TUE, WED, THU, FRI, SAT, SUN";

    static ContinuousConfig bind(ConfigNode c, Duration grace) {
        c.onlyKeys("calendar", "open_on_internal_folder", "manifest_poll", "folder_poll", "state_ttl");
        ZoneId zone = ZoneId.of("UTC");
        LocalTime openAt = LocalTime.MIDNIGHT;
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        LocalDate first = null;
        int lookback = 0;
        ConfigNode cal = c.get("calendar");
        if (cal.present()) {
            cal.onlyKeys("time_zone", "open_at", "days", "first_date", "lookback_days");
            try {
                zone = ZoneId.of(cal.get("time_zone").string("UTC"));
            } catch (DateTimeException e) {
                throw new ConfigException(cal.get("time_zone").path(), "is not a time zone (Europe/London, UTC): " + e.getMessage());
            }
            if (cal.get("open_at").present()) {
                String t = cal.get("open_at").string();
                try {
                    openAt = LocalTime.parse(t);
                } catch (DateTimeParseException e) {
                    throw new ConfigException(cal.get("open_at").path(), "'" + t + "' is not a time of day HH:MM (quote it: \"06:00\")");
                }
            }
            days = EnumSet.allOf(DayOfWeek.class);
            if (cal.get("days").present()) {
                days = EnumSet.noneOf(DayOfWeek.class);
                for (ConfigNode d : cal.get("days").list()) {
                    days.add(day(d));
                }
            }
            first = cal.get("first_date").present() ? cal.get("first_date").date() : null;
            lookback = cal.get("lookback_days").present() ? nonNegative(cal.get("lookback_days")) : 0;
        }
        boolean folders = c.get("open_on_internal_folder").bool(false);
        if (days.isEmpty() && !folders) {
            throw new ConfigException("continuous", "opens no business date: give continuous.calendar, or open_on_internal_folder: true");
        }
        Duration manifestPoll = c.get("manifest_poll").duration(Duration.ofMinutes(5));
        Duration folderPoll = c.get("folder_poll").duration(Duration.ofMinutes(1));
        for (String k : new String[] {"manifest_poll", "folder_poll"}) {
            Duration d = k.equals("manifest_poll") ? manifestPoll : folderPoll;
            if (d.compareTo(Duration.ofMillis(100)) < 0) {
                throw new ConfigException("continuous." + k, "must be at least 100ms");
            }
        }
        Duration ttl = c.get("state_ttl").duration(grace.plusDays(2));
        if (ttl.compareTo(grace.plusDays(1)) <= 0) {
            throw new ConfigException("continuous.state_ttl", "must be longer than a date stays open (1 day + matching.grace = "
                    + grace.plusDays(1) + ")");
        }
        return new ContinuousConfig(zone, openAt, days, first, lookback, folders, manifestPoll, folderPoll, ttl);
    }

    private static DayOfWeek day(ConfigNode d) {
        String s = d.string().trim().toUpperCase(Locale.ROOT);
        for (DayOfWeek w : DayOfWeek.values()) {
            if (w.name().startsWith(s) && s.length() >= 3) {
                return w;
            }
        }
        throw new ConfigException(d.path(), "'" + d.string() + "' is not one of the " + DAYS_HELP);
    }

    private static int nonNegative(ConfigNode n) {
        String s = n.string();
        try {
            int v = Integer.parseInt(s.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ConfigException(n.path(), "must be a whole number of days, 0 or more, not '" + s + "'");
    }

    /** When dates open and close, on {@code clock}. */
    public ContinuousSchedule schedule(Duration grace, BusinessClock clock) {
        return new ContinuousSchedule(timeZone, openAt, days, firstDate, lookbackDays, grace, manifestPoll.toMillis(), clock);
    }

    /** The dated folders under the parent of {@code internal.path}'s {@code {business_date}} segment. */
    static InternalFolderDates folders(String pathPattern) {
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
