package io.reconflow.domain.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import org.apache.flink.types.Row;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one record, parsed as JSON, into a typed feed record, or says why it cannot (the first
 * rule it breaks). Decimals stay exact: JSON numbers must be parsed as {@link BigDecimal}, strings
 * holding a plain decimal are read with {@code new BigDecimal}. A timestamp needs an offset or
 * {@code Z}. Unknown extra fields are ignored.
 *
 * <p>Not thread-safe only in the sense that it is meant to live in one function instance; it keeps
 * no per-record state.
 */
public final class RecordValidator {
    private final FeedSpec feed;
    private final int arity;
    private final Map<String, String>[] enumSymbols;

    @SuppressWarnings("unchecked")
    public RecordValidator(FeedSpec feed) {
        this.feed = feed;
        this.arity = feed.fields().size();
        this.enumSymbols = new Map[arity];
        for (FieldSpec f : feed.fields()) {
            if (f.kind() == FieldKind.ENUM) {
                // The symbol's one String instance, rather than each record's copy of it.
                Map<String, String> symbols = new HashMap<>();
                for (String s : f.symbols()) {
                    symbols.put(s, s);
                }
                enumSymbols[f.position()] = symbols;
            }
        }
    }

    /**
     * Outcome of validating one record: exactly one of {@code record} and {@code violation} is set;
     * the record's values are a {@link FeedRows} row.
     */
    public record Outcome(Row record, Violation violation) {
        static Outcome invalid(ErrorCode code, String field, String message) {
            return new Outcome(null, new Violation(code, field, message));
        }
    }

    /**
     * @param node the record as parsed JSON
     * @param textValues true when every value arrives as text (CSV), so numbers are read from strings
     */
    public Outcome validate(JsonNode node, boolean textValues) {
        if (node == null || !node.isObject()) {
            return Outcome.invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is not a JSON object");
        }
        ObjectNode obj = (ObjectNode) node;
        return validate(f -> obj.get(f.name()), textValues);
    }

    /** A record's values by field, from a tree or straight from its text ({@link RecordSlots}). */
    @FunctionalInterface
    public interface Values {
        /** The field's value as read, or null when the record does not have it. */
        JsonNode get(FieldSpec field);
    }

