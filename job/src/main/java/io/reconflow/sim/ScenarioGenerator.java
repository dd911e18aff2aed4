package io.reconflow.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.operators.feed.DomainCheck;
import io.reconflow.operators.feed.FeedSpec;
import io.reconflow.operators.feed.FieldKind;
import io.reconflow.operators.feed.FieldSpec;
import io.reconflow.operators.match.MatchPass;
import io.reconflow.operators.match.MatchRule;
import io.reconflow.operators.match.MatchSpec;
import io.reconflow.operators.match.MatchStatus;
import io.reconflow.operators.match.RuleKind;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Generates a {@link Scenario} for any feed from its {@link FeedSpec} and {@link MatchSpec} alone:
 * nothing here knows a feed. The same settings (seed included) give the same scenario, byte for
 * byte.
 *
 * <p>The generator states the outcome of each case it makes from what it made: a pair's status
 * and broken fields come from {@link RuleJudge} (the README's rules applied to the values it
 * wrote), keys from {@link SimKeys} (the README's canonical form); neither calls the job's matching
 * or key code, so a test that compares the job's output with this truth can catch a bug in either.
 * Nor does it ask the job's validator: a record is valid because it was written valid (values from
 * the schema, ranges and cross-field checks kept), and an invalid one breaks the rule its code
 * names, in the field it names, by construction. {@code ScenarioTruthCrossCheckTest} runs the job's
 * classes over the records and compares.
 * When the feed makes an expectation impossible (no tolerance rule for MATCHED_WITHIN_TOLERANCE,
 * say), the generator says so with an {@link IllegalArgumentException}.
 */
public final class ScenarioGenerator {
    /** Parses JSON the way the job must: decimals exact, never through a double. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final int ATTEMPTS = 200;

    private final FeedSpec feed;
    private final ScenarioSettings settings;
    private final List<MatchRule> rules;
    private final List<String> allFieldNames;
    /** The passes on the match key, which decide pairs that share it. */
    private final List<MatchPass> primaryPasses;
    private final RuleJudge judge;
    private final ValueFactory values;
    private final Set<String> matchKeyNames;
    private final Set<String> keyNames;
    private final FieldSpec discriminator;
    private final List<Integer> breakRules = new ArrayList<>();
    private final List<Integer> toleranceRules = new ArrayList<>();
    private final List<ErrorCode> counterpartyCodes;
    private final List<ErrorCode> internalCodes;
    private final Set<String> usedKeys = new HashSet<>();
    /** The first pass with a secondary key (where secondary pairs and ambiguous groups are made), or null. */
    private final MatchPass keyedPass;
    /** The key fields of every keyed pass, in pass order. */
    private final Map<MatchPass, List<FieldSpec>> passKeys = new LinkedHashMap<>();
    /** Fields of any keyed pass's key: a conflicting copy leaves them alone. */
    private final Set<String> passKeyNames = new HashSet<>();
    /** Match-key fields outside {@link #keyedPass}'s key: changing one gives a record another match key but the same secondary key. */
    private final List<FieldSpec> rekeyable = new ArrayList<>();
    /** Secondary keys (business date, pass, canonical key values) some still-unmatched record already has. */
    private final Set<String> takenSecondaryKeys = new HashSet<>();
    private final int secondaryMatches;
    private final int ambiguousGroups;

    private final Map<Truth.KeyRef, Truth.ExpectedKey> truthKeys = new TreeMap<>();
    private final List<Truth.ExpectedReject> truthRejects = new ArrayList<>();
    private long served;
    private long counterpartyValid;
    private long counterpartyRejected;
    private long duplicatesDropped;
    private long internalWritten;
    private long internalValid;
    private long internalRejected;

