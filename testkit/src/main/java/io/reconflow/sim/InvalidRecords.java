package io.reconflow.sim;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.DomainCheck;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.sim.FeedChecks.Order;
import io.reconflow.sim.Generated.Built;
import io.reconflow.sim.Generated.Invalid;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static io.reconflow.sim.FeedChecks.addNonNull;
import static io.reconflow.sim.FeedChecks.compare;
import static io.reconflow.sim.FeedChecks.hasRange;
import static io.reconflow.sim.FeedChecks.step;

/** Invalid records of one batch: each breaks the rule its reject code names, in the field it names, by construction. */
final class InvalidRecords {
    private final FeedPlan plan;
    private final SplittableRandom r;
    private final LocalDate date;
    private final BatchScope scope;
    private final RecordMaker records;

    InvalidRecords(BatchScope scope, RecordMaker records) {
        this.plan = scope.plan;
        this.r = scope.r;
        this.date = scope.date;
        this.scope = scope;
        this.records = records;
    }

    Invalid invalid(Side side, int k) {
        List<ErrorCode> codes = side == Side.COUNTERPARTY ? plan.counterpartyCodes : plan.internalCodes;
        for (int i = 0; i < codes.size(); i++) {
            ErrorCode code = codes.get((k + i) % codes.size());
            for (int attempt = 0; attempt < 20; attempt++) {
                Built base = records.internalRecord(records.base());
                if (base == null || plan.usedKeys.contains(base.matchKey())) {
                    continue;
                }
                Map<String, Json> rendered = side == Side.COUNTERPARTY ? records.renderVaried(base.values()) : base.rendered();
                // Each candidate breaks exactly the rule of its code in its field, so the first will do.
                List<Candidate> candidates = invalidCandidates(code, base.values(), rendered, side);
                if (!candidates.isEmpty()) {
                    Candidate c = candidates.get(0);
                    // The key is spent even when the record's key fields are broken: no other record reuses it.
                    plan.usedKeys.add(base.matchKey());
                    boolean keyIntact = c.rendered() != null && c.touched().stream().noneMatch(plan.matchKeyNames::contains);
                    String text = c.rendered() != null ? Json.object(c.rendered()) : c.verbatim();
                    return new Invalid(code, c.field(), keyIntact ? base.matchKey() : null, c.rendered(), text);
                }
            }
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": could not generate an invalid " + side + " record");
    }

    /** A way to break a record: the field named in the violation, the fields changed, and the result. */
    private record Candidate(String field, Set<String> touched, Map<String, Json> rendered, String verbatim) {}

    private Candidate replace(Map<String, Json> rendered, FieldSpec f, Json value) {
        Map<String, Json> m = new LinkedHashMap<>(rendered);
        m.put(f.name(), value);
        return new Candidate(f.name(), Set.of(f.name()), m, null);
    }

    private Json render(FieldSpec f, Object v, Side side) {
        return side == Side.COUNTERPARTY ? ValueFactory.varied(f, v, r) : ValueFactory.canonical(f, v);
    }

