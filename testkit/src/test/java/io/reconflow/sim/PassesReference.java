package io.reconflow.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import org.apache.flink.types.Row;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A slow, obvious reference of the matching passes (README "Configuration reference", the keyed
 * pass's semantics), run over a generated scenario's records to check its {@link Truth}
 * independently of how the generator built it: primary pairs by match key, then each keyed pass on
 * what is left, grouped by business date and key values, candidates by the pass's rules, a record
 * with exactly one candidate that has exactly one candidate paired, every record of a group
 * connected through candidates where some record has several AMBIGUOUS.
 */
public final class PassesReference {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private PassesReference() {}

    /** A result row in words: comparable between the reference and the truth. */
    public static String describe(Truth.ExpectedKey k) {
        return switch (k.status()) {
            case AMBIGUOUS -> "AMBIGUOUS " + k.side() + " " + k.candidates();
            case UNMATCHED_INTERNAL, UNMATCHED_COUNTERPARTY -> k.status().name();
            default -> k.status() + " " + k.matchType() + " " + k.counterpartyMatchKey() + " " + k.breakFields();
        };
    }

    /** The truth's rows, described. */
    public static Map<Truth.KeyRef, String> expected(Truth truth) {
        Map<Truth.KeyRef, String> out = new TreeMap<>();
        truth.keys().forEach((ref, k) -> out.put(ref, describe(k)));
        return out;
    }

    /** What the passes make of the scenario's records (counterparty duplicates: the first copy served is kept). */
    public static Map<Truth.KeyRef, String> run(Scenario s, FeedSpec feed, MatchSpec match) {
        RecordValidator validator = new RecordValidator(feed);
        RecordKeys keys = new RecordKeys(feed);
        RuleEvaluator full = new RuleEvaluator(feed, new MatchSpec(match.rules(), match.primaryPasses()));
        Set<String> invalid = new HashSet<>();
        s.truth().rejects().stream().filter(r -> r.side() == Side.COUNTERPARTY && r.code() != ErrorCode.DUPLICATE_CONFLICT)
                .forEach(r -> invalid.add(r.raw()));
        Map<Truth.KeyRef, String> out = new TreeMap<>();
        for (java.time.LocalDate date : s.settings().businessDates()) {
            String d = date.toString();
            Map<String, Row> ours = new LinkedHashMap<>();
            Map<String, Row> theirs = new LinkedHashMap<>();
            for (Scenario.Batch b : s.batches()) {
                if (!b.businessDate().equals(date)) {
                    continue;
                }
                for (Scenario.InternalRecord rec : b.internal()) {
                    if (rec.valid()) {
                        Row g = validator.validate(parse(rec.json()), false).record();
                        ours.put(keys.matchKey(g), g);
                    }
                }
                for (String raw : b.servedRecords()) {
                    if (!invalid.contains(raw)) {
                        Row g = validator.validate(parse(raw), false).record();
                        theirs.putIfAbsent(keys.matchKey(g), g);
                    }
                }
            }
            for (String k : new ArrayList<>(ours.keySet())) {
                if (theirs.containsKey(k)) {
                    RuleEvaluator.Decision dec = full.decide(ours.get(k), theirs.get(k));
                    out.put(new Truth.KeyRef(d, k), dec.status() + " PRIMARY " + k + " " + fields(dec));
                    ours.remove(k);
                    theirs.remove(k);
                }
            }
            for (MatchPass pass : match.keyedPasses()) {
                keyedPass(feed, match, pass, full, d, ours, theirs, out);
            }
            ours.keySet().forEach(k -> out.put(new Truth.KeyRef(d, k), MatchStatus.UNMATCHED_INTERNAL.name()));
            theirs.keySet().forEach(k -> out.put(new Truth.KeyRef(d, k), MatchStatus.UNMATCHED_COUNTERPARTY.name()));
        }
        return out;
    }

    private static void keyedPass(FeedSpec feed, MatchSpec match, MatchPass pass, RuleEvaluator full, String date,
                                  Map<String, Row> ours, Map<String, Row> theirs,
                                  Map<Truth.KeyRef, String> out) {
        List<MatchRule> candidateRules = match.rules().stream()
                .filter(r -> pass.rules() == null || pass.rules().contains(r.field())).toList();
        RuleEvaluator candidates = new RuleEvaluator(feed, new MatchSpec(candidateRules,
                List.of(new MatchPass(1, pass.name(), pass.tolerances()))));
        List<FieldSpec> keyFields = pass.key().stream().map(feed::field).toList();
        Map<String, List<String>> oursByKey = group(ours, keyFields);
        Map<String, List<String>> theirsByKey = group(theirs, keyFields);
        Map<String, Set<String>> oursCandidates = new HashMap<>();
        Map<String, Set<String>> theirsCandidates = new HashMap<>();
        for (Map.Entry<String, List<String>> g : oursByKey.entrySet()) {
            for (String o : g.getValue()) {
                for (String t : theirsByKey.getOrDefault(g.getKey(), List.of())) {
                    if (candidates.decide(ours.get(o), theirs.get(t)).status() != MatchStatus.BREAK) {
                        oursCandidates.computeIfAbsent(o, x -> new TreeSet<>()).add(t);
                        theirsCandidates.computeIfAbsent(t, x -> new TreeSet<>()).add(o);
                    }
                }
            }
        }
        // Connected components over the candidate edges: one pair, or ambiguous as a whole.
        Set<String> doneOurs = new HashSet<>();
        Set<String> doneTheirs = new HashSet<>();
        for (String start : new ArrayList<>(oursCandidates.keySet())) {
            if (doneOurs.contains(start)) {
                continue;
            }
            Set<String> compOurs = new TreeSet<>();
            Set<String> compTheirs = new TreeSet<>();
            List<String[]> todo = new ArrayList<>();
            todo.add(new String[] {"o", start});
            while (!todo.isEmpty()) {
                String[] x = todo.remove(todo.size() - 1);
                boolean isOurs = x[0].equals("o");
                if (!(isOurs ? compOurs : compTheirs).add(x[1])) {
                    continue;
                }
                for (String y : (isOurs ? oursCandidates : theirsCandidates).getOrDefault(x[1], Set.of())) {
                    todo.add(new String[] {isOurs ? "t" : "o", y});
                }
            }
            doneOurs.addAll(compOurs);
            doneTheirs.addAll(compTheirs);
            if (compOurs.size() == 1 && compTheirs.size() == 1) {
                String o = compOurs.iterator().next();
                String t = compTheirs.iterator().next();
                RuleEvaluator.Decision dec = full.decide(ours.get(o), theirs.get(t));
                out.put(new Truth.KeyRef(date, o), dec.status() + " SECONDARY " + t + " " + fields(dec));
            } else {
                compOurs.forEach(o -> out.put(new Truth.KeyRef(date, o), "AMBIGUOUS INTERNAL " + oursCandidates.get(o)));
                compTheirs.forEach(t -> out.put(new Truth.KeyRef(date, t), "AMBIGUOUS COUNTERPARTY " + theirsCandidates.get(t)));
            }
        }
        doneOurs.forEach(ours::remove);
        doneTheirs.forEach(theirs::remove);
    }

    private static Map<String, List<String>> group(Map<String, Row> records, List<FieldSpec> keyFields) {
        Map<String, List<String>> out = new HashMap<>();
        records.forEach((matchKey, rec) -> {
            StringBuilder sb = new StringBuilder();
            for (FieldSpec f : keyFields) {
                String v = FeedValues.canonical(rec, f);
                if (v == null) {
                    return; // an absent key field: no part in the pass
                }
                sb.append(v).append('\u001f');
            }
            out.computeIfAbsent(sb.toString(), x -> new ArrayList<>()).add(matchKey);
        });
        return out;
    }

    private static Set<String> fields(RuleEvaluator.Decision d) {
        Set<String> out = new TreeSet<>();
        d.breaks().forEach(b -> out.add(b.field()));
        return out;
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