    private ScenarioGenerator(FeedSpec feed, MatchSpec match, ScenarioSettings settings) {
        this.feed = feed;
        this.settings = settings;
        match.checkAgainst(feed); // rules that name no field, or a tolerance on text, are refused by name
        this.rules = match.rules();
        // Pairs on the match key are decided by the passes on the match key; keyed passes see the rest.
        List<MatchPass> primary = match.passes().stream().filter(p -> !p.keyed()).toList();
        this.primaryPasses = primary;
        this.judge = new RuleJudge(rules);
        this.allFieldNames = feed.fields().stream().map(FieldSpec::name).toList();
        this.values = new ValueFactory(feed);
        this.matchKeyNames = new LinkedHashSet<>(feed.matchKey());
        this.keyNames = new LinkedHashSet<>(feed.matchKey());
        keyNames.addAll(feed.idempotencyKey());
        // One string key field without examples carries a counter, so keys are unique by construction.
        FieldSpec disc = null;
        for (String k : feed.matchKey()) {
            FieldSpec f = feed.field(k);
            if (f.kind() == FieldKind.STRING && !values.hasExamples(f)) {
                disc = f;
            }
        }
        this.discriminator = disc;
        for (int i = 0; i < rules.size(); i++) {
            MatchRule rule = rules.get(i);
            // Changing a match-key field would change the key, not break the pair.
            if (matchKeyNames.contains(rule.field())) {
                continue;
            }
            breakRules.add(i);
            if (rule.hasTolerance()) {
                toleranceRules.add(i);
            }
        }
        boolean tolerantPass = primary.stream().anyMatch(MatchPass::tolerances);
        if (settings.withinTolerance() > 0 && (toleranceRules.isEmpty() || !tolerantPass)) {
            throw new IllegalArgumentException("feed " + feed.name() + ": MATCHED_WITHIN_TOLERANCE keys need a tolerance"
                    + " rule on a non-key field and a pass with tolerances; set withinTolerance to 0");
        }
        if (settings.breaks() > 0 && breakRules.isEmpty()) {
            throw new IllegalArgumentException("feed " + feed.name() + ": BREAK keys need a rule on a non-key field; set breaks to 0");
        }
        boolean conflictable = feed.fields().stream().anyMatch(f -> !keyNames.contains(f.name()));
        if (settings.conflictingDuplicates() > 0 && !conflictable) {
            throw new IllegalArgumentException("feed " + feed.name() + ": a conflicting duplicate needs a field outside the"
                    + " match and idempotency keys; set conflictingDuplicates to 0");
        }
        MatchPass firstKeyed = null;
        for (MatchPass p : match.passes()) {
            if (p.keyed()) {
                firstKeyed = firstKeyed == null ? p : firstKeyed;
                passKeys.put(p, p.key().stream().map(feed::field).toList());
                passKeyNames.addAll(p.key());
            }
        }
        this.keyedPass = firstKeyed;
        this.secondaryMatches = keyedPass == null ? 0 : settings.secondaryMatches();
        this.ambiguousGroups = keyedPass == null ? 0 : settings.ambiguousGroups();
        if (keyedPass != null) {
            for (String k : feed.matchKey()) {
                if (!keyedPass.key().contains(k)) {
                    rekeyable.add(feed.field(k));
                }
            }
            if ((secondaryMatches > 0 || ambiguousGroups > 0) && rekeyable.isEmpty()) {
                throw new IllegalArgumentException("feed " + feed.name() + ": pass '" + keyedPass.name() + "' has every"
                        + " match-key field in its key, so two records with one secondary key have one match key;"
                        + " set secondaryMatches and ambiguousGroups to 0");
            }
        }
        this.counterpartyCodes = producibleCodes(Side.COUNTERPARTY);
        this.internalCodes = producibleCodes(Side.INTERNAL);
        if (settings.invalidInternal() > 0 && internalCodes.isEmpty()) {
            throw new IllegalArgumentException("feed " + feed.name() + " admits no invalid internal record; set invalidInternal to 0");
        }
    }

    /**
     * Generates the scenario.
     *
     * @throws IllegalArgumentException when the feed cannot provide what the settings ask for, e.g. a
     *     pattern field without {@code "examples"}
     */
    public static Scenario generate(FeedSpec feed, MatchSpec match, ScenarioSettings settings) {
        return new ScenarioGenerator(feed, match, settings).run();
    }

    private Scenario run() {
        List<Scenario.Batch> batches = new ArrayList<>();
        for (LocalDate date : settings.businessDates()) {
            for (int i = 0; i < settings.counterparties().size(); i++) {
                batches.add(new BatchGen(i, settings.counterparties().get(i), date).build());
            }
        }
        Truth.Totals totals = new Truth.Totals(served, counterpartyValid, counterpartyRejected, duplicatesDropped,
                internalWritten, internalValid, internalRejected);
        return new Scenario(feed.name(), settings, batches, new Truth(truthKeys, truthRejects, totals));
    }

