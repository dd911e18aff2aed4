package io.reconflow.sim;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import org.apache.avro.Schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Makes valid values for a feed's fields from nothing but the field's schema: its kind, range,
 * allowed ints, enum symbols and {@code "examples"}. Typed values are String (string and enum),
 * Integer, Long, Boolean, BigDecimal, Instant (timestamp) and LocalDate (date); null is absent.
 */
final class ValueFactory {
    static final long DAY_MICROS = 86_400_000_000L;
    private static final ZoneOffset[] OFFSETS = {
        ZoneOffset.UTC, ZoneOffset.ofHours(1), ZoneOffset.ofHours(2), ZoneOffset.ofHours(-5),
        ZoneOffset.ofHoursMinutes(5, 30), ZoneOffset.ofHours(-8), ZoneOffset.ofHours(9)};

    private final Map<String, List<Object>> examples = new LinkedHashMap<>();

    ValueFactory(FeedSpec feed) {
        Schema schema = feed.schema();
        for (FieldSpec f : feed.fields()) {
            Object prop = schema.getField(f.name()).getObjectProp("examples");
            if (prop != null) {
                if (!(prop instanceof List<?> list) || list.isEmpty()) {
                    throw new IllegalArgumentException("field '" + f.name() + "': \"examples\" must be a non-empty list");
                }
                List<Object> vals = new ArrayList<>();
                for (Object o : list) {
                    vals.add(fromExample(f, o));
                }
                examples.put(f.name(), List.copyOf(vals));
            } else if (f.patternText() != null) {
                // A regular expression cannot be inverted in general; the schema must say what is valid.
                throw new IllegalArgumentException("field '" + f.name() + "' has a pattern (" + f.patternText()
                        + ") but no \"examples\": add \"examples\": [valid values] to the field in the feed schema");
            }
        }
    }

