package io.reconflow.domain.feed;

import java.time.LocalDate;

/**
 * Reads an RFC 3339 timestamp (or an ISO date) without {@code java.time}'s formatter machinery, on
 * the per-record path. It accepts exactly what {@code OffsetDateTime.parse(s,
 * ISO_OFFSET_DATE_TIME)} (and {@code LocalDate.parse(s, ISO_LOCAL_DATE)}) accept, which the
 * validator used before: a four-digit year (or a signed longer one), {@code T} or {@code t},
 * seconds and a fraction of up to nine digits optional, and an offset {@code Z}, {@code z},
 * {@code ±hh}, {@code ±hh:mm} or {@code ±hh:mm:ss} within ±18:00; dates and times are checked
 * strictly (no February 30, no hour 24, no leap second).
 */
public final class Rfc3339 {

    /** Why a text is not a timestamp. */
    public enum Problem {
        /** A valid local date-time with no offset. */
        NO_OFFSET,
        /** Not a timestamp (or date) at all. */
        INVALID,
        /** A valid timestamp beyond what epoch microseconds hold. */
        OUT_OF_RANGE
    }

    /** Thrown for a text that is not read; carries no stack trace (it is an answer, not a fault). */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        private final Problem problem;

        Invalid(Problem problem) {
            super(problem.name(), null, false, false);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    private static final Invalid INVALID = new Invalid(Problem.INVALID);
    private static final Invalid NO_OFFSET = new Invalid(Problem.NO_OFFSET);
    private static final Invalid OUT_OF_RANGE = new Invalid(Problem.OUT_OF_RANGE);
    private static final long MAX_YEAR = 999_999_999L;
    private static final int MAX_OFFSET_SECONDS = 18 * 3600;

    private Rfc3339() {}

    /** The instant of an RFC 3339 timestamp in microseconds since the epoch (a finer fraction is cut). */
    public static long epochMicros(String s) throws Invalid {
        Cursor c = new Cursor(s);
        long epochDay = date(c);
        int hour;
        int minute;
        int second = 0;
        int nanos = 0;
        if (!c.next('T') && !c.next('t')) {
            throw INVALID;
        }
        hour = c.twoDigits();
        c.expect(':');
        minute = c.twoDigits();
        if (c.next(':')) {
            second = c.twoDigits();
            if (c.next('.')) {
                nanos = c.fraction();
            }
        }
        if (hour > 23 || minute > 59 || second > 59 || epochDay == Long.MIN_VALUE) {
            throw INVALID;
        }
        int offset = offsetSeconds(c);
        long seconds = epochDay * 86_400L + hour * 3_600L + minute * 60L + second - offset;
        try {
            return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1_000L);
        } catch (ArithmeticException e) {
            throw OUT_OF_RANGE;
        }
    }

    /** The epoch day of an ISO {@code YYYY-MM-DD} date. */
    public static long epochDay(String s) throws Invalid {
        Cursor c = new Cursor(s);
        long day = date(c);
        if (day == Long.MIN_VALUE || !c.atEnd()) {
            throw INVALID;
        }
        return day;
    }

    /** The date part; Long.MIN_VALUE when it reads but is no date (so that a later syntax error still wins nothing). */
    private static long date(Cursor c) throws Invalid {
        boolean plus = c.next('+');
        boolean minus = !plus && c.next('-');
        int start = c.pos;
        long year = c.digits(10);
        int length = c.pos - start;
        // java.time's year (SignStyle.EXCEEDS_PAD, strict): 4 digits unsigned, more only with '+', no "-0000".
        if (length < 4 || (!plus && !minus && length > 4) || (plus && length <= 4) || (minus && year == 0)) {
            throw INVALID;
        }
        year = minus ? -year : year;
        c.expect('-');
        int month = c.twoDigits();
        c.expect('-');
        int day = c.twoDigits();
        if (Math.abs(year) > MAX_YEAR || month < 1 || month > 12 || day < 1
                || day > LocalDate.of((int) year, month, 1).lengthOfMonth()) {
            return Long.MIN_VALUE;
        }
        return LocalDate.of((int) year, month, day).toEpochDay();
    }

    private static int offsetSeconds(Cursor c) throws Invalid {
        if (c.atEnd()) {
            throw NO_OFFSET;
        }
        if (c.next('Z') || c.next('z')) {
            c.end();
            return 0;
        }
        int sign = c.next('+') ? 1 : c.next('-') ? -1 : 0;
        if (sign == 0) {
            throw INVALID;
        }
        int seconds = c.twoDigits() * 3_600;
        if (c.next(':')) {
            seconds += c.sixty() * 60;
            if (c.next(':')) {
                seconds += c.sixty();
            }
        }
        c.end();
        if (seconds > MAX_OFFSET_SECONDS) {
            throw INVALID;
        }
        return sign * seconds;
    }

    private static final class Cursor {
        final String s;
        final int n;
        int pos;

        Cursor(String s) {
            this.s = s;
            this.n = s.length();
        }

        boolean atEnd() {
            return pos == n;
        }

        void end() throws Invalid {
            if (pos != n) {
                throw INVALID;
            }
        }

        boolean next(char ch) {
            if (pos < n && s.charAt(pos) == ch) {
                pos++;
                return true;
            }
            return false;
        }

        void expect(char ch) throws Invalid {
            if (!next(ch)) {
                throw INVALID;
            }
        }

        long digits(int max) {
            long v = 0;
            int stop = Math.min(n, pos + max);
            while (pos < stop && isDigit(s.charAt(pos))) {
                v = v * 10 + (s.charAt(pos++) - '0');
            }
            return v;
        }

        int twoDigits() throws Invalid {
            if (pos + 2 > n || !isDigit(s.charAt(pos)) || !isDigit(s.charAt(pos + 1))) {
                throw INVALID;
            }
            int v = (s.charAt(pos) - '0') * 10 + (s.charAt(pos + 1) - '0');
            pos += 2;
            return v;
        }

        /** Minutes or seconds of an offset: two digits, at most 59. */
        int sixty() throws Invalid {
            int v = twoDigits();
            if (v > 59) {
                throw INVALID;
            }
            return v;
        }

        /** Up to nine digits after the point (none is allowed, as java.time allows it), as nanoseconds. */
        int fraction() {
            int start = pos;
            long v = digits(9);
            for (int k = pos - start; k < 9; k++) {
                v *= 10;
            }
            return (int) v;
        }

        private static boolean isDigit(char ch) {
            return ch >= '0' && ch <= '9';
        }
    }
}
