package io.reconflow.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.reconflow.domain.feed.DomainCheck;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** What the feed's schema asks of values: ranges, cross-field checks, steps, and the control value of a served text. */
final class FeedChecks {
    /** Parses JSON the way the job must: decimals exact, never through a double. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private FeedChecks() {}

    static boolean hasRange(FieldSpec f) {
        boolean numeric = f.kind() == FieldKind.DECIMAL || f.kind() == FieldKind.LONG
                || (f.kind() == FieldKind.INT && f.allowedInts() == null);
        return numeric && (f.minimum() != null || f.maximum() != null);
    }

    /** The control field's value in a served record text, when it is there and parses as a decimal. */
    static BigDecimal controlValue(FeedSpec feed, String text) {
        if (feed.controlField() == null) {
            return null;
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        JsonNode v = node.isObject() ? node.get(feed.controlField()) : null;
        if (v == null) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual() && v.textValue().trim().matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)")) {
            return new BigDecimal(v.textValue().trim());
        }
        return null;
    }

    static int compare(Object a, Object b) {
        return ((Comparable) a).compareTo(b);
    }

    /**
     * The order a cross-field check asks the generator to write its two values in: the first before
     * the second ({@code less}) or after it, and whether they may be equal.
     */
    record Order(boolean less, boolean strict) {
        static Order of(DomainCheck.Operator op) {
            return new Order(op == DomainCheck.Operator.LESS_THAN || op == DomainCheck.Operator.LESS_OR_EQUAL,
                    op == DomainCheck.Operator.LESS_THAN || op == DomainCheck.Operator.GREATER_THAN);
        }

        /** Whether values comparing as {@code c} (first to second) are already in this order. */
        // Not DomainCheck.Operator.holds on purpose: the generator states expected outcomes independently (issue 11).
        boolean satisfiedBy(int c) {
            return c == 0 ? !strict : (c < 0) == less;
        }
    }

    /**
     * Whether values keep the feed's ranges and cross-field checks (a changed value can leave
     * them: a BREAK on delivery_start past delivery_end, say); such a record would be a reject.
     */
    static boolean withinChecks(FeedSpec feed, Map<String, Object> v) {
        for (FieldSpec f : feed.fields()) {
            Object x = v.get(f.name());
            if (x == null || !hasRange(f)) {
                continue;
            }
            BigDecimal n = ValueFactory.number(x);
            if (f.minimum() != null && (f.minimumExclusive() ? n.compareTo(f.minimum()) <= 0 : n.compareTo(f.minimum()) < 0)) {
                return false;
            }
            if (f.maximum() != null && n.compareTo(f.maximum()) > 0) {
                return false;
            }
        }
        for (DomainCheck check : feed.checks()) {
            Object a = v.get(check.field());
            Object b = v.get(check.otherField());
            if (a != null && b != null && !Order.of(check.operator()).satisfiedBy(compare(a, b))) {
                return false;
            }
        }
        return true;
    }

    /** One natural step of a value: an hour, a day, one unit; null when the kind has no order to step in. */
    static Object step(FieldSpec f, Object v, int direction) {
        return switch (f.kind()) {
            case TIMESTAMP -> ((Instant) v).plus(direction, ChronoUnit.HOURS);
            case DATE -> ((LocalDate) v).plusDays(direction);
            case INT, LONG, DECIMAL -> ValueFactory.plus(f, v, BigDecimal.valueOf(direction));
            case STRING -> direction > 0 ? v + "~" : null;
            default -> null;
        };
    }

    static void addNonNull(List<Object> out, Object v) {
        if (v != null) {
            out.add(v);
        }
    }
}
