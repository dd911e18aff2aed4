package io.reconflow.operators.fetch;

import io.reconflow.operators.BusinessDeadline;
import java.io.Serializable;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * When business dates of a continuous run open and close. A date opens at {@code openAt} in
 * {@code zone} on one of {@code days} (the calendar; off when {@code days} is empty), or when its
 * internal folder appears; never before {@code firstDate}, never more than {@code lookbackDays}
 * before today, and never once closed. A date closes at its {@link BusinessDeadline} (end of the
 * date, UTC, plus {@code grace}): its manifest is no longer polled and its keys are decided.
 *
 * @param manifestPollMs how often an open date's manifest is asked for
 */
public record ContinuousSchedule(ZoneId zone, LocalTime openAt, Set<DayOfWeek> days, @Nullable LocalDate firstDate,
                                 int lookbackDays, Duration grace, long manifestPollMs,
                                 BusinessClock clock) implements Serializable {

    public ContinuousSchedule {
        days = days.isEmpty() ? EnumSet.noneOf(DayOfWeek.class) : EnumSet.copyOf(days);
    }

    /** The event time at which {@code date} closes. */
    public long closeAt(LocalDate date) {
        return BusinessDeadline.of(date.toString(), grace);
    }

    /** Whether {@code date} may be open at {@code now} at all (whatever opened it). */
    public boolean openable(LocalDate date, long now) {
        LocalDate today = today(now);
        return !date.isAfter(today)
                && (firstDate == null || !date.isBefore(firstDate))
                && !date.isBefore(today.minusDays(lookbackDays))
                && now < closeAt(date);
    }

    /** The dates the calendar has opened by {@code now} and that are not closed, oldest first. */
    public List<LocalDate> calendarDates(long now) {
        List<LocalDate> out = new ArrayList<>();
        if (days.isEmpty()) {
            return out;
        }
        LocalDate today = today(now);
        for (LocalDate d = today.minusDays(lookbackDays); !d.isAfter(today); d = d.plusDays(1)) {
            boolean opened = !Instant.ofEpochMilli(now).isBefore(d.atTime(openAt).atZone(zone).toInstant());
            if (days.contains(d.getDayOfWeek()) && opened && openable(d, now)) {
                out.add(d);
            }
        }
        return out;
    }

    public LocalDate today(long now) {
        return Instant.ofEpochMilli(now).atZone(zone).toLocalDate();
    }
}
