package io.reconflow.domain.feed;

import org.apache.flink.types.Row;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads typed values out of a feed record ({@link FeedRows}: decimals as BigDecimal, timestamps as
 * epoch microseconds, dates as epoch days) and renders them in the canonical text form used for
 * keys, hashes and break reports.
 */
public final class FeedValues {
    private FeedValues() {}

    public static BigDecimal decimal(ByteBuffer unscaled, int scale) {
        ByteBuffer b = unscaled.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return decimal(bytes, scale);
    }

    /** A big-endian two's complement unscaled value (Avro's and Parquet's decimal encoding). */
    public static BigDecimal decimal(byte[] unscaled, int scale) {
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    /** Avro's decimal encoding of a value already at the field's scale. */
    public static ByteBuffer decimalBytes(BigDecimal atScale) {
        return ByteBuffer.wrap(atScale.unscaledValue().toByteArray());
    }

    public static Instant instant(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
                Math.floorMod(epochMicros, 1_000_000L) * 1_000L);
    }

    public static long epochMicros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }

    /**
     * The field's value as a comparable Java value: String, Integer, Long, Boolean, BigDecimal,
     * Long epoch micros (timestamps) or Integer epoch days (dates); null when absent.
     */
    public static Object comparable(Row record, FieldSpec field) {
        // The row holds exactly these values already (FeedRows).
        return record.getField(field.position());
    }

    /**
     * Canonical text of a value: strings and enum symbols as they are, numbers in plain decimal
     * without trailing zeros ({@code 12.500} is {@code 12.5}), instants in UTC ISO-8601 ({@code
     * 2026-11-20T05:00:00Z}), dates as {@code YYYY-MM-DD}; null as null.
     */
    public static String canonical(Row record, FieldSpec field) {
        Object v = record.getField(field.position());
        if (v == null) {
            return null;
        }
        return switch (field.kind()) {
            case STRING, ENUM -> (String) v;
            case INT, LONG, BOOLEAN -> v.toString();
            case DECIMAL -> plain((BigDecimal) v);
            case TIMESTAMP -> instantText((Long) v);
            case DATE -> LocalDate.ofEpochDay((Integer) v).toString();
        };
    }

    public static String plain(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        // Trimming the plain text gives what stripTrailingZeros() would, without its BigInteger divisions.
        String text = d.toPlainString();
        if (d.scale() <= 0) {
            return text;
        }
        int end = text.length();
        while (text.charAt(end - 1) == '0') {
            end--;
        }
        if (text.charAt(end - 1) == '.') {
            end--;
        }
        return end == text.length() ? text : text.substring(0, end);
    }

    /**
     * {@code instant(epochMicros).toString()} (ISO-8601 in UTC, the fraction in groups of three
     * digits as needed), written directly for years 1 to 9999 rather than through a formatter.
     */
    public static String instantText(long epochMicros) {
        long seconds = Math.floorDiv(epochMicros, 1_000_000L);
        int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
        long day = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        if (day < MIN_FAST_DAY || day > MAX_FAST_DAY) {
            return instant(epochMicros).toString();
        }
        LocalDate date = LocalDate.ofEpochDay(day);
        char[] c = new char[27];
        put(c, 0, date.getYear(), 4);
        c[4] = '-';
        put(c, 5, date.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, date.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, secondOfDay / 3600, 2);
        c[13] = ':';
        put(c, 14, secondOfDay / 60 % 60, 2);
        c[16] = ':';
        put(c, 17, secondOfDay % 60, 2);
        int n = 19;
        if (micros != 0) {
            c[n++] = '.';
            if (micros % 1000 == 0) {
                put(c, n, micros / 1000, 3);
                n += 3;
            } else {
                put(c, n, micros, 6);
                n += 6;
            }
        }
        c[n++] = 'Z';
        return new String(c, 0, n);
    }

    private static final long MIN_FAST_DAY = LocalDate.of(1, 1, 1).toEpochDay();
    private static final long MAX_FAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    private static void put(char[] c, int at, int value, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
