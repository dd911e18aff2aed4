package io.reconflow.sim;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.Objects;

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
        return fields.stream().map(f -> Objects.requireNonNullElse(canonical(values.get(f)), ""))
                .collect(Collectors.joining("|"));
    }

    /** The lower-case hex SHA-256 of the canonical form over {@code fields}: the idempotency key or content hash. */
    static String hash(Map<String, Object> values, List<String> fields) {
        return sha256(fields.stream().map(f -> f + "=" + Objects.requireNonNullElse(canonical(values.get(f)), "\u0000"))
                .collect(Collectors.joining("\u001f")));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
