package io.reconflow.sim;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The keys of a generated record, from the values the generator wrote, by the README's recipe
 * ("Keys"): canonical values (strings and symbols as they are, numbers plain without trailing
 * zeros, instants in UTC ISO-8601, dates as YYYY-MM-DD, absent as U+0000), {@code name=value} joined
 * with U+001F and hashed with SHA-256; the match key is the canonical values joined with {@code |}.
 * Written apart from the job's key code, so the truth does not inherit its mistakes.
 */
final class SimKeys {
    private SimKeys() {}

    /** The canonical text of a typed value, or null when it is absent. */
    static String canonical(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        return v.toString(); // String, symbol, Integer, Long, Boolean, Instant (UTC, ISO), LocalDate
    }

    /** The canonical values of {@code fields} joined with {@code |}, absent ones empty. */
    static String matchKey(Map<String, Object> values, List<String> fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append('|');
            }
            String c = canonical(values.get(fields.get(i)));
            sb.append(c == null ? "" : c);
        }
        return sb.toString();
    }

    /** The lower-case hex SHA-256 of the canonical form over {@code fields}: the idempotency key or content hash. */
    static String hash(Map<String, Object> values, List<String> fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append('\u001f');
            }
            String c = canonical(values.get(fields.get(i)));
            sb.append(fields.get(i)).append('=').append(c == null ? "\u0000" : c);
        }
        return sha256(sb.toString());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
