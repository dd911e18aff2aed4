package io.reconflow.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import io.reconflow.domain.match.RuleKind;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioGeneratorTest {
    /** Parses as the job must: decimals exact. */
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /**
     * Two dates and two counterparties, so per-batch seeding and key uniqueness across batches are
     * exercised; secondary pairs and ambiguous groups where the feed has a keyed pass.
     */
    private static ScenarioSettings settings() {
        return ScenarioSettings.small()
                .withBusinessDates(List.of(LocalDate.of(2026, 11, 20), LocalDate.of(2026, 11, 21)))
                .withCounterparties(List.of("counterparty-a", "counterparty-b"))
                .withPasses(3, 2);
    }

    static List<SimFeeds.Feed> feeds() {
        return SimFeeds.all();
    }

    private static Scenario generate(SimFeeds.Feed f) {
        return ScenarioGenerator.generate(f.spec(), f.match(), settings());
    }

    private static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static Set<String> counterpartyRejectRaws(Scenario s) {
        Set<String> raws = new HashSet<>();
        s.truth().rejects().stream()
                .filter(r -> r.side() == Side.COUNTERPARTY && r.code() != ErrorCode.DUPLICATE_CONFLICT)
                .forEach(r -> raws.add(r.raw()));
        return raws;
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void theSameSeedGivesTheSameScenarioAndAnotherSeedAnotherOne(SimFeeds.Feed f) {
        Scenario a = generate(f);
        Scenario b = generate(f);
        assertThat(b).isEqualTo(a);
        Scenario c = ScenarioGenerator.generate(f.spec(), f.match(), settings().withSeed(8L));
        assertThat(c.batches().get(0).pages()).isNotEqualTo(a.batches().get(0).pages());
        assertThat(c.truth().statusCounts()).isEqualTo(a.truth().statusCounts());
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void statusCountsAndTotalsFollowTheSettings(SimFeeds.Feed f) {
        Scenario s = generate(f);
        ScenarioSettings set = settings();
        long batches = (long) set.businessDates().size() * set.counterparties().size();
        assertThat(s.batches()).hasSize((int) batches);
        boolean keyed = SimFeeds.keyed(f);
        long secondary = keyed ? set.secondaryMatches() : 0;
        long ambiguousRows = keyed ? 3L * set.ambiguousGroups() : 0;
        assertThat(s.truth().statusCounts()).containsExactlyInAnyOrderEntriesOf(Map.of(
                MatchStatus.MATCHED, batches * (set.matched() + secondary),
                MatchStatus.MATCHED_WITHIN_TOLERANCE, batches * set.withinTolerance(),
                MatchStatus.BREAK, batches * set.breaks(),
                MatchStatus.UNMATCHED_INTERNAL, batches * set.unmatchedInternal(),
                MatchStatus.UNMATCHED_COUNTERPARTY, batches * set.unmatchedCounterparty(),
                MatchStatus.AMBIGUOUS, batches * ambiguousRows));
        assertThat(s.truth().keys().values().stream().filter(k -> k.matchType() == Truth.MatchType.SECONDARY).count())
                .isEqualTo(batches * secondary);
        Truth.Totals t = s.truth().totals();
        long served = s.batches().stream().mapToLong(b -> b.servedRecords().size()).sum();
        assertThat(t.counterpartyServed()).isEqualTo(served);
        assertThat(t.counterpartyValid() + t.counterpartyRejected() + t.exactDuplicatesDropped()).isEqualTo(served);
        assertThat(t.exactDuplicatesDropped()).isEqualTo(batches * set.exactDuplicates());
        assertThat(t.counterpartyRejected()).isEqualTo(batches * (set.invalidCounterparty() + set.conflictingDuplicates()));
        long internal = s.batches().stream().mapToLong(b -> b.internal().size()).sum();
        assertThat(t.internalWritten()).isEqualTo(internal);
        assertThat(t.internalValid() + t.internalRejected()).isEqualTo(internal);
        assertThat(t.internalRejected()).isEqualTo(batches * set.invalidInternal());
        long rejects = s.truth().rejectCounts().values().stream().mapToLong(Long::longValue).sum();
        assertThat(rejects).isEqualTo(t.counterpartyRejected() + t.internalRejected());
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void everyExpectedInvalidRecordIsRejectedWithItsCodeAndField(SimFeeds.Feed f) {
        Scenario s = generate(f);
        RecordValidator validator = new RecordValidator(f.spec());
        Set<ErrorCode> counterpartyCodes = new TreeSet<>();
        Set<ErrorCode> internalCodes = new TreeSet<>();
        Set<String> served = new HashSet<>();
        s.batches().forEach(b -> served.addAll(b.servedRecords()));
        for (Truth.ExpectedReject r : s.truth().rejects()) {
            if (r.code() == ErrorCode.DUPLICATE_CONFLICT) {
                continue;
            }
            if (r.side() == Side.COUNTERPARTY) {
                assertThat(served).contains(r.raw());
                RecordValidator.Outcome out = validator.validate(parse(r.raw()), false);
                assertThat(out.violation()).as(r.raw()).isNotNull();
                assertThat(out.violation().code()).as(r.raw()).isEqualTo(r.code());
                assertThat(out.violation().field()).as(r.raw()).isEqualTo(r.field());
                counterpartyCodes.add(r.code());
            } else {
                // The same record must be rejected alike from JSON Lines and from CSV text.
                Scenario.InternalRecord rec = s.internalRecords(LocalDate.parse(r.businessDate())).stream()
                        .filter(x -> x.json().equals(r.raws().get(0))).findFirst().orElseThrow();
                assertThat(rec.valid()).isFalse();
                assertThat(r.raws()).containsExactly(rec.json(), rec.csvRow());
                for (RecordValidator.Outcome out : List.of(validator.validate(parse(rec.json()), false),
                        validator.validate(csvNode(rec.cells()), true))) {
                    assertThat(out.violation()).as(rec.json()).isNotNull();
                    assertThat(out.violation().code()).as(rec.json()).isEqualTo(r.code());
                    assertThat(out.violation().field()).as(rec.json()).isEqualTo(r.field());
                }
                internalCodes.add(r.code());
            }
        }
        // small() has more invalid counterparty records than codes, so each producible code shows up.
        Set<ErrorCode> expected = new TreeSet<>(List.of(ErrorCode.MISSING_FIELD, ErrorCode.BAD_TYPE, ErrorCode.BAD_DECIMAL,
                ErrorCode.BAD_TIMESTAMP, ErrorCode.BAD_ENUM, ErrorCode.BAD_FORMAT, ErrorCode.DOMAIN_CHECK,
                ErrorCode.RECORD_UNPARSEABLE));
        if (f.spec().fields().stream().anyMatch(x -> x.kind() == io.reconflow.domain.feed.FieldKind.DATE)) {
            expected.add(ErrorCode.BAD_DATE);
        }
        assertThat(counterpartyCodes).isEqualTo(expected);
        assertThat(internalCodes).doesNotContain(ErrorCode.RECORD_UNPARSEABLE).isNotEmpty();
    }

    /** The row each counterparty record ends in, by (date, the record's own match key). */
    static Map<Truth.KeyRef, Truth.ExpectedKey> rowsOfCounterpartyRecords(Truth truth) {
        Map<Truth.KeyRef, Truth.ExpectedKey> out = new HashMap<>();
        for (Truth.ExpectedKey k : truth.keys().values()) {
            if (k.hasCounterparty()) {
                String own = k.matchType() == Truth.MatchType.SECONDARY ? k.counterpartyMatchKey() : k.matchKey();
                assertThat(out.put(new Truth.KeyRef(k.businessDate(), own), k)).as("two rows hold %s", own).isNull();
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void everyOtherRecordIsValidAndAllKeysAreAccountedFor(SimFeeds.Feed f) {
        Scenario s = generate(f);
        RecordValidator validator = new RecordValidator(f.spec());
        RecordKeys keys = new RecordKeys(f.spec());
        Set<String> invalidRaws = counterpartyRejectRaws(s);
        Map<Truth.KeyRef, Truth.ExpectedKey> counterpartyRows = rowsOfCounterpartyRecords(s.truth());
        for (Scenario.Batch b : s.batches()) {
            String date = b.businessDate().toString();
            for (String raw : b.servedRecords()) {
                if (invalidRaws.contains(raw)) {
                    continue;
                }
                RecordValidator.Outcome out = validator.validate(parse(raw), false);
                assertThat(out.violation()).as(raw).isNull();
                Truth.ExpectedKey k = counterpartyRows.get(new Truth.KeyRef(date, keys.matchKey(out.record())));
                assertThat(k).as(raw).isNotNull();
                assertThat(k.status()).isNotEqualTo(MatchStatus.UNMATCHED_INTERNAL);
                assertThat(k.hasCounterparty()).isTrue();
                assertThat(k.counterparty()).isEqualTo(b.counterparty());
            }
            for (Scenario.InternalRecord rec : b.internal()) {
                if (!rec.valid()) {
                    continue;
                }
                RecordValidator.Outcome json = validator.validate(parse(rec.json()), false);
                RecordValidator.Outcome csv = validator.validate(csvNode(rec.cells()), true);
                assertThat(json.violation()).as(rec.json()).isNull();
                assertThat(csv.violation()).as(rec.csvRow()).isNull();
                assertThat(keys.contentHash(csv.record())).isEqualTo(keys.contentHash(json.record()));
                Truth.ExpectedKey k = s.truth().keys().get(new Truth.KeyRef(date, keys.matchKey(json.record())));
                assertThat(k).as(rec.json()).isNotNull();
                assertThat(k.status()).isNotEqualTo(MatchStatus.UNMATCHED_COUNTERPARTY);
                assertThat(k.hasInternal()).isTrue();
            }
        }
        // Invalid records have fresh keys: none of them is a result row.
        for (Truth.ExpectedReject r : s.truth().rejects()) {
            if (r.code() != ErrorCode.DUPLICATE_CONFLICT && r.matchKey() != null) {
                assertThat(s.truth().keys()).doesNotContainKey(new Truth.KeyRef(r.businessDate(), r.matchKey()));
                assertThat(counterpartyRows).doesNotContainKey(new Truth.KeyRef(r.businessDate(), r.matchKey()));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void everyPairGetsItsExpectedDecisionFromTheRuleEvaluator(SimFeeds.Feed f) {
        Scenario s = generate(f);
        RecordValidator validator = new RecordValidator(f.spec());
        RecordKeys keys = new RecordKeys(f.spec());
        RuleEvaluator evaluator = new RuleEvaluator(f.spec(), new MatchSpec(f.match().rules(), f.match().primaryPasses()));
        Set<String> invalidRaws = counterpartyRejectRaws(s);
        Map<Truth.KeyRef, Row> ours = new HashMap<>();
        Map<Truth.KeyRef, Row> theirs = new HashMap<>();
        for (Scenario.Batch b : s.batches()) {
            String date = b.businessDate().toString();
            for (String raw : b.servedRecords()) {
                if (!invalidRaws.contains(raw)) {
                    Row rec = validator.validate(parse(raw), false).record();
                    theirs.putIfAbsent(new Truth.KeyRef(date, keys.matchKey(rec)), rec);
                }
            }
            for (Scenario.InternalRecord rec : b.internal()) {
                if (rec.valid()) {
                    Row r = validator.validate(parse(rec.json()), false).record();
                    assertThat(ours.put(new Truth.KeyRef(date, keys.matchKey(r)), r)).isNull();
                }
            }
        }
        Map<MatchStatus, Integer> seen = new HashMap<>();
        for (Truth.ExpectedKey k : s.truth().keys().values()) {
            Truth.KeyRef ref = new Truth.KeyRef(k.businessDate(), k.matchKey());
            seen.merge(k.status(), 1, Integer::sum);
            switch (k.status()) {
                case UNMATCHED_INTERNAL -> {
                    assertThat(ours).containsKey(ref);
                    assertThat(theirs).doesNotContainKey(ref);
                }
                case UNMATCHED_COUNTERPARTY -> {
                    assertThat(theirs).containsKey(ref);
                    assertThat(ours).doesNotContainKey(ref);
                }
                case AMBIGUOUS -> assertThat(k.side() == Side.INTERNAL ? ours : theirs).containsKey(ref);
                default -> {
                    Truth.KeyRef theirRef = new Truth.KeyRef(k.businessDate(), k.counterpartyMatchKey());
                    if (k.matchType() == Truth.MatchType.SECONDARY) {
                        assertThat(k.counterpartyMatchKey()).isNotEqualTo(k.matchKey());
                        assertThat(theirs).doesNotContainKey(ref);
                        assertThat(ours).doesNotContainKey(theirRef);
                    } else {
                        assertThat(k.matchType()).isEqualTo(Truth.MatchType.PRIMARY);
                        assertThat(theirRef).isEqualTo(ref);
                    }
                    RuleEvaluator.Decision d = evaluator.decide(ours.get(ref), theirs.get(theirRef));
                    assertThat(d.status()).as(ref.toString()).isEqualTo(k.status());
                    Set<String> broken = new TreeSet<>();
                    d.breaks().forEach(x -> broken.add(x.field()));
                    assertThat(broken).as(ref.toString()).isEqualTo(k.breakFields());
                    if (k.status() == MatchStatus.BREAK) {
                        assertThat(k.breakFields()).hasSize(1);
                    }
                }
            }
        }
        Set<MatchStatus> statuses = new TreeSet<>(List.of(MatchStatus.values()));
        if (!SimFeeds.keyed(f)) {
            statuses.remove(MatchStatus.AMBIGUOUS);
        }
        assertThat(seen.keySet()).isEqualTo(statuses);
        // Breaks rotate over the rules: with 9 breaks per batch every non-key rule breaks somewhere.
        Set<String> brokenFields = new TreeSet<>();
        s.truth().keys().values().forEach(k -> brokenFields.addAll(k.breakFields()));
        Set<String> ruleFields = new TreeSet<>();
        f.match().rules().forEach(r -> ruleFields.add(r.field()));
        assertThat(brokenFields).isEqualTo(ruleFields);
    }

    @Test
    void matchedRecordsAreWrittenDifferentlyWithoutChangingValue() {
        SimFeeds.Feed f = SimFeeds.energy();
        Scenario s = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small().withCounts(
                60, 0, 0, 0, 0, 0, 0, 0, 0));
        int decimalStrings = 0;
        int decimalNumbers = 0;
        int trailingZeros = 0;
        int offsets = 0;
        for (String raw : s.batches().get(0).servedRecords()) {
            JsonNode n = parse(raw);
            for (String field : List.of("volume_mwh", "price")) {
                JsonNode v = n.get(field);
                String text = v.isTextual() ? v.textValue() : raw.replaceAll(".*\"" + field + "\":([-0-9.]+).*", "$1");
                decimalStrings += v.isTextual() ? 1 : 0;
                decimalNumbers += v.isNumber() ? 1 : 0;
                trailingZeros += text.contains(".") && text.endsWith("0") ? 1 : 0;
            }
            for (String field : List.of("delivery_start", "delivery_end", "trade_time")) {
                offsets += n.get(field).textValue().endsWith("Z") ? 0 : 1;
            }
        }
        assertThat(decimalStrings).isPositive();
        assertThat(decimalNumbers).isPositive();
        assertThat(trailingZeros).isPositive();
        assertThat(offsets).isPositive();
        // Internal records are plain: UTC instants.
        for (Scenario.InternalRecord rec : s.batches().get(0).internal()) {
            assertThat(parse(rec.json()).get("trade_time").textValue()).endsWith("Z");
        }
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void manifestsAgreeWithThePagesAndDuplicatesAreWhereTheyShouldBe(SimFeeds.Feed f) {
        Scenario s = generate(f);
        FeedSpec spec = f.spec();
        RecordValidator validator = new RecordValidator(spec);
        RecordKeys keys = new RecordKeys(spec);
        Set<String> invalidRaws = counterpartyRejectRaws(s);
        ScenarioSettings set = settings();
        Set<String> batchIds = new HashSet<>();
        for (Scenario.Batch b : s.batches()) {
            Scenario.Manifest m = b.manifest();
            assertThat(m.feed()).isEqualTo(spec.name());
            assertThat(m.businessDate()).isEqualTo(b.businessDate().toString());
            assertThat(batchIds.add(m.batchId())).isTrue();
            assertThat(m.pageCount()).isEqualTo(b.pages().size());
            for (int p = 0; p < b.pages().size(); p++) {
                assertThat(b.pages().get(p).number()).isEqualTo(p + 1);
                assertThat(b.pages().get(p).records()).isNotEmpty().hasSizeLessThanOrEqualTo(set.pageSize());
                assertThat(parse(b.pages().get(p).body(m.batchId())).get("records")).hasSize(b.pages().get(p).records().size());
            }
            // Distinct records: valid ones by content, invalid ones each; the control sum over them.
            Map<String, Integer> pageOfContent = new HashMap<>();
            Map<String, String> idemOfContent = new HashMap<>();
            int distinct = 0;
            int repeats = 0;
            BigDecimal control = BigDecimal.ZERO;
            java.util.Set<String> idemSeen = new java.util.HashSet<>();
            for (Scenario.Page page : b.pages()) {
                for (String raw : page.records()) {
                    JsonNode node = parse(raw);
                    if (invalidRaws.contains(raw)) {
                        distinct++;
                        JsonNode c = node.isObject() ? node.get(spec.controlField()) : null;
                        if (c != null && c.isNumber()) {
                            control = control.add(c.decimalValue());
                        } else if (c != null && c.isTextual() && c.textValue().matches("-?\\d+(\\.\\d+)?")) {
                            control = control.add(new BigDecimal(c.textValue()));
                        }
                        continue;
                    }
                    Row rec = validator.validate(node, false).record();
                    String hash = java.util.HexFormat.of().formatHex(keys.contentHash(rec));
                    Integer earlier = pageOfContent.put(hash, page.number());
                    if (earlier != null) {
                        repeats++;
                        assertThat(earlier).as("an exact duplicate is on another page").isNotEqualTo(page.number());
                        continue;
                    }
                    idemOfContent.put(hash, keys.idempotencyKey(rec));
                    if (!idemSeen.add(keys.idempotencyKey(rec))) {
                        continue; // a conflicting copy: valid records are distinct by idempotency key
                    }
                    distinct++;
                    control = control.add((BigDecimal) FeedValues.comparable(rec, spec.field(spec.controlField())));
                }
            }
            assertThat(repeats).isEqualTo(set.exactDuplicates());
            assertThat(m.recordCount()).isEqualTo(distinct);
            assertThat(new BigDecimal(m.controlTotal())).isEqualByComparingTo(control);
            assertThat(m.controlTotal()).doesNotContain("E");
            // Conflicting duplicates: one idempotency key, two contents, the key still counterparty-only.
            Map<String, Integer> contentsPerIdem = new HashMap<>();
            idemOfContent.values().forEach(i -> contentsPerIdem.merge(i, 1, Integer::sum));
            assertThat(contentsPerIdem.values().stream().filter(c -> c > 1).count()).isEqualTo(set.conflictingDuplicates());
        }
        for (Truth.ExpectedReject r : s.truth().rejects()) {
            if (r.code() == ErrorCode.DUPLICATE_CONFLICT) {
                assertThat(r.raws()).hasSize(2);
                Row a = validator.validate(parse(r.raws().get(0)), false).record();
                Row b = validator.validate(parse(r.raws().get(1)), false).record();
                assertThat(keys.idempotencyKey(a)).isEqualTo(keys.idempotencyKey(b));
                assertThat(keys.contentHash(a)).isNotEqualTo(keys.contentHash(b));
                assertThat(FeedValues.canonical(a, spec.field(r.field()))).isNotEqualTo(FeedValues.canonical(b, spec.field(r.field())));
                assertThat(s.truth().status(r.businessDate(), r.matchKey())).isEqualTo(MatchStatus.UNMATCHED_COUNTERPARTY);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void theTruthIsWhatTheMatchingPassesMakeOfTheRecords(SimFeeds.Feed f) {
        Scenario s = generate(f);
        // An independent reference of the passes over the very records served and written.
        assertThat(PassesReference.run(s, f.spec(), f.match())).isEqualTo(PassesReference.expected(s.truth()));
    }

    @Test
    void secondaryPairsAndAmbiguousGroupsHaveTheAdvertisedShape() {
        SimFeeds.Feed f = SimFeeds.energyKeyed();
        Scenario s = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small().withPasses(4, 4));
        List<Truth.ExpectedKey> secondary = s.truth().keys().values().stream()
                .filter(k -> k.matchType() == Truth.MatchType.SECONDARY).toList();
        assertThat(secondary).hasSize(4).allSatisfy(k -> {
            assertThat(k.status()).isEqualTo(MatchStatus.MATCHED);
            assertThat(k.counterpartyMatchKey()).isNotNull().isNotEqualTo(k.matchKey());
            assertThat(k.side()).isNull();
        });
        List<Truth.ExpectedKey> ambiguous = s.truth().keys().values().stream()
                .filter(k -> k.status() == MatchStatus.AMBIGUOUS).toList();
        assertThat(ambiguous).hasSize(12).allSatisfy(k -> {
            assertThat(k.matchType()).isNull();
            assertThat(k.candidates()).isNotEmpty();
            // Every candidate is a record of the other side that is AMBIGUOUS too, and names this one back.
            for (String c : k.candidates()) {
                Truth.ExpectedKey other = s.truth().keys().get(new Truth.KeyRef(k.businessDate(), c));
                assertThat(other.status()).isEqualTo(MatchStatus.AMBIGUOUS);
                assertThat(other.side()).isNotEqualTo(k.side());
                assertThat(other.candidates()).contains(k.matchKey());
            }
        });
        // Both shapes: two of ours against one of theirs, and one of ours against two of theirs.
        assertThat(ambiguous.stream().filter(k -> k.side() == Side.INTERNAL).count()).isEqualTo(6);
        assertThat(ambiguous).anySatisfy(k -> assertThat(k.candidates()).hasSize(2));
        assertThat(ambiguous.stream().filter(k -> k.side() == Side.INTERNAL && k.candidates().size() == 2).count()).isEqualTo(2);
        assertThat(ambiguous.stream().filter(k -> k.side() == Side.COUNTERPARTY && k.candidates().size() == 2).count()).isEqualTo(2);
    }

    @Test
    void withoutAKeyedPassTheSecondaryCountsDoNothing() {
        SimFeeds.Feed f = SimFeeds.energy();
        Scenario with = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small().withPasses(5, 5));
        Scenario without = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small());
        assertThat(with.batches()).isEqualTo(without.batches());
        assertThat(with.truth()).isEqualTo(without.truth());
    }

    @Test
    void aKeyedPassWhoseKeyHoldsTheWholeMatchKeyCannotMakeSecondaryPairs() {
        SimFeeds.Feed f = SimFeeds.withSecondaryPass(SimFeeds.parcels(), List.of("shipment_id", "carrier", "pieces"), null);
        assertThatThrownBy(() -> ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small().withPasses(1, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secondaryMatches");
        // Without secondary pairs asked for, the pass is still honoured: the truth stays certain.
        Scenario s = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small());
        assertThat(PassesReference.run(s, f.spec(), f.match())).isEqualTo(PassesReference.expected(s.truth()));
    }

    @Test
    void thePresetsHaveTheAdvertisedSize() {
        SimFeeds.Feed f = SimFeeds.energy();
        Scenario demo = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.demo());
        assertThat(demo.truth().totals().counterpartyServed()).isBetween(2_000L, 5_000L);
        assertThat(demo.truth().totals().internalWritten()).isBetween(2_000L, 5_000L);
        Scenario small = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small());
        assertThat(small.truth().totals().counterpartyServed()).isBetween(10L, 99L);
        assertThat(small.batches().get(0).pages().size()).isGreaterThan(1);
    }

    @Test
    void aPatternFieldWithoutExamplesIsRefusedByName() {
        String schema = SimFeeds.withoutExamples(SimFeeds.energySchemaText());
        FeedSpec spec = FeedSpec.of("energy-confirmations", schema, List.of("trade_id"), null, "volume_mwh");
        assertThatThrownBy(() -> ScenarioGenerator.generate(spec, SimFeeds.energy().match(), ScenarioSettings.small()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("currency")
                .hasMessageContaining("examples");
    }

    @Test
    void toleranceKeysWithoutAToleranceRuleAreRefused() {
        SimFeeds.Feed f = SimFeeds.parcels();
        List<MatchRule> exactOnly = new ArrayList<>();
        for (MatchRule r : f.match().rules()) {
            if (!r.hasTolerance()) {
                exactOnly.add(r);
            }
        }
        MatchSpec spec = new MatchSpec(exactOnly, MatchSpec.defaultPasses());
        assertThatThrownBy(() -> ScenarioGenerator.generate(f.spec(), spec, ScenarioSettings.small()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MATCHED_WITHIN_TOLERANCE");
        Scenario s = ScenarioGenerator.generate(f.spec(), spec, ScenarioSettings.small().withCounts(5, 0, 4, 1, 1, 3, 2, 1, 0));
        assertThat(s.truth().statusCounts().get(MatchStatus.BREAK)).isEqualTo(4L);
    }

    @Test
    void aTimeWindowAgainstAnotherInternalFieldComparesThoseFields() {
        // Like broadcast-spots: the counterparty's optional aired instant against our scheduled one.
        SimFeeds.Feed f = SimFeeds.parcels();
        List<MatchRule> rules = new ArrayList<>(f.match().rules());
        rules.removeIf(r -> r.field().equals("delivered_at"));
        rules.add(new MatchRule("due_date", "ship_date", RuleKind.TIME_WINDOW, null, java.time.Duration.ofDays(1), Map.of()));
        // With due_date compared to ship_date, the schema's ship_date <= due_date check still holds when equal.
        MatchSpec spec = new MatchSpec(rules, MatchSpec.defaultPasses());
        Scenario s = ScenarioGenerator.generate(f.spec(), spec, ScenarioSettings.small());
        RecordValidator validator = new RecordValidator(f.spec());
        RecordKeys keys = new RecordKeys(f.spec());
        Set<String> invalid = counterpartyRejectRaws(s);
        Set<String> matched = new HashSet<>();
        for (String raw : s.batches().get(0).servedRecords()) {
            if (invalid.contains(raw)) {
                continue;
            }
            Row rec = validator.validate(parse(raw), false).record();
            if (s.truth().status("2026-11-20", keys.matchKey(rec)) == MatchStatus.MATCHED) {
                String key = keys.matchKey(rec);
                Row ours = s.batches().get(0).internal().stream().filter(Scenario.InternalRecord::valid)
                        .map(r -> validator.validate(parse(r.json()), false).record())
                        .filter(r -> keys.matchKey(r).equals(key)).findFirst().orElseThrow();
                assertThat(FeedValues.canonical(rec, f.spec().field("due_date")))
                        .isEqualTo(FeedValues.canonical(ours, f.spec().field("ship_date")));
                matched.add(key);
            }
        }
        assertThat(matched).hasSize(ScenarioSettings.small().matched());
    }

    private static ObjectNode csvNode(Map<String, String> cells) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        cells.forEach((k, v) -> node.put(k, v == null ? "" : v));
        return node;
    }
}