    private static Object fromExample(FieldSpec f, Object o) {
        String s = String.valueOf(o);
        try {
            return switch (f.kind()) {
                case STRING -> s;
                case ENUM -> {
                    if (!f.symbols().contains(s)) {
                        throw new IllegalArgumentException("not a symbol");
                    }
                    yield s;
                }
                case INT -> Integer.parseInt(s);
                case LONG -> Long.parseLong(s);
                case BOOLEAN -> Boolean.parseBoolean(s);
                case DECIMAL -> new BigDecimal(s);
                case TIMESTAMP -> OffsetDateTime.parse(s).toInstant();
                case DATE -> LocalDate.parse(s);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("field '" + f.name() + "': example " + o + " is not a " + f.kind(), e);
        }
    }

    boolean hasExamples(FieldSpec f) {
        return examples.containsKey(f.name());
    }

    /** A random valid value of the field around the business date. */
    Object random(FieldSpec f, SplittableRandom r, LocalDate date) {
        List<Object> ex = examples.get(f.name());
        if (ex != null) {
            return ex.get(r.nextInt(ex.size()));
        }
        return switch (f.kind()) {
            case STRING -> word(f) + "-" + (1 + r.nextInt(20));
            case ENUM -> f.symbols().get(r.nextInt(f.symbols().size()));
            case INT -> f.allowedInts() != null ? pick(new ArrayList<>(f.allowedInts()), r)
                    : (Object) Math.toIntExact(randomIntegral(f, r, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case LONG -> randomIntegral(f, r, Long.MIN_VALUE, Long.MAX_VALUE);
            case BOOLEAN -> r.nextBoolean();
            case DECIMAL -> randomDecimal(f, r);
            // Quarter hours of the business day, in UTC.
            case TIMESTAMP -> date.atStartOfDay().toInstant(ZoneOffset.UTC).plus(15L * r.nextInt(96), ChronoUnit.MINUTES);
            case DATE -> date.minusDays(r.nextInt(8));
        };
    }

    /** The upper-cased first word of a field name: {@code trade_id} gives {@code TRADE}. */
    static String word(FieldSpec f) {
        String first = f.name().split("[_\\-.]", 2)[0].toUpperCase(Locale.ROOT);
        return first.isEmpty() ? "V" : first;
    }

    private static <T> T pick(List<T> list, SplittableRandom r) {
        return list.get(r.nextInt(list.size()));
    }

    private static long randomIntegral(FieldSpec f, SplittableRandom r, long typeMin, long typeMax) {
        long lo = 1;
        if (f.minimum() != null) {
            BigDecimal m = f.minimum();
            lo = f.minimumExclusive() ? m.setScale(0, RoundingMode.FLOOR).longValueExact() + 1
                    : m.setScale(0, RoundingMode.CEILING).longValueExact();
        }
        long hi = f.maximum() != null ? f.maximum().setScale(0, RoundingMode.FLOOR).longValueExact()
                : Math.min(typeMax - 999, lo) + 999;
        lo = Math.max(lo, typeMin);
        hi = Math.min(hi, typeMax);
        if (hi < lo) {
            throw new IllegalArgumentException("field '" + f.name() + "': its range admits no value");
        }
        return lo + r.nextLong(hi - lo + 1);
    }

    private static BigDecimal randomDecimal(FieldSpec f, SplittableRandom r) {
        // Mostly money-like values; now and then one with every decimal place the scale allows (18
        // and more significant digits), which only exact arithmetic keeps apart from its neighbours.
        int places = f.scale() >= 15 && r.nextInt(6) == 0 ? f.scale() : Math.min(f.scale(), 1 + r.nextInt(3));
        BigDecimal ulp = BigDecimal.ONE.movePointLeft(places);
        // The most the field's precision allows before the decimal point.
        BigDecimal maxAbs = BigDecimal.ONE.movePointRight(f.precision() - f.scale()).subtract(BigDecimal.ONE.movePointLeft(f.scale()));
        BigDecimal lo = BigDecimal.ONE;
        if (f.minimum() != null) {
            lo = f.minimumExclusive() ? f.minimum().add(ulp) : f.minimum();
        }
        BigDecimal hi = f.maximum() != null ? f.maximum() : lo.max(BigDecimal.ONE).add(BigDecimal.valueOf(5000));
        hi = hi.min(maxAbs);
        BigInteger loU = lo.setScale(places, RoundingMode.CEILING).unscaledValue();
        BigInteger hiU = hi.setScale(places, RoundingMode.FLOOR).unscaledValue();
        if (hiU.compareTo(loU) < 0) {
            throw new IllegalArgumentException("field '" + f.name() + "': its range admits no value at scale " + places);
        }
        BigInteger span = hiU.subtract(loU).add(BigInteger.ONE);
        long bound = span.bitLength() < 63 ? span.longValue() : Long.MAX_VALUE;
        return new BigDecimal(loU.add(BigInteger.valueOf(r.nextLong(bound))), places);
    }

    /** Other valid values of the field (not equal to {@code current}), best first, for a break or a conflict. */
    List<Object> alternatives(FieldSpec f, Object current, SplittableRandom r, LocalDate date) {
        List<Object> out = new ArrayList<>();
        if (current == null) {
            for (int i = 0; i < 3; i++) {
                out.add(random(f, r, date));
            }
            return out;
        }
        List<Object> ex = examples.get(f.name());
        if (ex != null) {
            for (Object e : shuffled(ex, r)) {
                if (!same(e, current)) {
                    out.add(e);
                }
            }
            if (f.patternText() != null || f.kind() != FieldKind.STRING) {
                return out;
            }
        }
        switch (f.kind()) {
            case STRING -> {
                String c = (String) current;
                out.add(word(f) + "-" + (21 + r.nextInt(20)));
                out.add(c + "-B");
            }
            case ENUM -> shuffled(f.symbols(), r).stream().filter(s -> !s.equals(current)).forEach(out::add);
            case INT -> {
                if (f.allowedInts() != null) {
                    shuffled(new ArrayList<>(f.allowedInts()), r).stream().filter(i -> !i.equals(current)).forEach(out::add);
                } else {
                    int c = (Integer) current;
                    out.add(c + 1);
                    out.add(c - 1);
                    out.add(c + 7);
                }
            }
            case LONG -> {
                long c = (Long) current;
                out.add(c + 1);
                out.add(c - 1);
            }
            case BOOLEAN -> out.add(!((Boolean) current));
            case DECIMAL -> {
                BigDecimal c = (BigDecimal) current;
                out.add(c.add(BigDecimal.ONE));
                out.add(c.subtract(BigDecimal.ONE));
                if (f.scale() > 0) {
                    out.add(c.add(new BigDecimal("0.5")));
                }
            }
            case TIMESTAMP -> {
                Instant c = (Instant) current;
                out.add(c.plus(1, ChronoUnit.HOURS));
                out.add(c.minus(1, ChronoUnit.HOURS));
                out.add(c.plus(1, ChronoUnit.DAYS));
            }
            case DATE -> {
                LocalDate c = (LocalDate) current;
                out.add(c.plusDays(1));
                out.add(c.minusDays(1));
                out.add(c.plusDays(3));
            }
        }
        return out;
    }

    static <T> List<T> shuffled(List<T> in, SplittableRandom r) {
        List<T> out = new ArrayList<>(in);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }

    /** Equal as values: decimals by value, the rest by equals. */
    static boolean same(Object a, Object b) {
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return a == null ? b == null : a.equals(b);
    }

    // --- arithmetic on typed values -------------------------------------------------------------

    /** The numeric scale a difference must fit: the decimal's scale, 0 for ints. */
    static int scale(FieldSpec f) {
        return f.kind() == FieldKind.DECIMAL ? f.scale() : 0;
    }

    static BigDecimal number(Object v) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        return BigDecimal.valueOf(((Number) v).longValue());
    }

    /** {@code v + delta} in the field's own Java type, or null when it does not fit the type. */
    static Object plus(FieldSpec f, Object v, BigDecimal delta) {
        BigDecimal sum = number(v).add(delta);
        try {
            return switch (f.kind()) {
                case INT -> sum.intValueExact();
                case LONG -> sum.longValueExact();
                case DECIMAL -> sum;
                default -> throw new IllegalArgumentException(f.name() + " is not numeric");
            };
        } catch (ArithmeticException e) {
            return null;
        }
    }

    /** A timestamp or date moved by {@code micros} (dates by whole days). */
    static Object shift(FieldSpec f, Object v, long micros) {
        if (f.kind() == FieldKind.DATE) {
            return ((LocalDate) v).plusDays(micros / DAY_MICROS);
        }
        return ((Instant) v).plus(micros, ChronoUnit.MICROS);
    }

    // --- rendering ------------------------------------------------------------------------------

    /** The value as our own export writes it: decimals plain, instants in UTC. */
    static Json canonical(FieldSpec f, Object v) {
        if (v == null) {
            return Json.NULL;
        }
        return switch (f.kind()) {
            case STRING, ENUM -> new Json.Str(v.toString());
            case INT, LONG -> new Json.Num(v.toString());
            case BOOLEAN -> new Json.Bool((Boolean) v);
            case DECIMAL -> new Json.Num(SimKeys.canonical((BigDecimal) v));
            case TIMESTAMP -> new Json.Str(OffsetDateTime.ofInstant((Instant) v, ZoneOffset.UTC)
                    .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
            case DATE -> new Json.Str(v.toString());
        };
    }

    /**
     * The same value written another way, as counterparties do: a decimal as a number or a string,
     * sometimes with trailing zeros; an instant with some offset.
     */
    static Json varied(FieldSpec f, Object v, SplittableRandom r) {
        if (v == null) {
            return Json.NULL;
        }
        if (f.kind() == FieldKind.DECIMAL) {
            String plain = SimKeys.canonical((BigDecimal) v);
            return switch (r.nextInt(4)) {
                case 0 -> new Json.Num(plain);
                case 1 -> new Json.Str(plain);
                case 2 -> new Json.Str(withZeros(plain, 1 + r.nextInt(3)));
                default -> new Json.Num(withZeros(plain, 1 + r.nextInt(3)));
            };
        }
        if (f.kind() == FieldKind.TIMESTAMP) {
            ZoneOffset off = OFFSETS[r.nextInt(OFFSETS.length)];
            return new Json.Str(OffsetDateTime.ofInstant((Instant) v, off).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        }
        return canonical(f, v);
    }

    static String withZeros(String plain, int zeros) {
        return (plain.indexOf('.') < 0 ? plain + "." : plain) + "0".repeat(zeros);
    }
}