    /** The reject codes a record of this feed can earn on a side (files cannot hold a non-object). */
    private List<ErrorCode> producibleCodes(Side side) {
        boolean internal = side == Side.INTERNAL;
        List<ErrorCode> out = new ArrayList<>();
        List<FieldSpec> fs = feed.fields();
        if (fs.stream().anyMatch(f -> !f.optional())) {
            out.add(ErrorCode.MISSING_FIELD);
        }
        if (!internal || fs.stream().anyMatch(f -> f.kind() == FieldKind.INT || f.kind() == FieldKind.LONG
                || f.kind() == FieldKind.BOOLEAN)) {
            out.add(ErrorCode.BAD_TYPE);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.DECIMAL)) {
            out.add(ErrorCode.BAD_DECIMAL);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.TIMESTAMP)) {
            out.add(ErrorCode.BAD_TIMESTAMP);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.DATE)) {
            out.add(ErrorCode.BAD_DATE);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.ENUM || f.allowedInts() != null)) {
            out.add(ErrorCode.BAD_ENUM);
        }
        if (fs.stream().anyMatch(f -> f.patternText() != null)) {
            out.add(ErrorCode.BAD_FORMAT);
        }
        if (!feed.checks().isEmpty() || fs.stream().anyMatch(ScenarioGenerator::hasRange)) {
            out.add(ErrorCode.DOMAIN_CHECK);
        }
        if (!internal) {
            out.add(ErrorCode.RECORD_UNPARSEABLE);
        }
        return List.copyOf(out);
    }

    private static boolean hasRange(FieldSpec f) {
        boolean numeric = f.kind() == FieldKind.DECIMAL || f.kind() == FieldKind.LONG
                || (f.kind() == FieldKind.INT && f.allowedInts() == null);
        return numeric && (f.minimum() != null || f.maximum() != null);
    }

    // --- records as the generator holds them ----------------------------------------------------

    /** A valid record: typed values, how they are written, the text, and its match key. */
    private record Built(Map<String, Object> values, Map<String, Json> rendered, String text, String matchKey) {}

    private record Pair(Built ours, Built theirs, Set<String> breakFields) {}

    private record Conflict(Built copy, String field) {}

    private record Invalid(ErrorCode code, String field, String matchKey, Map<String, Json> rendered, String text) {}

    /** A record on a page; twins (an exact duplicate and its original) share a group >= 0. */
    private static final class Item {
        final String text;
        int group = -1;

        Item(String text) {
            this.text = text;
        }
    }

    private Map<String, String> cells(Map<String, Json> rendered) {
        Map<String, String> out = new LinkedHashMap<>();
        for (FieldSpec f : feed.fields()) {
            Json j = rendered.get(f.name());
            out.put(f.name(), j == null ? null : Json.cell(j));
        }
        return out;
    }

    /** Generates one (counterparty, business date) batch; its randomness depends only on the seed, counterparty and date. */
    private final class BatchGen {
        private final String counterparty;
        private final LocalDate date;
        private final String dateText;
        private final SplittableRandom r;
        private final String tag;
        private int counter;

        BatchGen(int index, String counterparty, LocalDate date) {
            this.counterparty = counterparty;
            this.date = date;
            this.dateText = date.toString();
            String h = SimKeys.sha256(settings.seed() + "|" + feed.name() + "|" + counterparty + "|" + date);
            this.r = new SplittableRandom(Long.parseUnsignedLong(h.substring(0, 16), 16));
            this.tag = letters(index) + date.format(DateTimeFormatter.BASIC_ISO_DATE);
        }

        private static String letters(int index) {
            StringBuilder sb = new StringBuilder();
            int i = index;
            do {
                sb.insert(0, (char) ('A' + i % 26));
                i = i / 26 - 1;
            } while (i >= 0);
            return sb.toString();
        }

        Scenario.Batch build() {
            List<Item> items = new ArrayList<>();
            List<Built> duplicable = new ArrayList<>();
            List<Integer> duplicableItem = new ArrayList<>();
            List<Scenario.InternalRecord> internal = new ArrayList<>();
            int rejectsBefore = truthRejects.size();

            MatchStatus[] paired = {MatchStatus.MATCHED, MatchStatus.MATCHED_WITHIN_TOLERANCE, MatchStatus.BREAK};
            int[] pairCounts = {settings.matched(), settings.withinTolerance(), settings.breaks()};
            for (int s = 0; s < paired.length; s++) {
                for (int k = 0; k < pairCounts[s]; k++) {
                    Pair p = pair(paired[s], k);
                    internal.add(internalRecord(p.ours().rendered(), p.ours().text(), true));
                    items.add(new Item(p.theirs().text()));
                    duplicable.add(p.theirs());
                    duplicableItem.add(items.size() - 1);
                    expect(p.ours().matchKey(), paired[s], p.breakFields());
                }
            }
            for (int k = 0; k < settings.unmatchedInternal(); k++) {
                Built ours = oneSided(false);
                internal.add(internalRecord(ours.rendered(), ours.text(), true));
                expect(ours.matchKey(), MatchStatus.UNMATCHED_INTERNAL, Set.of());
            }
            List<Built> counterpartyOnly = new ArrayList<>();
            for (int k = 0; k < settings.unmatchedCounterparty(); k++) {
                Built theirs = oneSided(true);
                counterpartyOnly.add(theirs);
                expect(theirs.matchKey(), MatchStatus.UNMATCHED_COUNTERPARTY, Set.of());
            }
            List<Built> conflicted = ValueFactory.shuffled(counterpartyOnly, r).subList(0, settings.conflictingDuplicates());
            // What only a secondary-key pass can pair: one row per pair, under our match key.
            List<Built> keyedTheirs = new ArrayList<>();
            for (int k = 0; k < secondaryMatches; k++) {
                Pair p = secondaryPair();
                internal.add(internalRecord(p.ours().rendered(), p.ours().text(), true));
                keyedTheirs.add(p.theirs());
                putTruth(Truth.ExpectedKey.secondary(dateText, p.ours().matchKey(), counterparty, MatchStatus.MATCHED,
                        Set.of(), p.theirs().matchKey()));
            }
            // What a secondary key would pair with several records: every record of the group is AMBIGUOUS.
            for (int k = 0; k < ambiguousGroups; k++) {
                Group g = ambiguousGroup(k % 2 == 0);
                Set<String> oursKeys = new TreeSet<>();
                Set<String> theirsKeys = new TreeSet<>();
                g.ours().forEach(b -> oursKeys.add(b.matchKey()));
                g.theirs().forEach(b -> theirsKeys.add(b.matchKey()));
                for (Built b : g.ours()) {
                    internal.add(internalRecord(b.rendered(), b.text(), true));
                    putTruth(Truth.ExpectedKey.ambiguous(dateText, b.matchKey(), counterparty, Side.INTERNAL, theirsKeys));
                }
                for (Built b : g.theirs()) {
                    keyedTheirs.add(b);
                    putTruth(Truth.ExpectedKey.ambiguous(dateText, b.matchKey(), counterparty, Side.COUNTERPARTY, oursKeys));
                }
            }
            for (Built theirs : keyedTheirs) {
                items.add(new Item(theirs.text()));
                duplicable.add(theirs);
                duplicableItem.add(items.size() - 1);
            }
            // A valid record is told apart from its duplicates by its idempotency key (issue 4), so the
            // manifest counts a conflicting pair once; its copies share the control value.
            Set<Item> conflictCopies = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Built theirs : counterpartyOnly) {
                items.add(new Item(theirs.text()));
                if (conflicted.contains(theirs)) {
                    Conflict c = conflictCopy(theirs);
                    Item copyItem = new Item(c.copy().text());
                    conflictCopies.add(copyItem);
                    items.add(copyItem);
                    reject(Side.COUNTERPARTY, ErrorCode.DUPLICATE_CONFLICT, c.field(), theirs.matchKey(),
                            List.of(theirs.text(), c.copy().text()));
                } else {
                    duplicable.add(theirs);
                    duplicableItem.add(items.size() - 1);
                }
            }
            for (int k = 0; k < settings.invalidCounterparty(); k++) {
                Invalid inv = invalid(Side.COUNTERPARTY, k);
                items.add(new Item(inv.text()));
                reject(Side.COUNTERPARTY, inv.code(), inv.field(), inv.matchKey(), List.of(inv.text()));
            }
            for (int k = 0; k < settings.invalidInternal(); k++) {
                Invalid inv = invalid(Side.INTERNAL, k);
                Scenario.InternalRecord rec = internalRecord(inv.rendered(), inv.text(), false);
                internal.add(rec);
                reject(Side.INTERNAL, inv.code(), inv.field(), inv.matchKey(), List.of(rec.json(), rec.csvRow()));
            }
            int distinct = items.size() - conflictCopies.size();
            BigDecimal control = BigDecimal.ZERO;
            for (Item it : items) {
                if (conflictCopies.contains(it)) {
                    continue;
                }
                BigDecimal v = controlValue(it.text);
                if (v != null) {
                    control = control.add(v);
                }
            }
            List<Integer> chosen = ValueFactory.shuffled(indexes(duplicable.size()), r).subList(0, settings.exactDuplicates());
            for (int g = 0; g < chosen.size(); g++) {
                Built original = duplicable.get(chosen.get(g));
                // The same values written again (perhaps differently): an exact duplicate by content.
                Built again = counterpartyRecord(original.values());
                items.get(duplicableItem.get(chosen.get(g))).group = g;
                Item copy = new Item(again.text());
                copy.group = g;
                items.add(copy);
            }
            List<Scenario.Page> pages = paginate(items);

            int rejected = truthRejects.size() - rejectsBefore - settings.invalidInternal();
            served += items.size();
            duplicatesDropped += settings.exactDuplicates();
            counterpartyRejected += rejected;
            counterpartyValid += items.size() - rejected - settings.exactDuplicates();
            internalWritten += internal.size();
            internalValid += internal.size() - settings.invalidInternal();
            internalRejected += settings.invalidInternal();

            String h = SimKeys.sha256(settings.seed() + "|" + feed.name() + "|" + counterparty + "|" + date + "|batch");
            String batchId = "batch-" + dateText.replace("-", "") + "-" + h.substring(0, 12);
            Instant published = date.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC)
                    .plusSeconds(3600 + Long.parseLong(h.substring(12, 16), 16) % 3600);
            Scenario.Manifest manifest = new Scenario.Manifest(feed.name(), dateText, batchId, distinct, pages.size(),
                    SimKeys.canonical(control), published.toString());
            return new Scenario.Batch(counterparty, date, manifest, pages, ValueFactory.shuffled(internal, r));
        }

        private List<Integer> indexes(int n) {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(i);
            }
            return out;
        }

        private void expect(String matchKey, MatchStatus status, Set<String> breakFields) {
            putTruth(new Truth.ExpectedKey(dateText, matchKey, counterparty, status, breakFields));
        }

        private void putTruth(Truth.ExpectedKey key) {
            Truth.KeyRef ref = new Truth.KeyRef(key.businessDate(), key.matchKey());
            if (truthKeys.put(ref, key) != null) {
                throw new IllegalStateException("match key used twice: " + ref);
            }
        }

        private void reject(Side side, ErrorCode code, String field, String matchKey, List<String> raws) {
            truthRejects.add(new Truth.ExpectedReject(dateText, counterparty, side, code, field, matchKey, raws));
        }

        private Scenario.InternalRecord internalRecord(Map<String, Json> rendered, String text, boolean valid) {
            Map<String, String> cells = cells(rendered);
            return new Scenario.InternalRecord(counterparty, text, cells, InternalFiles.csvRow(feed, cells), valid);
        }

        // --- base records ---------------------------------------------------------------------

        /** Random valid values with a fresh key (not yet registered as used). */
        private Map<String, Object> base() {
            Set<String> keepPresent = new HashSet<>(matchKeyNames);
            for (MatchRule rule : rules) {
                if (rule.kind() == RuleKind.OPPOSITE) {
                    keepPresent.add(rule.internalField());
                }
            }
            Map<String, Object> v = new LinkedHashMap<>();
            for (FieldSpec f : feed.fields()) {
                boolean absent = f.optional() && !keepPresent.contains(f.name()) && r.nextInt(5) == 0;
                v.put(f.name(), absent ? null : values.random(f, r, date));
            }
            if (discriminator != null) {
                counter++;
                v.put(discriminator.name(), ValueFactory.word(discriminator) + "-" + tag + "-" + String.format(Locale.ROOT, "%05d", counter));
            }
            for (MatchRule rule : rules) {
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
                for (DomainCheck check : feed.checks()) {
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
                        Object stepped = step(feed.field(check.otherField()), b, want.less() ? 1 : -1);
                        if (stepped != null) {
                            v.put(check.otherField(), stepped);
                        }
                    }
                }
            }
        }

        private Built internalRecord(Map<String, Object> v) {
            Map<String, Json> m = new LinkedHashMap<>();
            for (FieldSpec f : feed.fields()) {
                m.put(f.name(), ValueFactory.canonical(f, v.get(f.name())));
            }
            if (!withinChecks(v)) {
                return null;
            }
            return new Built(v, m, Json.object(m), SimKeys.matchKey(v, feed.matchKey()));
        }

        private Map<String, Json> renderVaried(Map<String, Object> v) {
            List<FieldSpec> order = r.nextInt(4) == 0 ? ValueFactory.shuffled(feed.fields(), r) : feed.fields();
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

        private Built counterpartyRecord(Map<String, Object> v) {
            Map<String, Json> m = renderVaried(v);
            if (!withinChecks(v)) {
                return null;
            }
            return new Built(v, m, Json.object(m), SimKeys.matchKey(v, feed.matchKey()));
        }

        /** Our record as the counterparty would report it when everything agrees. */
        private Map<String, Object> mirror(Map<String, Object> ours) {
            Map<String, Object> t = new LinkedHashMap<>(ours);
            for (MatchRule rule : rules) {
                if (matchKeyNames.contains(rule.field())) {
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
            for (String s : feed.field(rule.field()).symbols()) {
                if (!s.equals(v.toString())) {
                    return s;
                }
            }
            return null;
        }

        // --- pairs ----------------------------------------------------------------------------

        private Pair pair(MatchStatus status, int k) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Built ours = internalRecord(base());
                if (ours == null || usedKeys.contains(ours.matchKey())) {
                    continue;
                }
                Map<String, Object> theirs = mirror(ours.values());
                List<Integer> order = switch (status) {
                    case MATCHED -> List.of(-1);
                    case MATCHED_WITHIN_TOLERANCE -> rotate(toleranceRules, k + attempt);
                    default -> rotate(breakRules, k + attempt);
                };
                for (int ri : order) {
                    // A MATCHED pair has one candidate: the mirror itself (ri < 0 changes nothing).
                    List<Object> candidates = ri < 0 ? java.util.Collections.singletonList(null)
                            : status == MatchStatus.BREAK ? breakValues(rules.get(ri), ours.values(), theirs)
                            : withinValues(rules.get(ri), ours.values());
                    for (Object candidate : candidates) {
                        Map<String, Object> t = new LinkedHashMap<>(theirs);
                        if (ri >= 0) {
                            t.put(rules.get(ri).field(), candidate);
                        }
                        Built cp = counterpartyRecord(t);
                        if (cp == null || !cp.matchKey().equals(ours.matchKey())) {
                            continue;
                        }
                        RuleJudge.Verdict d = judge.decide(ours.values(), cp.values(), primaryPasses);
                        if (d.status() != status) {
                            continue;
                        }
                        Set<String> broken = new TreeSet<>(d.breaks());
                        if (status == MatchStatus.BREAK && !broken.equals(Set.of(rules.get(ri).field()))) {
                            continue;
                        }
                        usedKeys.add(ours.matchKey());
                        return new Pair(ours, cp, broken);
                    }
                }
            }
            throw new IllegalStateException("feed " + feed.name() + ": could not generate a " + status
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
            FieldSpec theirs = feed.field(rule.field());
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
            FieldSpec tf = feed.field(rule.field());
            Object v = ours.get(rule.internalField());
            Object current = theirs.get(rule.field());
            List<Object> out = new ArrayList<>();
            int sign = r.nextBoolean() ? 1 : -1;
            switch (rule.kind()) {
                case EQUAL -> out.addAll(values.alternatives(tf, current, r, date));
                case OPPOSITE -> addNonNull(out, v);
                case ABS_TOLERANCE, REL_TOLERANCE -> {
                    if (v == null) {
                        out.add(values.random(tf, r, date));
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
                        out.add(values.random(tf, r, date));
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

        private void addNonNull(List<Object> out, Object v) {
            if (v != null) {
                out.add(v);
            }
        }

        // --- one-sided records and duplicates -------------------------------------------------

        private Built oneSided(boolean counterpartySide) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Built ours = internalRecord(base());
                if (ours == null || usedKeys.contains(ours.matchKey())) {
                    continue;
                }
                Built out = counterpartySide ? counterpartyRecord(mirror(ours.values())) : ours;
                if (out == null || !out.matchKey().equals(ours.matchKey())) {
                    continue;
                }
                // Left unmatched by the match key, it must find no candidate under any secondary key either.
                if (!secondaryKeysFree(out.values())) {
                    continue;
                }
                takeSecondaryKeys(out.values(), passKeys.keySet());
                usedKeys.add(out.matchKey());
                return out;
            }
            throw new IllegalStateException("feed " + feed.name() + ": could not generate a fresh valid record");
        }

        /** The same key served again with another value in a non-key field. */
        private Conflict conflictCopy(Built original) {
            String idem = SimKeys.hash(original.values(), feed.idempotencyKey());
            String hash = SimKeys.hash(original.values(), allFieldNames);
            for (FieldSpec f : ValueFactory.shuffled(feed.fields(), r)) {
                if (keyNames.contains(f.name()) || f.name().equals(feed.controlField()) || passKeyNames.contains(f.name())) {
                    continue;
                }
                Object current = original.values().get(f.name());
                List<Object> alts = new ArrayList<>(values.alternatives(f, current, r, date));
                if (f.optional() && current != null) {
                    alts.add(null);
                }
                for (Object alt : alts) {
                    Map<String, Object> v = new LinkedHashMap<>(original.values());
                    v.put(f.name(), alt);
                    Built copy = counterpartyRecord(v);
                    if (copy != null && copy.matchKey().equals(original.matchKey())
                            && SimKeys.hash(copy.values(), feed.idempotencyKey()).equals(idem)
                            && !SimKeys.hash(copy.values(), allFieldNames).equals(hash)) {
                        return new Conflict(copy, f.name());
                    }
                }
            }
            throw new IllegalStateException("feed " + feed.name() + ": no valid conflicting copy of " + original.text());
        }

        // --- secondary keys ---------------------------------------------------------------------

        /** A record's secondary key in {@code pass}: business date and canonical key values; null when a key field is absent. */
        private String secondaryKey(Map<String, Object> rec, MatchPass pass) {
            StringBuilder sb = new StringBuilder(dateText).append('|').append(pass.number());
            for (FieldSpec f : passKeys.get(pass)) {
                String v = SimKeys.canonical(rec.get(f.name()));
                if (v == null) {
                    return null; // a record with an absent key field takes no part in the pass
                }
                sb.append('\u001f').append(v);
            }
            return sb.toString();
        }

        /** Whether no still-unmatched record generated so far shares any of the record's secondary keys. */
        private boolean secondaryKeysFree(Map<String, Object> rec) {
            for (MatchPass p : passKeys.keySet()) {
                String k = secondaryKey(rec, p);
                if (k != null && takenSecondaryKeys.contains(k)) {
                    return false;
                }
            }
            return true;
        }

        private void takeSecondaryKeys(Map<String, Object> rec, Iterable<MatchPass> passes) {
            for (MatchPass p : passes) {
                String k = secondaryKey(rec, p);
                if (k != null) {
                    takenSecondaryKeys.add(k);
                }
            }
        }

        /** Whether our record and theirs are candidates of each other under the keyed pass's rules. */
        private boolean candidates(Built ours, Built theirs) {
            return judge.candidates(ours.values(), theirs.values(), keyedPass);
        }

        /**
         * The values with one match-key field outside the keyed pass's key changed (a fresh
         * discriminator, or another valid value of the field), each a way to another match key.
         */
        private List<Map<String, Object>> rekeyed(Map<String, Object> like) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (FieldSpec f : ValueFactory.shuffled(rekeyable, r)) {
                if (f == discriminator) {
                    counter++;
                    Map<String, Object> v = new LinkedHashMap<>(like);
                    v.put(f.name(), ValueFactory.word(f) + "-" + tag + "-" + String.format(Locale.ROOT, "%05d", counter));
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
                Built ours = internalRecord(base());
                if (ours != null && !usedKeys.contains(ours.matchKey()) && secondaryKey(ours.values(), keyedPass) != null
                        && secondaryKeysFree(ours.values())) {
                    return ours;
                }
            }
            throw new IllegalStateException("feed " + feed.name() + ": could not generate a record with a free secondary key");
        }

        /**
         * A record like {@code like} (ours when {@code counterpartySide} is false, else the mirror of
         * ours) under another match key that neither {@code taken} nor any earlier record has, with
         * the same secondary key as {@code ours}, and a candidate of every record in {@code
         * mustPairWith}; null when there is none.
         */
        private Built rekeyedRecord(Built ours, boolean counterpartySide, Set<String> taken, List<Built> mustPairWith) {
            String key = secondaryKey(ours.values(), keyedPass);
            Map<String, Object> like = counterpartySide ? mirror(ours.values()) : ours.values();
            for (Map<String, Object> v : rekeyed(like)) {
                Built b = counterpartySide ? counterpartyRecord(v) : internalRecord(v);
                if (b == null || usedKeys.contains(b.matchKey()) || taken.contains(b.matchKey())
                        || !key.equals(secondaryKey(b.values(), keyedPass))) {
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
        private Pair secondaryPair() {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                Built ours = keyedSeed();
                Built theirs = rekeyedRecord(ours, true, Set.of(ours.matchKey()), List.of(ours));
                if (theirs == null || judge.decide(ours.values(), theirs.values(), List.of(keyedPass)).status() != MatchStatus.MATCHED) {
                    continue;
                }
                takeSecondaryKeys(ours.values(), List.of(keyedPass));
                usedKeys.add(ours.matchKey());
                usedKeys.add(theirs.matchKey());
                return new Pair(ours, theirs, Set.of());
            }
            throw new IllegalStateException("feed " + feed.name() + ": could not generate a pair for pass '"
                    + keyedPass.name() + "' in " + ATTEMPTS + " attempts");
        }

        private record Group(List<Built> ours, List<Built> theirs) {}

        /** Three records sharing a secondary key, every one of ours a candidate of every one of theirs. */
        private Group ambiguousGroup(boolean twoOfOurs) {
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
                takeSecondaryKeys(first.values(), List.of(keyedPass));
                usedKeys.addAll(taken);
                return new Group(ours, theirs);
            }
            throw new IllegalStateException("feed " + feed.name() + ": could not generate an ambiguous group for pass '"
                    + keyedPass.name() + "' in " + ATTEMPTS + " attempts");
        }

        // --- invalid records ------------------------------------------------------------------

        private Invalid invalid(Side side, int k) {
            List<ErrorCode> codes = side == Side.COUNTERPARTY ? counterpartyCodes : internalCodes;
            for (int i = 0; i < codes.size(); i++) {
                ErrorCode code = codes.get((k + i) % codes.size());
                for (int attempt = 0; attempt < 20; attempt++) {
                    Built base = internalRecord(base());
                    if (base == null || usedKeys.contains(base.matchKey())) {
                        continue;
                    }
                    Map<String, Json> rendered = side == Side.COUNTERPARTY ? renderVaried(base.values()) : base.rendered();
                    // Each candidate breaks exactly the rule of its code in its field, so the first will do.
                    List<Candidate> candidates = invalidCandidates(code, base.values(), rendered, side);
                    if (!candidates.isEmpty()) {
                        Candidate c = candidates.get(0);
                        // The key is spent even when the record's key fields are broken: no other record reuses it.
                        usedKeys.add(base.matchKey());
                        boolean keyIntact = c.rendered() != null && c.touched().stream().noneMatch(matchKeyNames::contains);
                        String text = c.rendered() != null ? Json.object(c.rendered()) : c.verbatim();
                        return new Invalid(code, c.field(), keyIntact ? base.matchKey() : null, c.rendered(), text);
                    }
                }
            }
            throw new IllegalStateException("feed " + feed.name() + ": could not generate an invalid " + side + " record");
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
            for (FieldSpec f : ValueFactory.shuffled(feed.fields(), r)) {
                if (!matchKeyNames.contains(f.name())) {
                    fields.add(f);
                }
            }
            for (FieldSpec f : ValueFactory.shuffled(feed.fields(), r)) {
                if (matchKeyNames.contains(f.name())) {
                    fields.add(f);
                }
            }
            List<Candidate> out = new ArrayList<>();
            for (FieldSpec f : fields) {
                Object value = v.get(f.name()) != null ? v.get(f.name()) : values.random(f, r, date);
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
                for (DomainCheck check : ValueFactory.shuffled(feed.checks(), r)) {
                    crossFieldBreaks(out, check, v, rendered, side);
                }
                // Range and cross-field violations alike, not always the first kind found.
                return ValueFactory.shuffled(out, r);
            }
            if (code == ErrorCode.RECORD_UNPARSEABLE) {
                List<String> texts = List.of("[" + Json.object(rendered) + "]", Integer.toString(r.nextInt(100_000)),
                        Scenario.json(g -> g.writeString("record " + counter)));
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
            FieldSpec a = feed.field(check.field());
            FieldSpec b = feed.field(check.otherField());
            Object bv = v.get(b.name()) != null ? v.get(b.name()) : values.random(b, r, date);
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

        // --- pages ----------------------------------------------------------------------------

        private List<Scenario.Page> paginate(List<Item> all) {
            List<Item> items = ValueFactory.shuffled(all, r);
            int size = settings.pageSize();
            int pageCount = (items.size() + size - 1) / size;
            if (pageCount > 1) {
                // An exact duplicate goes on another page than its original (at-least-once delivery across pages).
                // Where each group's twins are, kept up to date across swaps (a scan per lookup is quadratic at 1 M records).
                Map<Integer, int[]> where = twinPositions(items);
                for (int g = 0; g < settings.exactDuplicates(); g++) {
                    int[] at = twins(where, g);
                    for (int tries = 0; tries < 10_000 && at[0] / size == at[1] / size; tries++) {
                        int q = r.nextInt(items.size());
                        int page = at[1] / size;
                        if (q / size == page) {
                            continue;
                        }
                        Item x = items.get(q);
                        if (x.group >= 0) {
                            int[] xt = twins(where, x.group);
                            int partner = xt[0] == q ? xt[1] : xt[0];
                            if (partner / size == page) {
                                continue;
                            }
                        }
                        items.set(q, items.get(at[1]));
                        items.set(at[1], x);
                        moved(where.get(g), at[1], q);
                        if (x.group >= 0) {
                            moved(where.get(x.group), q, at[1]);
                        }
                        at = twins(where, g);
                    }
                }
            }
            List<Scenario.Page> pages = new ArrayList<>();
            for (int p = 0; p < pageCount; p++) {
                List<String> texts = new ArrayList<>();
                for (Item it : items.subList(p * size, Math.min(items.size(), (p + 1) * size))) {
                    texts.add(it.text);
                }
                pages.add(new Scenario.Page(p + 1, texts));
            }
            return pages;
        }

        /** Each group's first and last position, as a scan in page order finds them. */
        private static Map<Integer, int[]> twinPositions(List<Item> items) {
            Map<Integer, int[]> where = new HashMap<>();
            for (int i = 0; i < items.size(); i++) {
                int group = items.get(i).group;
                if (group >= 0) {
                    int[] at = where.computeIfAbsent(group, k -> new int[] {-1, -1});
                    at[at[0] < 0 ? 0 : 1] = i;
                }
            }
            return where;
        }

        /** A group's two positions, lower first. */
        private static int[] twins(Map<Integer, int[]> where, int group) {
            int[] at = where.getOrDefault(group, new int[] {-1, -1});
            return at[0] <= at[1] ? new int[] {at[0], at[1]} : new int[] {at[1], at[0]};
        }

        private static void moved(int[] at, int from, int to) {
            at[at[0] == from ? 0 : 1] = to;
        }
    }

    /** The control field's value in a served record text, when it is there and parses as a decimal. */
    private BigDecimal controlValue(String text) {
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

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
        return ((Comparable) a).compareTo(b);
    }

    /**
     * The order a cross-field check asks the generator to write its two values in: the first before
     * the second ({@code less}) or after it, and whether they may be equal.
     */
    private record Order(boolean less, boolean strict) {
        static Order of(DomainCheck.Operator op) {
            return new Order(op == DomainCheck.Operator.LESS_THAN || op == DomainCheck.Operator.LESS_OR_EQUAL,
                    op == DomainCheck.Operator.LESS_THAN || op == DomainCheck.Operator.GREATER_THAN);
        }

        /** Whether values comparing as {@code c} (first to second) are already in this order. */
        boolean satisfiedBy(int c) {
            return c == 0 ? !strict : (c < 0) == less;
        }
    }

    /**
     * Whether values keep the feed's ranges and cross-field checks (a changed value can leave
     * them: a BREAK on delivery_start past delivery_end, say); such a record would be a reject.
     */
    private boolean withinChecks(Map<String, Object> v) {
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
    private static Object step(FieldSpec f, Object v, int direction) {
        return switch (f.kind()) {
            case TIMESTAMP -> ((Instant) v).plus(direction, ChronoUnit.HOURS);
            case DATE -> ((LocalDate) v).plusDays(direction);
            case INT, LONG, DECIMAL -> ValueFactory.plus(f, v, BigDecimal.valueOf(direction));
            case STRING -> direction > 0 ? v + "~" : null;
            default -> null;
        };
    }
}