    private List<Candidate> invalidCandidates(ErrorCode code, Map<String, Object> v, Map<String, Json> rendered,
                                              Side side) {
        boolean cp = side == Side.COUNTERPARTY;
        // Prefer breaking a non-key field, so the reject still has a key.
        List<FieldSpec> fields = new ArrayList<>();
        for (FieldSpec f : ValueFactory.shuffled(plan.feed.fields(), r)) {
            if (!plan.matchKeyNames.contains(f.name())) {
                fields.add(f);
            }
        }
        for (FieldSpec f : ValueFactory.shuffled(plan.feed.fields(), r)) {
            if (plan.matchKeyNames.contains(f.name())) {
                fields.add(f);
            }
        }
        List<Candidate> out = new ArrayList<>();
        for (FieldSpec f : fields) {
            Object value = v.get(f.name()) != null ? v.get(f.name()) : plan.values.random(f, r, date);
            switch (code) {
                case MISSING_FIELD -> {
                    if (!f.optional()) {
                        Map<String, Json> m = new LinkedHashMap<>(rendered);
                        if (cp && r.nextBoolean()) {
                            m.put(f.name(), Json.NULL);
                        } else {
                            m.remove(f.name());
                        }
                        out.add(new Candidate(f.name(), Set.of(f.name()), m, null));
                    }
                }
                case BAD_TYPE -> {
                    Json bad = badType(f, value, cp);
                    if (bad != null) {
                        out.add(replace(rendered, f, bad));
                    }
                }
                case BAD_DECIMAL -> {
                    if (f.kind() == FieldKind.DECIMAL) {
                        BigDecimal d = (BigDecimal) value;
                        String plain = SimKeys.canonical(d);
                        String comma = plain.indexOf('.') >= 0 ? plain.replace('.', ',') : plain + ",5";
                        BigDecimal s = d.stripTrailingZeros();
                        String exponent = s.unscaledValue() + "e" + (-s.scale());
                        out.add(replace(rendered, f, new Json.Str(r.nextBoolean() ? comma : exponent)));
                        out.add(replace(rendered, f, new Json.Str(comma)));
                    }
                }
                case BAD_TIMESTAMP -> {
                    if (f.kind() == FieldKind.TIMESTAMP) {
                        LocalDateTime local = LocalDateTime.ofInstant((Instant) value, ZoneOffset.UTC);
                        out.add(replace(rendered, f, new Json.Str(local.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME))));
                        out.add(replace(rendered, f, new Json.Str(local.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")))));
                    }
                }
                case BAD_DATE -> {
                    if (f.kind() == FieldKind.DATE) {
                        LocalDate d = (LocalDate) value;
                        List<String> bad = List.of(d.format(DateTimeFormatter.ofPattern("dd/MM/yyyy")),
                                d.getYear() + "-02-30", d + "T00:00:00Z");
                        out.add(replace(rendered, f, new Json.Str(bad.get(r.nextInt(bad.size())))));
                    }
                }
                case BAD_ENUM -> {
                    if (f.kind() == FieldKind.ENUM) {
                        String sym = f.symbols().get(r.nextInt(f.symbols().size()));
                        for (String s : List.of(sym.toLowerCase(Locale.ROOT), sym + "_X", "UNKNOWN")) {
                            if (!f.symbols().contains(s)) {
                                out.add(replace(rendered, f, new Json.Str(s)));
                            }
                        }
                    } else if (f.kind() == FieldKind.INT && f.allowedInts() != null) {
                        int max = f.allowedInts().stream().max(Integer::compare).orElse(0);
                        int min = f.allowedInts().stream().min(Integer::compare).orElse(0);
                        for (long candidate : new long[] {max + 1L, min - 1L}) {
                            if (candidate >= Integer.MIN_VALUE && candidate <= Integer.MAX_VALUE) {
                                out.add(replace(rendered, f, new Json.Num(Long.toString(candidate))));
                            }
                        }
                    }
                }
                case BAD_FORMAT -> {
                    if (f.patternText() != null) {
                        String s = value.toString();
                        for (String bad : List.of(s.toLowerCase(Locale.ROOT), s + "!", "?" + s, "x")) {
                            if (!bad.isEmpty() && !f.pattern().matcher(bad).matches()) {
                                out.add(replace(rendered, f, new Json.Str(bad)));
                            }
                        }
                    }
                }
                case DOMAIN_CHECK -> {
                    if (hasRange(f)) {
                        if (f.minimum() != null) {
                            BigDecimal below = f.minimumExclusive() ? f.minimum() : f.minimum().subtract(BigDecimal.ONE);
                            addRange(out, rendered, f, below, side);
                        }
                        if (f.maximum() != null) {
                            addRange(out, rendered, f, f.maximum().add(BigDecimal.ONE), side);
                        }
                    }
                }
                case RECORD_UNPARSEABLE -> { }
                default -> throw new IllegalArgumentException("not a record code: " + code);
            }
        }
        if (code == ErrorCode.DOMAIN_CHECK) {
            for (DomainCheck check : ValueFactory.shuffled(plan.feed.checks(), r)) {
                crossFieldBreaks(out, check, v, rendered, side);
            }
            // Range and cross-field violations alike, not always the first kind found.
            return ValueFactory.shuffled(out, r);
        }
        if (code == ErrorCode.RECORD_UNPARSEABLE) {
            // A day made in blocks must not repeat a text in two blocks: the batch check would count it once.
            List<String> texts = List.of("[" + Json.object(rendered) + "]", r.nextInt(100_000) + scope.numberMark(),
                    Scenario.json(g -> g.writeString("record " + scope.counter() + scope.textMark())));
            out.add(new Candidate(null, Set.of(), null, texts.get(r.nextInt(texts.size()))));
        }
        return out;
    }

    private void addRange(List<Candidate> out, Map<String, Json> rendered, FieldSpec f, BigDecimal value, Side side) {
        Object typed;
        try {
            typed = switch (f.kind()) {
                case INT -> value.intValueExact();
                case LONG -> value.longValueExact();
                default -> value;
            };
        } catch (ArithmeticException e) {
            return;
        }
        out.add(replace(rendered, f, render(f, typed, side)));
    }

    private void crossFieldBreaks(List<Candidate> out, DomainCheck check, Map<String, Object> v,
                                  Map<String, Json> rendered, Side side) {
        FieldSpec a = plan.feed.field(check.field());
        FieldSpec b = plan.feed.field(check.otherField());
        Object bv = v.get(b.name()) != null ? v.get(b.name()) : plan.values.random(b, r, date);
        Order want = Order.of(check.operator());
        boolean less = want.less();
        boolean strict = want.strict();
        List<Object> aValues = new ArrayList<>();
        addNonNull(aValues, step(a, bv, less ? 1 : -1));
        if (strict) {
            aValues.add(r.nextInt(aValues.size() + 1), bv);
        }
        for (Object av : aValues) {
            Map<String, Json> m = new LinkedHashMap<>(rendered);
            m.put(a.name(), render(a, av, side));
            m.put(b.name(), render(b, bv, side));
            out.add(new Candidate(a.name(), Set.of(a.name(), b.name()), m, null));
        }
    }

    private Json badType(FieldSpec f, Object value, boolean cp) {
        if (!cp) {
            // Must be wrong both as JSON and as CSV text, where every value is a string.
            return switch (f.kind()) {
                case INT, LONG -> new Json.Str("n/a");
                case BOOLEAN -> new Json.Str("yes");
                default -> null;
            };
        }
        return switch (f.kind()) {
            case STRING, ENUM -> new Json.Num(Integer.toString(1 + r.nextInt(99_999)));
            case INT, LONG -> new Json.Str(value.toString());
            case BOOLEAN -> new Json.Str(value.toString());
            case DECIMAL -> r.nextBoolean() ? new Json.Bool(true) : new Json.Verbatim("{\"amount\":" + SimKeys.canonical(value) + "}");
            case TIMESTAMP -> new Json.Num(Long.toString(((Instant) value).getEpochSecond()));
            case DATE -> new Json.Num(((LocalDate) value).format(DateTimeFormatter.BASIC_ISO_DATE));
        };
    }
}
