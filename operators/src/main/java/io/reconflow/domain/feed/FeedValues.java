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
            case TIMESTAMP -> instant((Long) v).toString();
            case DATE -> LocalDate.ofEpochDay((Integer) v).toString();
        };
    }

    public static String plain(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        return d.stripTrailingZeros().toPlainString();
    }
}
