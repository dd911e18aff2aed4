package io.reconflow.sim;

import io.reconflow.domain.feed.DomainCheck;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.RuleKind;
import io.reconflow.sim.FeedChecks.Order;
import io.reconflow.sim.Generated.Built;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static io.reconflow.sim.FeedChecks.compare;
import static io.reconflow.sim.FeedChecks.step;

/** Valid records of one batch: random values, cross-field checks kept, written canonically (ours) or varied (theirs). */
final class RecordMaker {
    private final FeedPlan plan;
    private final ValueFactory values;
    private final SplittableRandom r;
    private final LocalDate date;
    private final BatchScope scope;

    RecordMaker(BatchScope scope) {
        this.plan = scope.plan;
        this.values = scope.plan.values;
        this.r = scope.r;
        this.date = scope.date;
        this.scope = scope;
    }

    /** Random valid values with a fresh key (not yet registered as used). */
    Map<String, Object> base() {
        Set<String> keepPresent = new HashSet<>(plan.matchKeyNames);
        for (MatchRule rule : plan.rules) {
            if (rule.kind() == RuleKind.OPPOSITE) {
                keepPresent.add(rule.internalField());
            }
        }
        Map<String, Object> v = new LinkedHashMap<>();
        for (FieldSpec f : plan.feed.fields()) {
            boolean absent = f.optional() && !keepPresent.contains(f.name()) && r.nextInt(5) == 0;
            v.put(f.name(), absent ? null : values.random(f, r, date));
        }
        if (plan.discriminator != null) {
                        v.put(plan.discriminator.name(), scope.nextSerial(plan.discriminator));
        }
        for (MatchRule rule : plan.rules) {
            if (rule.kind() == RuleKind.OPPOSITE && !rule.opposites().isEmpty()) {
                List<String> from = new ArrayList<>(new TreeSet<>(rule.opposites().keySet()));
                v.put(rule.internalField(), from.get(r.nextInt(from.size())));
            }
        }
        repairChecks(v);
        return v;
    }

    /** Makes the feed's cross-field checks hold, by swapping or stepping values. */
    private void repairChecks(Map<String, Object> v) {
        for (int round = 0; round < 3; round++) {
            for (DomainCheck check : plan.feed.checks()) {
                Object a = v.get(check.field());
                Object b = v.get(check.otherField());
                if (a == null || b == null) {
                    continue;
                }
                int c;
                try {
                    c = compare(a, b);
                } catch (ClassCastException e) {
                    continue;
                }
                Order want = Order.of(check.operator());
                if (want.satisfiedBy(c)) {
                    continue;
                }
                if (c != 0) {
                    v.put(check.field(), b);
                    v.put(check.otherField(), a);
                } else {
                    Object stepped = step(plan.feed.field(check.otherField()), b, want.less() ? 1 : -1);
                    if (stepped != null) {
                        v.put(check.otherField(), stepped);
                    }
                }
            }
        }
    }

    Built internalRecord(Map<String, Object> v) {
        Map<String, Json> m = new LinkedHashMap<>();
        for (FieldSpec f : plan.feed.fields()) {
            m.put(f.name(), ValueFactory.canonical(f, v.get(f.name())));
        }
        if (!FeedChecks.withinChecks(plan.feed, v)) {
            return null;
        }
        return new Built(v, m, Json.object(m), SimKeys.matchKey(v, plan.feed.matchKey()));
    }

    Map<String, Json> renderVaried(Map<String, Object> v) {
        List<FieldSpec> order = r.nextInt(4) == 0 ? ValueFactory.shuffled(plan.feed.fields(), r) : plan.feed.fields();
        Map<String, Json> m = new LinkedHashMap<>();
        for (FieldSpec f : order) {
            Object value = v.get(f.name());
            if (value == null && r.nextBoolean()) {
                continue; // absent rather than null
            }
            m.put(f.name(), ValueFactory.varied(f, value, r));
        }
        return m;
    }

    Built counterpartyRecord(Map<String, Object> v) {
        Map<String, Json> m = renderVaried(v);
        if (!FeedChecks.withinChecks(plan.feed, v)) {
            return null;
        }
        return new Built(v, m, Json.object(m), SimKeys.matchKey(v, plan.feed.matchKey()));
    }

    /** Our record as the counterparty would report it when everything agrees. */
    Map<String, Object> mirror(Map<String, Object> ours) {
        Map<String, Object> t = new LinkedHashMap<>(ours);
        for (MatchRule rule : plan.rules) {
            if (plan.matchKeyNames.contains(rule.field())) {
                continue;
            }
            Object v = ours.get(rule.internalField());
            t.put(rule.field(), rule.kind() == RuleKind.OPPOSITE ? opposite(rule, v) : v);
        }
        return t;
    }

    private Object opposite(MatchRule rule, Object v) {
        if (v == null) {
            return null;
        }
        if (!rule.opposites().isEmpty()) {
            return rule.opposites().get(v.toString());
        }
        for (String s : plan.feed.field(rule.field()).symbols()) {
            if (!s.equals(v.toString())) {
                return s;
            }
        }
        return null;
    }
}
