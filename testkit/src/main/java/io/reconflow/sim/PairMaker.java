package io.reconflow.sim;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleKind;
import io.reconflow.sim.Generated.Built;
import io.reconflow.sim.Generated.Conflict;
import io.reconflow.sim.Generated.Pair;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static io.reconflow.sim.FeedChecks.addNonNull;
import static io.reconflow.sim.FeedPlan.ATTEMPTS;

/** Pairs of one batch that the match-key passes decide (MATCHED, within tolerance, BREAK), one-sided records and conflicting copies. */
final class PairMaker {
    private final FeedPlan plan;
    private final SplittableRandom r;
    private final LocalDate date;
    private final RecordMaker records;
    private final SecondaryRecords secondaries;

    PairMaker(BatchScope scope, RecordMaker records, SecondaryRecords secondaries) {
        this.plan = scope.plan;
        this.r = scope.r;
        this.date = scope.date;
        this.records = records;
        this.secondaries = secondaries;
    }

    Pair pair(MatchStatus status, int k) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Built ours = records.internalRecord(records.base());
            if (ours == null || plan.usedKeys.contains(ours.matchKey())) {
                continue;
            }
            Map<String, Object> theirs = records.mirror(ours.values());
            List<Integer> order = switch (status) {
                case MATCHED -> List.of(-1);
                case MATCHED_WITHIN_TOLERANCE -> rotate(plan.toleranceRules, k + attempt);
                default -> rotate(plan.breakRules, k + attempt);
            };
            for (int ri : order) {
                // A MATCHED pair has one candidate: the mirror itself (ri < 0 changes nothing).
                List<Object> candidates = ri < 0 ? java.util.Collections.singletonList(null)
                        : status == MatchStatus.BREAK ? breakValues(plan.rules.get(ri), ours.values(), theirs)
                        : withinValues(plan.rules.get(ri), ours.values());
                for (Object candidate : candidates) {
                    Map<String, Object> t = new LinkedHashMap<>(theirs);
                    if (ri >= 0) {
                        t.put(plan.rules.get(ri).field(), candidate);
                    }
                    Built cp = records.counterpartyRecord(t);
                    if (cp == null || !cp.matchKey().equals(ours.matchKey())) {
                        continue;
                    }
                    RuleJudge.Verdict d = plan.judge.decide(ours.values(), cp.values(), plan.primaryPasses);
                    if (d.status() != status) {
                        continue;
                    }
                    Set<String> broken = new TreeSet<>(d.breaks());
                    if (status == MatchStatus.BREAK && !broken.equals(Set.of(plan.rules.get(ri).field()))) {
                        continue;
                    }
                    plan.usedKeys.add(ours.matchKey());
                    return new Pair(ours, cp, broken);
                }
            }
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": could not generate a " + status
                + " pair in " + ATTEMPTS + " attempts; the rules or schema leave no room for it");
    }

    private List<Integer> rotate(List<Integer> list, int start) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((start + i) % list.size()));
        }
        return out;
    }

    /** Values of the counterparty's field strictly inside the rule's tolerance, not equal to ours. */
    private List<Object> withinValues(MatchRule rule, Map<String, Object> ours) {
        FieldSpec theirs = plan.feed.field(rule.field());
        Object v = ours.get(rule.internalField());
        if (v == null) {
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        int sign = r.nextBoolean() ? 1 : -1;
        switch (rule.kind()) {
            case ABS_TOLERANCE, REL_TOLERANCE -> {
                BigDecimal bound = rule.kind() == RuleKind.ABS_TOLERANCE ? rule.tolerance()
                        : rule.tolerance().multiply(ValueFactory.number(v).abs());
                BigDecimal delta = inside(bound, ValueFactory.scale(theirs));
                if (delta != null) {
                    addNonNull(out, ValueFactory.plus(theirs, v, delta.multiply(BigDecimal.valueOf(sign))));
                    addNonNull(out, ValueFactory.plus(theirs, v, delta.multiply(BigDecimal.valueOf(-sign))));
                }
            }
            case TIME_WINDOW -> {
                long window = windowMicros(rule);
                long delta = window / 2;
                if (theirs.kind() == FieldKind.DATE) {
                    long days = delta / ValueFactory.DAY_MICROS;
                    delta = days > 0 ? days * ValueFactory.DAY_MICROS
                            : ValueFactory.DAY_MICROS < window ? ValueFactory.DAY_MICROS : 0;
                }
                if (delta > 0) {
                    out.add(ValueFactory.shift(theirs, v, sign * delta));
                    out.add(ValueFactory.shift(theirs, v, -sign * delta));
                }
            }
            default -> { }
        }
        return out;
    }

    /** Half the bound at the field's scale; or one unit of the scale if that is still inside; else null. */
    private BigDecimal inside(BigDecimal bound, int scale) {
        BigDecimal half = bound.divide(BigDecimal.valueOf(2)).setScale(scale, RoundingMode.DOWN);
        if (half.signum() > 0) {
            return half;
        }
        BigDecimal ulp = BigDecimal.ONE.movePointLeft(scale);
        return ulp.compareTo(bound) < 0 ? ulp : null;
    }

    /** Values of the counterparty's field that break the rule, given everything else agrees. */
    private List<Object> breakValues(MatchRule rule, Map<String, Object> ours, Map<String, Object> theirs) {
        FieldSpec tf = plan.feed.field(rule.field());
        Object v = ours.get(rule.internalField());
        Object current = theirs.get(rule.field());
        List<Object> out = new ArrayList<>();
        int sign = r.nextBoolean() ? 1 : -1;
        switch (rule.kind()) {
            case EQUAL -> out.addAll(plan.values.alternatives(tf, current, r, date));
            case OPPOSITE -> addNonNull(out, v);
            case ABS_TOLERANCE, REL_TOLERANCE -> {
                if (v == null) {
                    out.add(plan.values.random(tf, r, date));
                } else {
                    BigDecimal bound = rule.kind() == RuleKind.ABS_TOLERANCE ? rule.tolerance()
                            : rule.tolerance().multiply(ValueFactory.number(v).abs());
                    // Well beyond: ten times the tolerance, rounded up to the field's scale.
                    BigDecimal delta = bound.multiply(BigDecimal.TEN).setScale(ValueFactory.scale(tf), RoundingMode.CEILING);
                    if (delta.signum() == 0) {
                        delta = BigDecimal.ONE.movePointLeft(ValueFactory.scale(tf));
                    }
                    addNonNull(out, ValueFactory.plus(tf, v, delta.multiply(BigDecimal.valueOf(sign))));
                    addNonNull(out, ValueFactory.plus(tf, v, delta.multiply(BigDecimal.valueOf(-sign))));
                }
            }
            case TIME_WINDOW -> {
                if (v == null) {
                    out.add(plan.values.random(tf, r, date));
                } else {
                    long delta = Math.max(2 * windowMicros(rule), 1_000_000L);
                    if (tf.kind() == FieldKind.DATE) {
                        long days = Math.max(1, (delta + ValueFactory.DAY_MICROS - 1) / ValueFactory.DAY_MICROS);
                        delta = days * ValueFactory.DAY_MICROS;
                    }
                    out.add(ValueFactory.shift(tf, v, sign * delta));
                    out.add(ValueFactory.shift(tf, v, -sign * delta));
                }
            }
        }
        // An absent value on one side also breaks (a spot that did not air).
        if (tf.optional() && current != null && rule.kind() != RuleKind.OPPOSITE) {
            out.add(r.nextInt(out.size() + 1), null);
        }
        return out;
    }

    private long windowMicros(MatchRule rule) {
        return rule.window().toNanos() / 1_000L;
    }

    Built oneSided(boolean counterpartySide) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Built ours = records.internalRecord(records.base());
            if (ours == null || plan.usedKeys.contains(ours.matchKey())) {
                continue;
            }
            Built out = counterpartySide ? records.counterpartyRecord(records.mirror(ours.values())) : ours;
            if (out == null || !out.matchKey().equals(ours.matchKey())) {
                continue;
            }
            // Left unmatched by the match key, it must find no candidate under any secondary key either.
            if (!secondaries.secondaryKeysFree(out.values())) {
                continue;
            }
            secondaries.takeSecondaryKeys(out.values(), plan.passKeys.keySet());
            plan.usedKeys.add(out.matchKey());
            return out;
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": could not generate a fresh valid record");
    }

    /** The same key served again with another value in a non-key field. */
    Conflict conflictCopy(Built original) {
        String idem = SimKeys.hash(original.values(), plan.feed.idempotencyKey());
        String hash = SimKeys.hash(original.values(), plan.allFieldNames);
        for (FieldSpec f : ValueFactory.shuffled(plan.feed.fields(), r)) {
            if (plan.keyNames.contains(f.name()) || f.name().equals(plan.feed.controlField()) || plan.passKeyNames.contains(f.name())) {
                continue;
            }
            Object current = original.values().get(f.name());
            List<Object> alts = new ArrayList<>(plan.values.alternatives(f, current, r, date));
            if (f.optional() && current != null) {
                alts.add(null);
            }
            for (Object alt : alts) {
                Map<String, Object> v = new LinkedHashMap<>(original.values());
                v.put(f.name(), alt);
                Built copy = records.counterpartyRecord(v);
                if (copy != null && copy.matchKey().equals(original.matchKey())
                        && SimKeys.hash(copy.values(), plan.feed.idempotencyKey()).equals(idem)
                        && !SimKeys.hash(copy.values(), plan.allFieldNames).equals(hash)) {
                    return new Conflict(copy, f.name());
                }
            }
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": no valid conflicting copy of " + original.text());
    }
}
