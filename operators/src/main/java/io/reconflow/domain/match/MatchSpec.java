package io.reconflow.domain.match;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;

import java.io.Serializable;
import java.util.List;

/** The rules and passes of one reconciliation, checked against its feed when built. */
public record MatchSpec(List<MatchRule> rules, List<MatchPass> passes) implements Serializable {

    public MatchSpec {
        rules = List.copyOf(rules);
        passes = List.copyOf(passes);
        if (passes.isEmpty()) {
            throw new IllegalArgumentException("matching.passes must list at least one pass");
        }
        if (passes.get(0).keyed()) {
            throw new IllegalArgumentException("matching.passes: the first pass must work on the match key (no 'key')");
        }
        if (passes.stream().map(MatchPass::name).distinct().count() != passes.size()) {
            throw new IllegalArgumentException("matching.passes: each pass needs a name of its own");
        }
        boolean keyedSeen = false;
        for (MatchPass p : passes) {
            if (keyedSeen && !p.keyed()) {
                throw new IllegalArgumentException("matching.passes: pass '" + p.name()
                        + "' works on the match key, so it must come before every pass with a 'key'");
            }
            keyedSeen |= p.keyed();
        }
    }

    /** The passes on the match key, in order. */
    public List<MatchPass> primaryPasses() {
        return passes.stream().filter(p -> !p.keyed()).toList();
    }

    /** The passes on a secondary key, in order. */
    public List<MatchPass> keyedPasses() {
        return passes.stream().filter(MatchPass::keyed).toList();
    }

    /** The default passes: first every rule exact, then with tolerances. */
    public static List<MatchPass> defaultPasses() {
        return List.of(new MatchPass(1, "exact", false), new MatchPass(2, "tolerance", true));
    }

    /**
     * Checks each rule against the feed's fields and types.
     *
     * @throws IllegalArgumentException naming the rule and what is wrong
     */
    public void checkAgainst(FeedSpec feed) {
        java.util.Set<String> ruleFields = new java.util.HashSet<>();
        rules.forEach(r -> ruleFields.add(r.field()));
        for (MatchPass p : passes) {
            if (p.keyed()) {
                if (p.key().isEmpty()) {
                    throw new IllegalArgumentException("matching.passes '" + p.name() + "': key must name at least one field");
                }
                for (String k : p.key()) {
                    if (!feed.hasField(k)) {
                        throw new IllegalArgumentException("matching.passes '" + p.name() + "': key field '" + k
                                + "' is not a field of " + feed.name());
                    }
                }
            }
            if (p.rules() != null) {
                for (String r : p.rules()) {
                    if (!ruleFields.contains(r)) {
                        throw new IllegalArgumentException("matching.passes '" + p.name() + "': rules names '" + r
                                + "', which has no rule in matching.rules");
                    }
                }
            }
        }
        for (int i = 0; i < rules.size(); i++) {
            MatchRule r = rules.get(i);
            String where = "matching.rules[" + i + "] (" + r.field() + "): ";
            if (!feed.hasField(r.field())) {
                throw new IllegalArgumentException(where + "'" + r.field() + "' is not a field of " + feed.name());
            }
            if (!feed.hasField(r.internalField())) {
                throw new IllegalArgumentException(where + "internal_field '" + r.internalField() + "' is not a field of " + feed.name());
            }
            FieldSpec theirs = feed.field(r.field());
            FieldSpec ours = feed.field(r.internalField());
            if (theirs.kind() != ours.kind()) {
                throw new IllegalArgumentException(where + "compares fields of different types");
            }
            FieldKind k = theirs.kind();
            switch (r.kind()) {
                case ABS_TOLERANCE, REL_TOLERANCE -> {
                    if (k != FieldKind.DECIMAL && k != FieldKind.INT && k != FieldKind.LONG) {
                        throw new IllegalArgumentException(where + r.kind().key() + " needs a numeric field");
                    }
                    if (r.tolerance() == null || r.tolerance().signum() < 0) {
                        throw new IllegalArgumentException(where + "tolerance must be a number >= 0");
                    }
                }
                case TIME_WINDOW -> {
                    if (k != FieldKind.TIMESTAMP && k != FieldKind.DATE) {
                        throw new IllegalArgumentException(where + "time_window needs a timestamp or date field");
                    }
                    if (r.window() == null || r.window().isNegative()) {
                        throw new IllegalArgumentException(where + "window must be an ISO-8601 duration such as PT5M or P2D");
                    }
                }
                case OPPOSITE -> {
                    if (r.opposites().isEmpty() && (k != FieldKind.ENUM || theirs.symbols().size() != 2)) {
                        throw new IllegalArgumentException(where + "opposite needs a two-symbol enum or an 'opposites' map");
                    }
                }
                case EQUAL -> { }
            }
        }
    }
}
