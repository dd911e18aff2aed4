package io.reconflow.domain.match;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import org.apache.flink.types.Row;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares our record with the counterparty's under a reconciliation's rules and passes, and says
 * which pass decided it. Exact arithmetic throughout: decimals as {@link BigDecimal}, instants as
 * epoch microseconds.
 */
public final class RuleEvaluator {

    /** The result of one rule: exact, different but within its tolerance, or broken. */
    public enum Outcome { EXACT, WITHIN, BREAK }

    /** A field that did not hold, with both values in canonical text. */
    public record Break(String field, String rule, String internalValue, String counterpartyValue) {}

    /** What a pair of records came to. */
    public record Decision(MatchStatus status, MatchPass pass, List<Break> breaks) {}

    private final List<MatchRule> rules;
    private final List<MatchPass> primaryPasses;
    private final FieldSpec[] theirs;
    private final FieldSpec[] ours;

    public RuleEvaluator(FeedSpec feed, MatchSpec spec) {
        spec.checkAgainst(feed);
        this.rules = spec.rules();
        this.primaryPasses = spec.primaryPasses();
        this.theirs = new FieldSpec[rules.size()];
        this.ours = new FieldSpec[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            theirs[i] = feed.field(rules.get(i).field());
            ours[i] = feed.field(rules.get(i).internalField());
        }
    }

    /** Decides a pair that shares the match key, through the passes on the match key in order. */
    public Decision decide(Row internal, Row counterparty) {
        return judge(outcomes(internal, counterparty), primaryPasses, internal, counterparty);
    }

    /**
     * Whether a pair that shares a keyed pass's secondary key are candidates for each other: every
     * rule the pass lists holds (within tolerance if the pass allows it).
     */
    public boolean candidates(Row internal, Row counterparty, MatchPass pass) {
        for (int i = 0; i < rules.size(); i++) {
            MatchRule r = rules.get(i);
            if (pass.rules() != null && !pass.rules().contains(r.field())) {
                continue;
            }
            Outcome o = evaluate(r, ours[i], theirs[i], internal, counterparty);
            if (o == Outcome.BREAK || (o == Outcome.WITHIN && !pass.tolerances())) {
                return false;
            }
        }
        return true;
    }

    /** Decides a pair that a keyed pass paired, under every rule; the result names that pass. */
    public Decision decide(Row internal, Row counterparty, MatchPass pass) {
        return judge(outcomes(internal, counterparty), List.of(pass), internal, counterparty);
    }

    private Outcome[] outcomes(Row internal, Row counterparty) {
        Outcome[] outcomes = new Outcome[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            outcomes[i] = evaluate(rules.get(i), ours[i], theirs[i], internal, counterparty);
        }
        return outcomes;
    }

    private Decision judge(Outcome[] outcomes, List<MatchPass> passes, Row internal, Row counterparty) {
        boolean allExact = true;
        boolean anyBreak = false;
        for (Outcome o : outcomes) {
            allExact &= o == Outcome.EXACT;
            anyBreak |= o == Outcome.BREAK;
        }
        for (MatchPass pass : passes) {
            if (allExact) {
                return new Decision(MatchStatus.MATCHED, pass, List.of());
            }
            if (pass.tolerances() && !anyBreak) {
                return new Decision(MatchStatus.MATCHED_WITHIN_TOLERANCE, pass, List.of());
            }
        }
        // No pass accepted the pair: report what broke under the most lenient pass.
        MatchPass last = passes.get(passes.size() - 1);
        boolean lenient = passes.stream().anyMatch(MatchPass::tolerances);
        List<Break> breaks = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            if (outcomes[i] == Outcome.BREAK || (!lenient && outcomes[i] == Outcome.WITHIN)) {
                MatchRule r = rules.get(i);
                breaks.add(new Break(r.field(), r.kind().key(), FeedValues.canonical(internal, ours[i]),
                        FeedValues.canonical(counterparty, theirs[i])));
            }
        }
        return new Decision(MatchStatus.BREAK, last, breaks);
    }

    static Outcome evaluate(MatchRule rule, FieldSpec oursField, FieldSpec theirsField,
                            Row internal, Row counterparty) {
        Object a = FeedValues.comparable(internal, oursField);
        Object b = FeedValues.comparable(counterparty, theirsField);
        if (a == null || b == null) {
            // Absent on both sides agrees; absent on one side (a spot that did not air) breaks.
            return a == null && b == null && rule.kind() != RuleKind.OPPOSITE ? Outcome.EXACT : Outcome.BREAK;
        }
        return switch (rule.kind()) {
            case EQUAL -> equal(a, b) ? Outcome.EXACT : Outcome.BREAK;
            case OPPOSITE -> opposite(rule, theirsField, a.toString(), b.toString()) ? Outcome.EXACT : Outcome.BREAK;
            case ABS_TOLERANCE -> {
                BigDecimal diff = number(a).subtract(number(b)).abs();
                yield diff.signum() == 0 ? Outcome.EXACT
                        : diff.compareTo(rule.tolerance()) <= 0 ? Outcome.WITHIN : Outcome.BREAK;
            }
            case REL_TOLERANCE -> {
                BigDecimal ourValue = number(a);
                BigDecimal diff = ourValue.subtract(number(b)).abs();
                yield diff.signum() == 0 ? Outcome.EXACT
                        : diff.compareTo(rule.tolerance().multiply(ourValue.abs())) <= 0 ? Outcome.WITHIN : Outcome.BREAK;
            }
            case TIME_WINDOW -> {
                long diffMicros = Math.abs(timeMicros(oursField, a) - timeMicros(theirsField, b));
                long windowMicros = rule.window().toNanos() / 1_000L;
                yield diffMicros == 0 ? Outcome.EXACT : diffMicros <= windowMicros ? Outcome.WITHIN : Outcome.BREAK;
            }
        };
    }

    private static boolean equal(Object a, Object b) {
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return a.equals(b);
    }

    private static boolean opposite(MatchRule rule, FieldSpec field, String ours, String theirs) {
        if (!rule.opposites().isEmpty()) {
            return theirs.equals(rule.opposites().get(ours));
        }
        List<String> symbols = field.symbols();
        return !ours.equals(theirs) && symbols.contains(ours) && symbols.contains(theirs);
    }

    private static BigDecimal number(Object v) {
        if (v instanceof BigDecimal d) {
            return d;
        }
        return BigDecimal.valueOf(((Number) v).longValue());
    }

    private static long timeMicros(FieldSpec f, Object v) {
        return f.kind() == FieldKind.DATE ? ((Integer) v) * 86_400_000_000L : (Long) v;
    }
}