    /**
     * {@link #validate(JsonNode, boolean)} of a record that is a JSON object, with its fields' values
     * read by {@code values}.
     */
    public Outcome validate(Values values, boolean textValues) {
        Row out = new Row(arity);
        for (FieldSpec f : feed.fields()) {
            JsonNode v = values.get(f);
            // An empty string counts as absent: CSV has no other way to write a missing value.
            boolean absent = v == null || v.isNull() || (v.isTextual() && v.textValue().isEmpty());
            if (absent) {
                if (!f.optional()) {
                    return Outcome.invalid(ErrorCode.MISSING_FIELD, f.name(), "required field '" + f.name() + "' is missing");
                }
                continue;
            }
            Object value;
            try {
                value = convert(f, v, textValues);
            } catch (InvalidValue e) {
                return new Outcome(null, e.violation);
            }
            out.setField(f.position(), value);
        }
        for (DomainCheck check : feed.checks()) {
            FieldSpec left = feed.field(check.field());
            FieldSpec right = feed.field(check.otherField());
            Object l = FeedValues.comparable(out, left);
            Object r = FeedValues.comparable(out, right);
            if (l != null && r != null && !check.operator().holds(compare(l, r))) {
                return Outcome.invalid(ErrorCode.DOMAIN_CHECK, check.field(), check.describe() + " does not hold: "
                        + FeedValues.canonical(out, left) + " vs " + FeedValues.canonical(out, right));
            }
        }
        return new Outcome(out, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object l, Object r) {
        return ((Comparable) l).compareTo(r);
    }

    private static final class InvalidValue extends Exception {
        final Violation violation;

        InvalidValue(ErrorCode code, String field, String message) {
            super(message, null, false, false);
            this.violation = new Violation(code, field, message);
        }
    }

    private Object convert(FieldSpec f, JsonNode v, boolean textValues) throws InvalidValue {
        return switch (f.kind()) {
            case STRING -> string(f, v);
            case ENUM -> enumSymbol(f, v);
            case INT -> integer(f, v, textValues);
            case LONG -> longValue(f, v, textValues);
            case BOOLEAN -> bool(f, v, textValues);
            case DECIMAL -> decimal(f, v);
            case TIMESTAMP -> timestamp(f, v);
            case DATE -> date(f, v);
        };
    }

    private static String string(FieldSpec f, JsonNode v) throws InvalidValue {
        if (!v.isTextual()) {
            throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be a string, got " + v.getNodeType());
        }
        String s = v.textValue();
        if (f.pattern() != null && !f.pattern().matcher(s).matches()) {
            throw new InvalidValue(ErrorCode.BAD_FORMAT, f.name(), f.name() + " '" + Texts.abbreviate(s) + "' does not match " + f.patternText());
        }
        return s;
    }

    private Object enumSymbol(FieldSpec f, JsonNode v) throws InvalidValue {
        if (!v.isTextual()) {
            throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be a string, got " + v.getNodeType());
        }
        String symbol = enumSymbols[f.position()].get(v.textValue());
        if (symbol == null) {
            throw new InvalidValue(ErrorCode.BAD_ENUM, f.name(), f.name() + " '" + Texts.abbreviate(v.textValue()) + "' is not one of " + f.symbols());
        }
        return symbol;
    }

    private static Integer integer(FieldSpec f, JsonNode v, boolean textValues) throws InvalidValue {
        int i = (int) wholeNumber(f, v, textValues, true);
        if (f.allowedInts() != null && !f.allowedInts().contains(i)) {
            throw new InvalidValue(ErrorCode.BAD_ENUM, f.name(), f.name() + " " + i + " is not one of " + f.allowedInts());
        }
        checkRange(f, BigDecimal.valueOf(i));
        return i;
    }

    private static Long longValue(FieldSpec f, JsonNode v, boolean textValues) throws InvalidValue {
        long l = wholeNumber(f, v, textValues, false);
        checkRange(f, BigDecimal.valueOf(l));
        return l;
    }

    /** A JSON integer, or (from text-valued files) its text, that fits an int ({@code asInt}) or a long. */
    private static long wholeNumber(FieldSpec f, JsonNode v, boolean textValues, boolean asInt) throws InvalidValue {
        if (v.isIntegralNumber() && (asInt ? v.canConvertToInt() : v.canConvertToLong())) {
            return v.longValue();
        }
        if (textValues && v.isTextual()) {
            String text = v.textValue().trim();
            try {
                return asInt ? Integer.parseInt(text) : Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " '" + Texts.abbreviate(v.textValue()) + "' is not an integer");
            }
        }
        throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be an integer, got " + describe(v));
    }

    private static Boolean bool(FieldSpec f, JsonNode v, boolean textValues) throws InvalidValue {
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (textValues && v.isTextual() && ("true".equals(v.textValue()) || "false".equals(v.textValue()))) {
            return Boolean.parseBoolean(v.textValue());
        }
        throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be true or false, got " + describe(v));
    }

    private static BigDecimal decimal(FieldSpec f, JsonNode v) throws InvalidValue {
        BigDecimal d;
        if (v.isNumber()) {
            if (v.isDouble() || v.isFloat()) {
                // A binary float would already have lost digits: the parser must be set to read BigDecimal.
                throw new IllegalStateException("JSON parsed with doubles; enable USE_BIG_DECIMAL_FOR_FLOATS");
            }
            d = v.decimalValue();
            if (Math.abs((long) d.scale()) > 2L * RecordJson.MAX_NUMBER_CHARS
                    || d.unscaledValue().bitLength() > 4 * RecordJson.MAX_NUMBER_CHARS) {
                // Only a tree not read by RecordJson gets here: bound the work all the same.
                throw new InvalidValue(ErrorCode.NUMBER_TOO_LONG, f.name(), f.name() + " is a number beyond "
                        + RecordJson.MAX_NUMBER_CHARS + " digits or an exponent of ±" + RecordJson.MAX_EXPONENT);
            }
        } else if (v.isTextual()) {
            String s = v.textValue().trim();
            if (s.length() > RecordJson.MAX_NUMBER_CHARS) {
                // Checked before BigDecimal, whose parsing is not linear in the digits.
                throw new InvalidValue(ErrorCode.NUMBER_TOO_LONG, f.name(), f.name() + " '" + Texts.abbreviate(s)
                        + "' is longer than the " + RecordJson.MAX_NUMBER_CHARS + " characters read");
            }
            if (!isPlainDecimal(s)) {
                throw new InvalidValue(ErrorCode.BAD_DECIMAL, f.name(), f.name() + " '" + Texts.abbreviate(v.textValue()) + "' is not a plain decimal");
            }
            d = new BigDecimal(s);
        } else {
            throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be a decimal number or string, got " + v.getNodeType());
        }
        BigDecimal atScale;
        try {
            atScale = d.setScale(f.scale());
        } catch (ArithmeticException e) {
            throw new InvalidValue(ErrorCode.BAD_DECIMAL, f.name(), f.name() + " " + d.toPlainString()
                    + " has more than " + f.scale() + " decimal places");
        }
        if (atScale.precision() > f.precision()) {
            throw new InvalidValue(ErrorCode.BAD_DECIMAL, f.name(), f.name() + " " + d.toPlainString()
                    + " has more than " + f.precision() + " digits");
        }
        checkRange(f, d);
        return atScale;
    }

