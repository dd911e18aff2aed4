package io.reconflow.sim;

import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchStatus;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The match rules and passes as the README's "Configuration reference" states them, applied to
 * the generator's own typed values (what it wrote, not what the job parses). It shares no code with
 * the job's evaluator on purpose: the generator's truth is this, and end-to-end tests compare the
 * job against it.
 */
final class RuleJudge {
    private enum Outcome { EXACT, WITHIN, BREAK }

    /** What a pair comes to, and for a BREAK the fields (rules) that failed. */
    record Verdict(MatchStatus status, Set<String> breaks) {}

    private final List<MatchRule> rules;

    RuleJudge(List<MatchRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * Decides a pair under {@code passes} in order: all rules exact is MATCHED in the first pass; no
     * rule broken is MATCHED_WITHIN_TOLERANCE in the first pass with tolerances; otherwise a BREAK
     * listing the rules that failed under the most lenient pass.
     */
    Verdict decide(Map<String, Object> ours, Map<String, Object> theirs, List<MatchPass> passes) {
        boolean allExact = true;
        boolean anyBreak = false;
        Outcome[] outcomes = new Outcome[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            outcomes[i] = outcome(rules.get(i), ours, theirs);
            allExact &= outcomes[i] == Outcome.EXACT;
            anyBreak |= outcomes[i] == Outcome.BREAK;
        }
        boolean lenient = passes.stream().anyMatch(MatchPass::tolerances);
        if (allExact && !passes.isEmpty()) {
            return new Verdict(MatchStatus.MATCHED, Set.of());
        }
        if (lenient && !anyBreak) {
            return new Verdict(MatchStatus.MATCHED_WITHIN_TOLERANCE, Set.of());
        }
        Set<String> broken = new TreeSet<>();
        for (int i = 0; i < rules.size(); i++) {
            if (outcomes[i] == Outcome.BREAK || (!lenient && outcomes[i] == Outcome.WITHIN)) {
                broken.add(rules.get(i).field());
            }
        }
        return new Verdict(MatchStatus.BREAK, broken);
    }

    /** Whether every rule the keyed pass lists holds (within tolerance only if the pass allows it). */
    boolean candidates(Map<String, Object> ours, Map<String, Object> theirs, MatchPass pass) {
        for (MatchRule rule : rules) {
            if (pass.rules() != null && !pass.rules().contains(rule.field())) {
                continue;
            }
            Outcome o = outcome(rule, ours, theirs);
            if (o == Outcome.BREAK || (o == Outcome.WITHIN && !pass.tolerances())) {
                return false;
            }
        }
        return true;
    }

    private static Outcome outcome(MatchRule rule, Map<String, Object> ours, Map<String, Object> theirs) {
        Object a = ours.get(rule.internalField());
        Object b = theirs.get(rule.field());
        if (a == null || b == null) {
            // Both absent agree (nothing is the opposite of nothing); one absent breaks.
            return a == null && b == null && rule.kind() != io.reconflow.domain.match.RuleKind.OPPOSITE
                    ? Outcome.EXACT : Outcome.BREAK;
        }
        return switch (rule.kind()) {
            case EQUAL -> same(a, b) ? Outcome.EXACT : Outcome.BREAK;
            case OPPOSITE -> opposite(rule, a.toString(), b.toString()) ? Outcome.EXACT : Outcome.BREAK;
            case ABS_TOLERANCE -> graded(ValueFactory.number(a).subtract(ValueFactory.number(b)).abs(), rule.tolerance());
            case REL_TOLERANCE -> graded(ValueFactory.number(a).subtract(ValueFactory.number(b)).abs(),
                    rule.tolerance().multiply(ValueFactory.number(a).abs()));
            case TIME_WINDOW -> graded(BigDecimal.valueOf(Math.abs(micros(a) - micros(b))),
                    BigDecimal.valueOf(rule.window().toNanos() / 1_000L));
        };
    }

    private static Outcome graded(BigDecimal difference, BigDecimal bound) {
        if (difference.signum() == 0) {
            return Outcome.EXACT;
        }
        return difference.compareTo(bound) <= 0 ? Outcome.WITHIN : Outcome.BREAK;
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number && b instanceof Number) {
            return ValueFactory.number(a).compareTo(ValueFactory.number(b)) == 0;
        }
        return a.equals(b);
    }

    /** The opposites map when the rule has one, else the other symbol of a two-symbol enum. */
    private static boolean opposite(MatchRule rule, String ours, String theirs) {
        if (!rule.opposites().isEmpty()) {
            return theirs.equals(rule.opposites().get(ours));
        }
        return !ours.equals(theirs);
    }

    private static long micros(Object v) {
        if (v instanceof LocalDate d) {
            return d.toEpochDay() * ValueFactory.DAY_MICROS;
        }
        return ChronoUnit.MICROS.between(Instant.EPOCH, (Instant) v);
    }
}
