package io.reconflow.job.config;

import io.reconflow.job.ConfigException;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The small validator of bound values: each check names the key it judges, so every message starts
 * with the key at fault. A null value is a key that was left out.
 */
final class Check {
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    static final String NAME_HELP = "a name of lower-case letters, digits, - and _";
    static final Pattern ENV_VAR = Pattern.compile("[A-Z_][A-Z0-9_]*");
    static final String ENV_VAR_HELP = "an environment variable name (A-Z, 0-9, _)";

    private Check() {
    }

    static <T> T required(String key, T value) {
        if (value == null) {
            throw new ConfigException(key, "is required");
        }
        return value;
    }

    /** A required, non-blank text. */
    static String text(String key, String value) {
        if (required(key, value).isBlank()) {
            throw new ConfigException(key, "must not be empty");
        }
        return value;
    }

    static String text(String key, String value, String fallback) {
        return value == null ? fallback : text(key, value);
    }

    static String matching(String key, String value, Pattern pattern, String what) {
        String s = text(key, value);
        if (!pattern.matcher(s).matches()) {
            throw new ConfigException(key, "'" + s + "' is not " + what);
        }
        return s;
    }

    static String matching(String key, String value, Pattern pattern, String what, String fallback) {
        return value == null ? fallback : matching(key, value, pattern, what);
    }

    static int positive(String key, Integer value, int fallback) {
        return value == null ? fallback : (int) positive(key, (long) value, fallback);
    }

    static long positive(String key, Long value, long fallback) {
        if (value == null) {
            return fallback;
        }
        if (value < 1) {
            throw new ConfigException(key, "must be at least 1, not " + value);
        }
        return value;
    }

    static Duration positive(String key, Duration value, Duration fallback) {
        Duration d = value == null ? fallback : value;
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(key, "must be longer than zero");
        }
        return d;
    }

    static Duration atLeast(String key, Duration value, Duration fallback, Duration least) {
        Duration d = value == null ? fallback : value;
        if (d.compareTo(least) < 0) {
            throw new ConfigException(key, "must be at least " + least.toMillis() + "ms");
        }
        return d;
    }

    /** A required list without empty entries. */
    static <T> List<T> list(String key, List<T> value) {
        required(key, value);
        for (int i = 0; i < value.size(); i++) {
            required(key + "[" + i + "]", value.get(i));
        }
        return value;
    }

    /** A required list of non-blank texts. */
    static List<String> texts(String key, List<String> value) {
        list(key, value);
        for (int i = 0; i < value.size(); i++) {
            text(key + "[" + i + "]", value.get(i));
        }
        return List.copyOf(value);
    }
}
