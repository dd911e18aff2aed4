package io.reconflow.sim;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.sim.Generated.Built;
import io.reconflow.sim.Generated.Pair;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static io.reconflow.sim.FeedPlan.ATTEMPTS;

/** Records of one batch that only a secondary-key pass pairs, and ambiguous groups; tracks the secondary keys taken. */
final class SecondaryRecords {
    private final FeedPlan plan;
    private final ValueFactory values;
    private final SplittableRandom r;
    private final LocalDate date;
    private final String dateText;
    private final BatchScope scope;
    private final RecordMaker records;

    SecondaryRecords(BatchScope scope, RecordMaker records) {
        this.plan = scope.plan;
        this.values = scope.plan.values;
        this.r = scope.r;
        this.date = scope.date;
        this.dateText = scope.dateText;
        this.scope = scope;
        this.records = records;
    }

    /** A record's secondary key in {@code pass}: business date and canonical key values; null when a key field is absent. */
    private String secondaryKey(Map<String, Object> rec, MatchPass pass) {
        StringBuilder sb = new StringBuilder(dateText).append('|').append(pass.number());
        for (FieldSpec f : plan.passKeys.get(pass)) {
            String v = SimKeys.canonical(rec.get(f.name()));
            if (v == null) {
                return null; // a record with an absent key field takes no part in the pass
            }
            sb.append('\u001f').append(v);
        }
        return sb.toString();
    }

    /** Whether no still-unmatched record generated so far shares any of the record's secondary keys. */
    boolean secondaryKeysFree(Map<String, Object> rec) {
        for (MatchPass p : plan.passKeys.keySet()) {
            String k = secondaryKey(rec, p);
            if (k != null && plan.takenSecondaryKeys.contains(k)) {
                return false;
            }
        }
        return true;
    }

    void takeSecondaryKeys(Map<String, Object> rec, Iterable<MatchPass> passes) {
        for (MatchPass p : passes) {
            String k = secondaryKey(rec, p);
            if (k != null) {
                plan.takenSecondaryKeys.add(k);
            }
        }
    }

    /** Whether our record and theirs are candidates of each other under the keyed pass's rules. */
    private boolean candidates(Built ours, Built theirs) {
        return plan.judge.candidates(ours.values(), theirs.values(), plan.keyedPass);
    }

    /**
     * The values with one match-key field outside the keyed pass's key changed (a fresh
     * discriminator, or another valid value of the field), each a way to another match key.
     */
    private List<Map<String, Object>> rekeyed(Map<String, Object> like) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (FieldSpec f : ValueFactory.shuffled(plan.rekeyable, r)) {
            if (f == plan.discriminator) {
                Map<String, Object> v = new LinkedHashMap<>(like);
                v.put(f.name(), scope.nextSerial(f));
                out.add(0, v);
                continue;
            }
            for (Object alt : values.alternatives(f, like.get(f.name()), r, date)) {
                Map<String, Object> v = new LinkedHashMap<>(like);
                v.put(f.name(), alt);
                out.add(v);
            }
        }
        return out;
    }

    /** Our record for a secondary pair or an ambiguous group: a fresh match key and a free, complete secondary key. */
    private Built keyedSeed() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Built ours = records.internalRecord(records.base());
            if (ours != null && !plan.usedKeys.contains(ours.matchKey()) && secondaryKey(ours.values(), plan.keyedPass) != null
                    && secondaryKeysFree(ours.values())) {
                return ours;
            }
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": could not generate a record with a free secondary key");
    }

    /**
     * A record like {@code like} (ours when {@code counterpartySide} is false, else the mirror of
     * ours) under another match key that neither {@code taken} nor any earlier record has, with
     * the same secondary key as {@code ours}, and a candidate of every record in {@code
     * mustPairWith}; null when there is none.
     */
    private Built rekeyedRecord(Built ours, boolean counterpartySide, Set<String> taken, List<Built> mustPairWith) {
        String key = secondaryKey(ours.values(), plan.keyedPass);
        Map<String, Object> like = counterpartySide ? records.mirror(ours.values()) : ours.values();
        for (Map<String, Object> v : rekeyed(like)) {
            Built b = counterpartySide ? records.counterpartyRecord(v) : records.internalRecord(v);
            if (b == null || plan.usedKeys.contains(b.matchKey()) || taken.contains(b.matchKey())
                    || !key.equals(secondaryKey(b.values(), plan.keyedPass))) {
                continue;
            }
            boolean all = true;
            for (Built other : mustPairWith) {
                all &= counterpartySide ? candidates(other, b) : candidates(b, other);
            }
            if (all) {
                return b;
            }
        }
        return null;
    }

    /** An internal and a counterparty record with different match keys that only the keyed pass pairs, agreeing under every rule. */
    Pair secondaryPair() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Built ours = keyedSeed();
            Built theirs = rekeyedRecord(ours, true, Set.of(ours.matchKey()), List.of(ours));
            if (theirs == null || plan.judge.decide(ours.values(), theirs.values(), List.of(plan.keyedPass)).status() != MatchStatus.MATCHED) {
                continue;
            }
            takeSecondaryKeys(ours.values(), List.of(plan.keyedPass));
            plan.usedKeys.add(ours.matchKey());
            plan.usedKeys.add(theirs.matchKey());
            return new Pair(ours, theirs, Set.of());
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": could not generate a pair for pass '"
                + plan.keyedPass.name() + "' in " + ATTEMPTS + " attempts");
    }

    record Group(List<Built> ours, List<Built> theirs) {}

    /** Three records sharing a secondary key, every one of ours a candidate of every one of theirs. */
    Group ambiguousGroup(boolean twoOfOurs) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Built first = keyedSeed();
            Set<String> taken = new HashSet<>(Set.of(first.matchKey()));
            List<Built> ours = new ArrayList<>(List.of(first));
            List<Built> theirs = new ArrayList<>();
            if (twoOfOurs) {
                Built twin = rekeyedRecord(first, false, taken, List.of());
                if (twin == null) {
                    continue;
                }
                ours.add(twin);
                taken.add(twin.matchKey());
            }
            int need = twoOfOurs ? 1 : 2;
            for (int tries = 0; tries < 10 && theirs.size() < need; tries++) {
                Built cp = rekeyedRecord(first, true, taken, ours);
                if (cp != null) {
                    theirs.add(cp);
                    taken.add(cp.matchKey());
                }
            }
            if (theirs.size() < need) {
                continue;
            }
            takeSecondaryKeys(first.values(), List.of(plan.keyedPass));
            plan.usedKeys.addAll(taken);
            return new Group(ours, theirs);
        }
        throw new IllegalStateException("feed " + plan.feed.name() + ": could not generate an ambiguous group for pass '"
                + plan.keyedPass.name() + "' in " + ATTEMPTS + " attempts");
    }
}
