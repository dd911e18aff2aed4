package io.reconflow.domain.feed;

import org.apache.flink.types.Row;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;

/**
 * The UTF-8 bytes of {@link RecordKeys}' canonical form, written straight into one reused buffer:
 * the same bytes as {@code canonicalForm(...).getBytes(UTF_8)}, without the String, the
 * StringBuilder or the decimals' and instants' texts in between (they were most of a content
 * hash's cost). Decimals of up to 18 digits and instants of years 1 to 9999 are written here;
 * anything else goes through {@link FeedValues#canonical}. One per {@link RecordKeys}: not thread-safe.
 */
final class CanonicalBytes {
    private static final byte SEPARATOR = 0x1f;
    private static final long MIN_FAST_DAY = LocalDate.of(1, 1, 1).toEpochDay();
    private static final long MAX_FAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    private byte[] buf = new byte[512];
    private int n;
    /** A decimal's digits, written from the right. */
    private final byte[] scratch = new byte[20];

    byte[] bytes() {
        return buf;
    }

    int length() {
        return n;
    }

    /** Writes the canonical form of {@code fields} of {@code record}; {@code names} are their "name=" bytes. */
    void fill(Row record, List<FieldSpec> fields, byte[][] names) {
        n = 0;
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                put(SEPARATOR);
            }
            FieldSpec f = fields.get(i);
            put(names[i]);
            Object v = record.getField(f.position());
            if (v == null) {
                put((byte) 0);
            } else if (f.kind() == FieldKind.STRING || f.kind() == FieldKind.ENUM) {
                putText((String) v);
            } else if (f.kind() == FieldKind.DECIMAL) {
                putDecimal((BigDecimal) v);
            } else if (f.kind() == FieldKind.TIMESTAMP) {
                putInstant((Long) v);
            } else {
                putText(FeedValues.canonical(record, f));
            }
        }
    }

    private void ensure(int more) {
        if (n + more > buf.length) {
            byte[] bigger = new byte[Math.max(n + more, 2 * buf.length)];
            System.arraycopy(buf, 0, bigger, 0, n);
            buf = bigger;
        }
    }

    private void put(byte b) {
        ensure(1);
        buf[n++] = b;
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
    }

    /** ASCII as it is; any other text through the JDK's encoder, exactly as getBytes(UTF_8) would. */
    private void putText(String s) {
        int len = s.length();
        ensure(len);
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                put(s.getBytes(StandardCharsets.UTF_8));
                return;
            }
            buf[n + i] = (byte) c;
        }
        n += len;
    }

    /** {@link FeedValues#plain}: plain notation, no trailing zeros in a fraction, zero as "0". */
    private void putDecimal(BigDecimal d) {
        if (d.signum() == 0) {
            put((byte) '0');
            return;
        }
        BigInteger unscaledBig = d.unscaledValue();
        int scale = d.scale();
        if (scale < 0 || unscaledBig.bitLength() > 62) {
            putText(FeedValues.plain(d));
            return;
        }
        long unscaled = Math.abs(unscaledBig.longValue());
        while (scale > 0 && unscaled % 10 == 0) {
            unscaled /= 10;
            scale--;
        }
        int count = 0;
        for (long u = unscaled; u > 0; u /= 10) {
            scratch[scratch.length - ++count] = (byte) ('0' + u % 10);
        }
        ensure(count + scale + 3);
        if (d.signum() < 0) {
            buf[n++] = '-';
        }
        int from = scratch.length - count;
        if (scale == 0) {
            System.arraycopy(scratch, from, buf, n, count);
            n += count;
        } else if (scale >= count) {
            buf[n++] = '0';
            buf[n++] = '.';
            for (int z = scale - count; z > 0; z--) {
                buf[n++] = '0';
            }
            System.arraycopy(scratch, from, buf, n, count);
            n += count;
        } else {
            int whole = count - scale;
            System.arraycopy(scratch, from, buf, n, whole);
            n += whole;
            buf[n++] = '.';
            System.arraycopy(scratch, from + whole, buf, n, scale);
            n += scale;
        }
    }

    /** {@link FeedValues#instantText}, as bytes. */
    private void putInstant(long epochMicros) {
        long seconds = Math.floorDiv(epochMicros, 1_000_000L);
        int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
        long day = Math.floorDiv(seconds, 86_400L);
        if (day < MIN_FAST_DAY || day > MAX_FAST_DAY) {
            putText(FeedValues.instantText(epochMicros));
            return;
        }
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        LocalDate date = LocalDate.ofEpochDay(day);
        ensure(27);
        digits(date.getYear(), 4);
        buf[n++] = '-';
        digits(date.getMonthValue(), 2);
        buf[n++] = '-';
        digits(date.getDayOfMonth(), 2);
        buf[n++] = 'T';
        digits(secondOfDay / 3600, 2);
        buf[n++] = ':';
        digits(secondOfDay / 60 % 60, 2);
        buf[n++] = ':';
        digits(secondOfDay % 60, 2);
        if (micros != 0) {
            buf[n++] = '.';
            if (micros % 1000 == 0) {
                digits(micros / 1000, 3);
            } else {
                digits(micros, 6);
            }
        }
        buf[n++] = 'Z';
    }

    private void digits(int value, int count) {
        for (int i = n + count - 1; i >= n; i--) {
            buf[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        n += count;
    }
}
