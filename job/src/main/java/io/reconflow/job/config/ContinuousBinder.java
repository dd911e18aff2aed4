package io.reconflow.job.config;

import io.reconflow.job.ConfigException;
import io.reconflow.job.ContinuousConfig;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The {@code continuous} block of {@code mode: continuous} (README, "Continuous mode"). */
final class ContinuousBinder {
    static final String DAYS_HELP = "days of the week as MON, TUE, WED, THU, FRI, SAT, SUN";

    private ContinuousBinder() {
    }

    static ContinuousConfig bind(ReconYaml.Continuous c, Duration grace) {
        Check.required("continuous", c);
        ZoneId zone = ZoneId.of("UTC");
        LocalTime openAt = LocalTime.MIDNIGHT;
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        LocalDate first = null;
        int lookback = 0;
        ReconYaml.Calendar cal = c.calendar();
        if (cal != null) {
            String zoneId = Check.text("continuous.calendar.time_zone", cal.timeZone(), "UTC");
            try {
                zone = ZoneId.of(zoneId);
            } catch (DateTimeException e) {
                throw new ConfigException("continuous.calendar.time_zone", "is not a time zone (Europe/London, UTC): " + e.getMessage());
            }
            if (cal.openAt() != null) {
                String t = Check.text("continuous.calendar.open_at", cal.openAt());
                try {
                    openAt = LocalTime.parse(t);
                } catch (DateTimeParseException e) {
                    throw new ConfigException("continuous.calendar.open_at", "'" + t + "' is not a time of day HH:MM (quote it: \"06:00\")");
                }
            }
            days = cal.days() == null ? EnumSet.allOf(DayOfWeek.class) : days(cal.days());
            first = cal.firstDate();
            if (cal.lookbackDays() != null) {
                lookback = cal.lookbackDays();
                if (lookback < 0) {
                    throw new ConfigException("continuous.calendar.lookback_days", "must be a whole number of days, 0 or more, not '" + lookback + "'");
                }
            }
        }
        boolean folders = Boolean.TRUE.equals(c.openOnInternalFolder());
        if (days.isEmpty() && !folders) {
            throw new ConfigException("continuous", "opens no business date: give continuous.calendar, or open_on_internal_folder: true");
        }
        Duration least = Duration.ofMillis(100);
        Duration manifestPoll = Check.atLeast("continuous.manifest_poll", c.manifestPoll(), Duration.ofMinutes(5), least);
        Duration folderPoll = Check.atLeast("continuous.folder_poll", c.folderPoll(), Duration.ofMinutes(1), least);
        Duration ttl = c.stateTtl() == null ? grace.plusDays(2) : c.stateTtl();
        if (ttl.compareTo(grace.plusDays(1)) <= 0) {
            throw new ConfigException("continuous.state_ttl", "must be longer than a date stays open (1 day + matching.grace = "
                    + grace.plusDays(1) + ")");
        }
        return new ContinuousConfig(zone, openAt, days, first, lookback, folders, manifestPoll, folderPoll, ttl);
    }

    private static Set<DayOfWeek> days(List<String> names) {
        Check.list("continuous.calendar.days", names);
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (int i = 0; i < names.size(); i++) {
            days.add(day("continuous.calendar.days[" + i + "]", names.get(i)));
        }
        return days;
    }

    private static DayOfWeek day(String key, String name) {
        String s = Check.text(key, name).trim().toUpperCase(Locale.ROOT);
        for (DayOfWeek w : DayOfWeek.values()) {
            if (w.name().startsWith(s) && s.length() >= 3) {
                return w;
            }
        }
        throw new ConfigException(key, "'" + name + "' is not one of the " + DAYS_HELP);
    }
}