    /** Optional sign, digits, optional fraction: no exponent, no spaces, not empty. */
    public static boolean isPlainDecimal(String s) {
        int i = 0;
        int n = s.length();
        if (n > 0 && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            i++;
        }
        int digits = 0;
        boolean dot = false;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                return false;
            }
        }
        return digits > 0;
    }

    private static void checkRange(FieldSpec f, BigDecimal d) throws InvalidValue {
        if (f.minimum() != null) {
            int c = d.compareTo(f.minimum());
            if (c < 0 || (c == 0 && f.minimumExclusive())) {
                throw new InvalidValue(ErrorCode.DOMAIN_CHECK, f.name(), f.name() + " " + d.toPlainString() + " must be "
                        + (f.minimumExclusive() ? "> " : ">= ") + f.minimum().toPlainString());
            }
        }
        if (f.maximum() != null && d.compareTo(f.maximum()) > 0) {
            throw new InvalidValue(ErrorCode.DOMAIN_CHECK, f.name(), f.name() + " " + d.toPlainString() + " must be <= "
                    + f.maximum().toPlainString());
        }
    }

    private static Long timestamp(FieldSpec f, JsonNode v) throws InvalidValue {
        if (!v.isTextual()) {
            throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be an RFC 3339 string, got " + v.getNodeType());
        }
        String s = v.textValue();
        try {
            return Rfc3339.epochMicros(s);
        } catch (Rfc3339.Invalid e) {
            String why = switch (e.problem()) {
                case NO_OFFSET -> "' has no offset (an instant needs Z or +hh:mm)";
                case INVALID -> "' is not an RFC 3339 timestamp";
                case OUT_OF_RANGE -> "' is out of range";
            };
            throw new InvalidValue(ErrorCode.BAD_TIMESTAMP, f.name(), f.name() + " '" + Texts.abbreviate(s) + why);
        }
    }

    private static Integer date(FieldSpec f, JsonNode v) throws InvalidValue {
        if (!v.isTextual()) {
            throw new InvalidValue(ErrorCode.BAD_TYPE, f.name(), f.name() + " must be a YYYY-MM-DD string, got " + v.getNodeType());
        }
        try {
            return Math.toIntExact(Rfc3339.epochDay(v.textValue()));
        } catch (Rfc3339.Invalid | ArithmeticException e) {
            throw new InvalidValue(ErrorCode.BAD_DATE, f.name(), f.name() + " '" + Texts.abbreviate(v.textValue()) + "' is not a YYYY-MM-DD date");
        }
    }

    /** A value for a message: a scalar's text, abbreviated; a container by its kind. */
    private static String describe(JsonNode v) {
        if (v.isContainerNode()) {
            return v.isObject() ? "an object" : "an array";
        }
        return Texts.abbreviate(v.isTextual() ? "'" + v.textValue() + "'" : v.toString());
    }

    /**
     * The exact value of a decimal field if {@code v} is one that fits it (a JSON number, or a plain
     * decimal string, within the field's precision and scale), else null; ranges are not checked.
     */
    public static BigDecimal exactDecimal(FieldSpec f, JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            BigDecimal d = decimal(new FieldSpec(f.name(), f.position(), FieldKind.DECIMAL, f.optional(), f.precision(),
                    f.scale(), null, null, null, false, null, null), v);
            return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        } catch (InvalidValue | IllegalStateException e) {
            return null;
        }
    }

    public FeedSpec feed() {
        return feed;
    }

    /** Field names the validator reads, for messages. */
    public List<FieldSpec> fields() {
        return feed.fields();
    }
}
