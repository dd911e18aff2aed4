package io.reconflow.domain.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.reconflow.events.ErrorCode;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * Reads one record's JSON text into a tree, once, with bounds of its own that say exactly what is
 * wrong: a key repeated within an object ({@code DUPLICATE_KEY}), a string holding U+0000
 * ({@code NUL_CHARACTER}) or a lone surrogate ({@code BAD_ENCODING}), a number whose text is longer
 * than {@value #MAX_NUMBER_CHARS} characters or whose exponent is beyond ±{@value #MAX_EXPONENT}
 * ({@code NUMBER_TOO_LONG}, checked before any {@link BigDecimal} is built), nesting deeper than
 * {@value #MAX_DEPTH}, and anything that is not standard JSON ({@code RECORD_UNPARSEABLE}: NaN,
 * raw control characters, trailing content). Jackson's own limits are lifted so that these, not
 * they, always decide. Numbers become exact nodes (integers as integers, the rest as BigDecimal).
 */
public final class RecordJson {
    /** Longest number text read: a DECIMAL(38,18) needs 40 characters; the rest is room for zeros. */
    public static final int MAX_NUMBER_CHARS = 100;
    /** Largest exponent magnitude read: DECIMAL(38,18) spans 1e-18 to 1e20. */
    public static final int MAX_EXPONENT = 100;
    /** Deepest nesting read: a feed record is flat. */
    public static final int MAX_DEPTH = 32;

    /** What a read came to: exactly one of {@code node} and {@code violation} is set. */
    public record Result(JsonNode node, Violation violation) {}

    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .build())
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RecordJson() {}

    public static Result read(String text) {
        try {
            return read(JSON.createParser(text));
        } catch (IOException e) {
            return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record could not be read: " + e.getMessage());
        }
    }

    /** Reads the first {@code length} bytes of {@code bytes} from {@code offset}, as UTF-8 JSON. */
    public static Result read(byte[] bytes, int offset, int length) {
        try {
            return read(JSON.createParser(bytes, offset, length));
        } catch (IOException e) {
            return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record could not be read: " + e.getMessage());
        }
    }

    private static Result read(JsonParser parser) {
        try (JsonParser p = parser) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is empty");
            }
            JsonNode node = value(p, t, 0, null);
            if (p.nextToken() != null) {
                return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is not valid JSON: trailing content after the value");
            }
            return new Result(node, null);
        } catch (Invalid e) {
            return new Result(null, e.violation);
        } catch (JsonProcessingException e) {
            return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record could not be read: " + e.getMessage());
        }
    }

    static Result invalid(ErrorCode code, String field, String message) {
        return new Result(null, new Violation(code, field, message));
    }

    static final class Invalid extends IOException {
        private static final long serialVersionUID = 1L;
        final transient Violation violation;

        Invalid(ErrorCode code, String field, String message) {
            super(message);
            this.violation = new Violation(code, field, message);
        }
    }

    /** @param field the record's top-level field the value lies under (null for the record itself) */
    static JsonNode value(JsonParser p, JsonToken t, int depth, String field) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                nest(depth, field);
                ObjectNode o = NODES.objectNode();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    String under = depth == 0 ? name : field;
                    checkText(name, under, "key");
                    JsonNode v = value(p, p.nextToken(), depth + 1, under);
                    if (o.replace(name, v) != null) {
                        throw new Invalid(ErrorCode.DUPLICATE_KEY, under, "key '" + Texts.abbreviate(name)
                                + "' appears more than once in one object");
                    }
                }
                return o;
            }
            case START_ARRAY -> {
                nest(depth, field);
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(value(p, e, depth + 1, field));
                }
                return a;
            }
            case VALUE_STRING -> {
                String s = p.getText();
                checkText(s, field, "value");
                return TextNode.valueOf(s);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                checkNumber(p, field);
                if (t == JsonToken.VALUE_NUMBER_INT) {
                    return switch (p.getNumberType()) {
                        case INT -> NODES.numberNode(p.getIntValue());
                        case LONG -> NODES.numberNode(p.getLongValue());
                        default -> NODES.numberNode(p.getBigIntegerValue());
                    };
                }
                BigDecimal d = p.getDecimalValue();
                return d.signum() == 0 ? DecimalNode.valueOf(BigDecimal.ZERO) : DecimalNode.valueOf(d.stripTrailingZeros());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return BooleanNode.valueOf(t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NullNode.getInstance();
            }
            default -> throw new Invalid(ErrorCode.RECORD_UNPARSEABLE, field, "record is not valid JSON: unexpected " + t);
        }
    }

    private static void nest(int depth, String field) throws Invalid {
        if (depth >= MAX_DEPTH) {
            throw new Invalid(ErrorCode.RECORD_UNPARSEABLE, field, "record is nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    /** No U+0000 (PostgreSQL text cannot hold it) and no surrogate without its pair (not Unicode). */
    static void checkText(String s, String rawField, String what) throws Invalid {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                String field = shown(rawField);
                throw new Invalid(ErrorCode.NUL_CHARACTER, field, (field == null ? "a " : field + ": a ") + what
                        + " holds U+0000 at character " + i + ", which text cannot store");
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                String field = shown(rawField);
                throw new Invalid(ErrorCode.BAD_ENCODING, field, (field == null ? "a " : field + ": a ") + what
                        + " holds the lone surrogate \\u" + Integer.toHexString(c) + " at character " + i
                        + ", which is not Unicode text");
            }
        }
    }

    /** A key that fails names itself: shown with U+FFFD in place of what cannot be stored. */
    private static String shown(String rawField) {
        return rawField == null ? null : Texts.abbreviate(rawField.replace('\u0000', '\uFFFD'));
    }

    /** Length and exponent, from the token's text: nothing is converted before they pass. */
    private static void checkNumber(JsonParser p, String field) throws IOException {
        int length = p.getTextLength();
        if (length > MAX_NUMBER_CHARS) {
            String where = field == null ? "a number" : field + ": a number";
            throw new Invalid(ErrorCode.NUMBER_TOO_LONG, field, where + " of " + length
                    + " characters is longer than the " + MAX_NUMBER_CHARS + " read");
        }
        String text = p.getText();
        int e = Math.max(text.indexOf('e'), text.indexOf('E'));
        if (e >= 0 && !Texts.exponentWithin(text, e + 1, MAX_EXPONENT)) {
            String where = field == null ? "a number" : field + ": a number";
            throw new Invalid(ErrorCode.NUMBER_TOO_LONG, field, where + " " + text + " has an exponent beyond ±"
                    + MAX_EXPONENT);
        }
    }
}
