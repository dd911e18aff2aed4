package io.reconflow.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A node of the YAML tree that knows its own key, so every error names the key that is wrong. */
final class ConfigNode {
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final String path;
    private final JsonNode node;

    ConfigNode(String path, JsonNode node) {
        this.path = path;
        this.node = node;
    }

    String path() {
        return path;
    }

    boolean present() {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    ConfigNode get(String key) {
        requireObject();
        return new ConfigNode(child(key), node.get(key));
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigNode object() {
        requireObject();
        return this;
    }

    private void requireObject() {
        if (!present() || !node.isObject()) {
            throw new ConfigException(path.isEmpty() ? "(top level)" : path, present() ? "must be a mapping" : "is required");
        }
    }

    /** Rejects keys this node does not know, which are most often typos. */
    ConfigNode onlyKeys(String... keys) {
        requireObject();
        Set<String> known = Set.of(keys);
        for (Iterator<String> it = ((ObjectNode) node).fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new ConfigException(child(k), "unknown key; known here: " + String.join(", ", keys));
            }
        }
        return this;
    }

    String string() {
        if (!present()) {
            throw new ConfigException(path, "is required");
        }
        if (!node.isValueNode()) {
            throw new ConfigException(path, "must be a single value");
        }
        String s = node.asText();
        if (s.isBlank()) {
            throw new ConfigException(path, "must not be empty");
        }
        return s;
    }

    String string(String fallback) {
        return present() ? string() : fallback;
    }

    String matching(Pattern pattern, String what) {
        String s = string();
        if (!pattern.matcher(s).matches()) {
            throw new ConfigException(path, "'" + s + "' is not " + what);
        }
        return s;
    }

    String matching(Pattern pattern, String what, String fallback) {
        return present() ? matching(pattern, what) : fallback;
    }

    int positiveInt(int fallback) {
        if (!present()) {
            return fallback;
        }
        if (!node.canConvertToInt() || !(node.isIntegralNumber() || node.isTextual())) {
            throw new ConfigException(path, "must be a whole number, not '" + node.asText() + "'");
        }
        int v;
        try {
            v = node.isTextual() ? Integer.parseInt(node.asText().trim()) : node.asInt();
        } catch (NumberFormatException e) {
            throw new ConfigException(path, "must be a whole number, not '" + node.asText() + "'");
        }
        if (v < 1) {
            throw new ConfigException(path, "must be at least 1, not " + v);
        }
        return v;
    }

    long positiveLong(long fallback) {
        if (!present()) {
            return fallback;
        }
        try {
            long v = Long.parseLong(node.asText().trim());
            if (v < 1) {
                throw new ConfigException(path, "must be at least 1, not " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(path, "must be a whole number, not '" + node.asText() + "'");
        }
    }

    BigDecimal decimal() {
        String s = string();
        try {
            return new BigDecimal(s.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(path, "must be a decimal number, not '" + s + "'");
        }
    }

    /** ISO-8601 ({@code PT5S}, {@code P2D}) or short ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 7d}). */
    Duration duration(Duration fallback) {
        if (!present()) {
            return fallback;
        }
        String s = string().trim();
        Matcher m = SHORT_DURATION.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            Duration d = Duration.parse(s);
            if (d.isNegative()) {
                throw new ConfigException(path, "must not be negative");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException(path, "'" + s + "' is not a duration (PT5S, P2D, 500ms, 5s, 2m, 1h, 7d)");
        }
    }

    LocalDate date() {
        String s = string();
        try {
            return LocalDate.parse(s.trim());
        } catch (DateTimeParseException e) {
            throw new ConfigException(path, "'" + s + "' is not a YYYY-MM-DD date");
        }
    }

    boolean bool(boolean fallback) {
        if (!present()) {
            return fallback;
        }
        String s = node.asText();
        if (!"true".equals(s) && !"false".equals(s)) {
            throw new ConfigException(path, "must be true or false, not '" + s + "'");
        }
        return Boolean.parseBoolean(s);
    }

    List<ConfigNode> list() {
        if (!present()) {
            throw new ConfigException(path, "is required");
        }
        if (!node.isArray()) {
            throw new ConfigException(path, "must be a list");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            out.add(new ConfigNode(path + "[" + i + "]", node.get(i)));
        }
        return out;
    }

    <T> List<T> list(Function<ConfigNode, T> each) {
        return list().stream().map(each).toList();
    }

    /** A mapping of single values, in YAML order. */
    java.util.Map<String, String> stringMap() {
        requireObject();
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Iterator<String> it = ((ObjectNode) node).fieldNames(); it.hasNext(); ) {
            String k = it.next();
            out.put(k, get(k).string());
        }
        return out;
    }

    List<String> strings() {
        return list(ConfigNode::string);
    }
}
