package io.reconflow.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.domain.feed.Violation;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import io.reconflow.domain.match.RuleKind;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge cases, each on the feed's real schema and the rules of its real YAML
 * ({@code conf/recon/<feed>.yaml}), at the level of the job's own validator and rule evaluator.
 */
class FeedEdgeCasesTest {
    /** Parses JSON as the job does: decimals exact. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** One feed as the job sees it, and a valid record of ours (their record is ours unless a test changes it). */
    record Feed(String name, ReconConfig config, RecordValidator validator, RecordKeys keys, RuleEvaluator evaluator,
                Map<String, String> ours, Map<String, String> theirs, String rekeyField, String rekeyValue) {
        @Override
        public String toString() {
            return name;
        }

        FeedSpec spec() {
            return config.feed();
        }
    }

    /** Field name to JSON literal, in order. */
    private static Map<String, String> literals(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private static Feed feed(String name) {
        ReconConfig c = ReconConfig.load(Path.of("../conf/recon/" + name + ".yaml"), List.of());
        Map<String, String> ours;
        Map<String, String> theirs;
        String rekeyField;
        String rekeyValue;
        switch (name) {
            case "energy-confirmations" -> {
                ours = literals("trade_id", "\"T-1\"", "counterparty_id", "\"CP-1\"", "product", "\"POWER\"",
                        "delivery_point", "\"TTF\"", "delivery_start", "\"2026-11-20T05:00:00Z\"",
                        "delivery_end", "\"2026-11-20T06:00:00Z\"", "volume_mwh", "12.5", "price", "45.25",
                        "currency", "\"EUR\"", "side", "\"BUY\"", "trade_time", "\"2026-11-19T10:00:00Z\"");
                theirs = new LinkedHashMap<>(ours);
                theirs.put("side", "\"SELL\""); // as the reporting party sees it
                rekeyField = "trade_id";
                rekeyValue = "\"THEIR-77\"";
            }
            case "supply-invoices" -> {
                ours = literals("supplier_id", "\"SUP-1\"", "po_number", "\"PO-1\"", "po_line", "1", "sku", "\"SKU-1\"",
                        "quantity", "12.5", "unit_of_measure", "\"EA\"", "unit_price", "100.00",
                        "invoice_number", "\"INV-1\"", "ship_date", "\"2026-11-18\"");
                theirs = new LinkedHashMap<>(ours);
                rekeyField = "po_line";
                rekeyValue = "2";
            }
            case "rebate-claims" -> {
                ours = literals("vendor_id", "\"V-1\"", "promotion_id", "\"PR-1\"", "claim_period", "\"2026-11\"",
                        "sku", "\"SKU-1\"", "units", "1000", "rebate_amount", "12.5", "currency", "\"USD\"");
                theirs = new LinkedHashMap<>(ours);
                rekeyField = "promotion_id";
                rekeyValue = "\"VENDOR-PROMO-9\"";
            }
            case "meter-intervals" -> {
                ours = literals("meter_id", "\"M-1\"", "service_point_id", "\"SP-1\"",
                        "interval_start", "\"2026-11-20T05:00:00Z\"", "interval_minutes", "15", "kwh", "12.5",
                        "sequence", "1", "read_quality", "\"ACTUAL\"");
                theirs = new LinkedHashMap<>(ours);
                rekeyField = "meter_id";
                rekeyValue = "\"M-NEW-1\"";
            }
            case "broadcast-spots" -> {
                ours = literals("spot_id", "\"S-1\"", "station_id", "\"ST-1\"", "advertiser_id", "\"AD-1\"",
                        "scheduled_start", "\"2026-11-20T20:00:00Z\"", "aired_start", "null", "duration_seconds", "30",
                        "rate", "12.5");
                theirs = new LinkedHashMap<>(ours);
                theirs.put("aired_start", "\"2026-11-20T20:00:00Z\"");
                rekeyField = "spot_id";
                rekeyValue = "\"AS-RUN-555\"";
            }
            default -> throw new IllegalArgumentException(name);
        }
        return new Feed(name, c, new RecordValidator(c.feed()), new RecordKeys(c.feed()),
                new RuleEvaluator(c.feed(), c.matching()), ours, theirs, rekeyField, rekeyValue);
    }

    static Stream<Feed> feeds() {
        return Stream.of("energy-confirmations", "supply-invoices", "rebate-claims", "meter-intervals", "broadcast-spots")
                .map(FeedEdgeCasesTest::feed);
    }

    private static String text(Map<String, String> literals) {
        StringBuilder sb = new StringBuilder("{");
        literals.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return sb.append('}').toString();
    }

    private static Map<String, String> with(Map<String, String> base, String field, String literal) {
        Map<String, String> m = new LinkedHashMap<>(base);
        if (literal == null) {
            m.remove(field);
        } else {
            m.put(field, literal);
        }
        return m;
    }

    private static RecordValidator.Outcome validate(Feed f, Map<String, String> literals) {
        try {
            return f.validator().validate(JSON.readTree(text(literals)), false);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Row valid(Feed f, Map<String, String> literals) {
        RecordValidator.Outcome o = validate(f, literals);
        assertThat(o.violation()).as("%s: %s", f, text(literals)).isNull();
        return o.record();
    }

    private static Violation invalid(Feed f, Map<String, String> literals) {
        RecordValidator.Outcome o = validate(f, literals);
        assertThat(o.record()).as("%s should be rejected: %s", f, text(literals)).isNull();
        return o.violation();
    }

    private static RuleEvaluator.Decision decide(Feed f, Map<String, String> theirs) {
        return f.evaluator().decide(valid(f, f.ours()), valid(f, theirs));
    }

    private static Set<String> breaks(RuleEvaluator.Decision d) {
        Set<String> out = new TreeSet<>();
        d.breaks().forEach(b -> out.add(b.field()));
        return out;
    }

    private static String q(String s) {
        return "\"" + s + "\"";
    }

    // --- every feed ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("feeds")
    void ourRecordAndTheirsAsWrittenMatchExactly(Feed f) {
        assertThat(f.config().feed().name()).isEqualTo(f.name());
        RuleEvaluator.Decision d = decide(f, f.theirs());
        assertThat(d.status()).isEqualTo(MatchStatus.MATCHED);
        assertThat(d.pass().number()).isEqualTo(1);
        // The unknown extra field is ignored.
        assertThat(valid(f, with(f.theirs(), "note_from_counterparty", q("ignored")))).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("feeds")
    void aDecimalIsTheSameValueAsStringOrNumberWithOrWithoutTrailingZeros(Feed f) {
        for (FieldSpec field : f.spec().fields()) {
            if (field.kind() != FieldKind.DECIMAL) {
                continue;
            }
            Row number = valid(f, with(f.theirs(), field.name(), "12.5"));
            for (String literal : List.of("12.500", q("12.5"), q("12.500"), "12.50000000000000000")) {
                Row other = valid(f, with(f.theirs(), field.name(), literal));
                assertThat((BigDecimal) FeedValues.comparable(other, field)).as("%s %s", field.name(), literal)
                        .isEqualByComparingTo("12.5");
                assertThat(FeedValues.canonical(other, field)).isEqualTo("12.5");
                // The same content: a copy written the other way is an exact duplicate, not a conflict.
                assertThat(f.keys().contentHash(other)).isEqualTo(f.keys().contentHash(number));
                assertThat(f.keys().idempotencyKey(other)).isEqualTo(f.keys().idempotencyKey(number));
            }
            if (ruleOn(f, field.name()) != null) {
                // Ours a JSON number, theirs a JSON string, and the other way round: equal, MATCHED.
                Map<String, String> ours = with(f.ours(), field.name(), "12.5");
                for (String literal : List.of(q("12.5"), q("12.500"), "12.500")) {
                    RuleEvaluator.Decision d = f.evaluator().decide(valid(f, ours),
                            valid(f, with(f.theirs(), field.name(), literal)));
                    assertThat(d.status()).as("%s: 12.5 against %s", field.name(), literal).isEqualTo(MatchStatus.MATCHED);
                }
                RuleEvaluator.Decision d = f.evaluator().decide(valid(f, with(f.ours(), field.name(), q("12.500"))),
                        valid(f, with(f.theirs(), field.name(), "12.5")));
                assertThat(d.status()).isEqualTo(MatchStatus.MATCHED);
            }
        }
    }

    private static MatchRule ruleOn(Feed f, String field) {
        return f.config().matching().rules().stream().filter(r -> r.field().equals(field)).findFirst().orElse(null);
    }

    /**
     * Decimals of 18 and more significant digits compare exactly (a double holds about 16): one unit
     * in the 18th decimal place is a difference, and each tolerance holds up to its bound inclusive
     * and not one 10^-18 beyond.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("feeds")
    void decimalsWithEighteenAndMoreSignificantDigitsCompareExactly(Feed f) {
        BigDecimal ulp = new BigDecimal("1E-18");
        String wide = "12345678901234567890.123456789012345678"; // 38 significant digits
        Row wideRecord = valid(f, with(f.theirs(), firstDecimal(f).name(), wide));
        assertThat(FeedValues.canonical(wideRecord, firstDecimal(f))).isEqualTo(wide);
        assertThat(valid(f, with(f.theirs(), firstDecimal(f).name(), q(wide)))).isEqualTo(wideRecord);

        int checked = 0;
        for (MatchRule rule : f.config().matching().rules()) {
            if (f.spec().field(rule.field()).kind() != FieldKind.DECIMAL) {
                continue;
            }
            // 34 significant digits; the rule's bound keeps within the schema's 18 decimal places.
            BigDecimal ours = new BigDecimal("1234567890123456789.123456789012345");
            BigDecimal bound = switch (rule.kind()) {
                case ABS_TOLERANCE -> rule.tolerance();
                case REL_TOLERANCE -> rule.tolerance().multiply(ours);
                default -> BigDecimal.ZERO;
            };
            Map<String, String> oursRec = with(f.ours(), rule.internalField(), ours.toPlainString());
            RuleEvaluator.Decision same = f.evaluator().decide(valid(f, oursRec),
                    valid(f, with(f.theirs(), rule.field(), q(ours.toPlainString() + "000"))));
            assertThat(same.status()).as("%s equal", rule.field()).isEqualTo(MatchStatus.MATCHED);

            for (int sign : new int[] {1, -1}) {
                BigDecimal atBound = ours.add(bound.multiply(BigDecimal.valueOf(sign)));
                BigDecimal beyond = atBound.add(ulp.multiply(BigDecimal.valueOf(sign)));
                RuleEvaluator.Decision in = f.evaluator().decide(valid(f, oursRec),
                        valid(f, with(f.theirs(), rule.field(), atBound.toPlainString())));
                RuleEvaluator.Decision out = f.evaluator().decide(valid(f, oursRec),
                        valid(f, with(f.theirs(), rule.field(), q(beyond.toPlainString()))));
                if (rule.kind() == RuleKind.EQUAL) {
                    assertThat(in.status()).isEqualTo(MatchStatus.MATCHED);
                } else {
                    assertThat(in.status()).as("%s at its bound %s", rule.field(), atBound).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
                }
                assertThat(out.status()).as("%s one 1e-18 beyond: %s", rule.field(), beyond).isEqualTo(MatchStatus.BREAK);
                assertThat(breaks(out)).containsExactly(rule.field());
                assertThat(out.breaks().get(0).internalValue()).isEqualTo(FeedValues.plain(ours));
                assertThat(out.breaks().get(0).counterpartyValue()).isEqualTo(FeedValues.plain(beyond));
            }
            checked++;
        }
        assertThat(checked).as("the feed has a rule on a decimal").isPositive();
    }

    private static FieldSpec firstDecimal(Feed f) {
        return f.spec().fields().stream().filter(x -> x.kind() == FieldKind.DECIMAL).findFirst().orElseThrow();
    }

    /** The keyed pass of the YAML: a record under another match key but the same secondary key is a candidate. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("feeds")
    void theSecondaryPassPairsAnotherMatchKeyWithTheSameSecondaryKey(Feed f) {
        MatchSpec m = f.config().matching();
        assertThat(m.passes()).extracting(MatchPass::name).containsExactly("exact", "tolerance", "secondary");
        MatchPass pass = m.keyedPasses().get(0);
        assertThat(pass.key()).doesNotContain(f.rekeyField());
        Row ours = valid(f, f.ours());
        Row theirs = valid(f, with(f.theirs(), f.rekeyField(), f.rekeyValue()));
        assertThat(f.keys().matchKey(theirs)).isNotEqualTo(f.keys().matchKey(ours));
        assertThat(RecordKeys.joinValues(theirs, pass.key().stream().map(f.spec()::field).toList()))
                .isEqualTo(RecordKeys.joinValues(ours, pass.key().stream().map(f.spec()::field).toList()));
        assertThat(f.evaluator().candidates(ours, theirs, pass)).isTrue();
        RuleEvaluator.Decision d = f.evaluator().decide(ours, theirs, pass);
        assertThat(d.status()).isEqualTo(MatchStatus.MATCHED);
        assertThat(d.pass()).isEqualTo(pass);
        // A pass rule that breaks: no candidate.
        MatchRule passRule = m.rules().stream().filter(r -> pass.rules().contains(r.field())).findFirst().orElseThrow();
        Map<String, String> far = with(f.theirs(), f.rekeyField(), f.rekeyValue());
        far.put(passRule.field(), farValue(f, passRule));
        assertThat(f.evaluator().candidates(ours, valid(f, far), pass)).as("%s far off", passRule.field()).isFalse();
    }

    private static String farValue(Feed f, MatchRule rule) {
        return switch (f.spec().field(rule.field()).kind()) {
            case DECIMAL -> "9999.5";
            case INT -> "9999";
            case TIMESTAMP -> q("2026-11-21T20:00:00Z");
            case DATE -> q("2026-01-01");
            default -> q("OTHER");
        };
    }

    // --- meter-intervals -------------------------------------------------------------------------

    @Test
    void meterTheSameInstantWithTwoOffsetsIsTheSameKeyAndMatches() {
        Feed f = feed("meter-intervals");
        Row ours = valid(f, f.ours());
        for (String written : List.of("2026-11-20T06:00:00+01:00", "2026-11-20T00:00:00-05:00", "2026-11-20T10:30:00+05:30",
                "2026-11-20T05:00:00.000Z")) {
            Row theirs = valid(f, with(f.theirs(), "interval_start", q(written)));
            assertThat(f.keys().matchKey(theirs)).as(written).isEqualTo(f.keys().matchKey(ours)).isEqualTo("M-1|2026-11-20T05:00:00Z");
            assertThat(f.keys().idempotencyKey(theirs)).isEqualTo(f.keys().idempotencyKey(ours));
            assertThat(f.evaluator().decide(ours, theirs).status()).isEqualTo(MatchStatus.MATCHED);
        }
        // Another instant is another key.
        Row later = valid(f, with(f.theirs(), "interval_start", q("2026-11-20T05:00:00+01:00")));
        assertThat(f.keys().matchKey(later)).isEqualTo("M-1|2026-11-20T04:00:00Z");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-20T05:00:00", "2026-11-20T05:00", "2026-11-20 05:00:00", "2026-11-20"})
    void meterAnIntervalStartWithoutAnOffsetIsRejected(String written) {
        Feed f = feed("meter-intervals");
        Violation v = invalid(f, with(f.theirs(), "interval_start", q(written)));
        assertThat(v.code()).isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertThat(v.field()).isEqualTo("interval_start");
        // Our own CSV export likewise: never assumed to be UTC.
        ObjectNode cells = JsonNodeFactory.instance.objectNode();
        with(f.ours(), "interval_start", q(written)).forEach((k, lit) -> cells.put(k, lit.replace("\"", "")));
        assertThat(f.validator().validate(cells, true).violation().code()).isEqualTo(ErrorCode.BAD_TIMESTAMP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "5", "10", "45", "59", "61", "90", "-15", "1440"})
    void meterIntervalMinutesOutsideFifteenThirtySixtyIsRejected(String minutes) {
        Feed f = feed("meter-intervals");
        Violation v = invalid(f, with(f.theirs(), "interval_minutes", minutes));
        assertThat(v.code()).isEqualTo(ErrorCode.BAD_ENUM);
        assertThat(v.field()).isEqualTo("interval_minutes");
    }

    @Test
    void meterIntervalMinutesFifteenThirtySixtyAreValidAndMustBeIntegers() {
        Feed f = feed("meter-intervals");
        for (String ok : List.of("15", "30", "60")) {
            assertThat(valid(f, with(f.theirs(), "interval_minutes", ok)).getField(f.spec().field("interval_minutes").position())).isEqualTo(Integer.valueOf(ok));
        }
        assertThat(invalid(f, with(f.theirs(), "interval_minutes", q("15"))).code()).isEqualTo(ErrorCode.BAD_TYPE);
        assertThat(invalid(f, with(f.theirs(), "interval_minutes", "15.5")).code()).isEqualTo(ErrorCode.BAD_TYPE);
        // A different interval length for the same key breaks.
        RuleEvaluator.Decision d = decide(f, with(f.theirs(), "interval_minutes", "30"));
        assertThat(breaks(d)).containsExactly("interval_minutes");
    }

    @Test
    void meterKwhIsComparedWithAHalfPercentRelativeTolerance() {
        Feed f = feed("meter-intervals");
        Map<String, String> ours = with(f.ours(), "kwh", "200");
        Row o = valid(f, ours);
        assertThat(f.evaluator().decide(o, valid(f, with(f.theirs(), "kwh", "201"))).status())
                .isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(f.evaluator().decide(o, valid(f, with(f.theirs(), "kwh", "199.000"))).status())
                .isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(breaks(f.evaluator().decide(o, valid(f, with(f.theirs(), "kwh", "201.001"))))).containsExactly("kwh");
        assertThat(invalid(f, with(f.theirs(), "kwh", "-0.5")).code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(invalid(f, with(f.theirs(), "read_quality", q("VALIDATED"))).code()).isEqualTo(ErrorCode.BAD_ENUM);
    }

    // --- broadcast-spots -------------------------------------------------------------------------

    @Test
    void broadcastASpotWithNoAiredStartDidNotAirAndIsABreak() {
        Feed f = feed("broadcast-spots");
        for (String absent : new String[] {"null", null, q("")}) {
            Row theirs = valid(f, with(f.theirs(), "aired_start", absent));
            assertThat(theirs.getField(f.spec().field("aired_start").position())).isNull();
            RuleEvaluator.Decision d = f.evaluator().decide(valid(f, f.ours()), theirs);
            assertThat(d.status()).as("aired_start %s", absent).isEqualTo(MatchStatus.BREAK);
            assertThat(d.breaks()).singleElement().satisfies(b -> {
                assertThat(b.field()).isEqualTo("aired_start");
                assertThat(b.rule()).isEqualTo("time_window");
                assertThat(b.internalValue()).isEqualTo("2026-11-20T20:00:00Z"); // our scheduled_start
                assertThat(b.counterpartyValue()).isNull();
            });
        }
    }

    /**
     * Their record with {@code field} set to each case's value (a JSON string when {@code quoted})
     * against ours: the case's status, and a BREAK on that field alone.
     */
    private static void assertDecides(Feed f, String field, Map<String, MatchStatus> cases, boolean quoted) {
        cases.forEach((value, status) -> {
            RuleEvaluator.Decision d = decide(f, with(f.theirs(), field, quoted ? q(value) : value));
            assertThat(d.status()).as("%s %s", field, value).isEqualTo(status);
            if (status == MatchStatus.BREAK) {
                assertThat(breaks(d)).containsExactly(field);
            }
        });
    }

    @Test
    void broadcastAnAiredStartMoreThanThirtyMinutesFromScheduledStartBreaksOnThatField() {
        Feed f = feed("broadcast-spots");
        Map<String, MatchStatus> cases = new LinkedHashMap<>();
        cases.put("2026-11-20T20:00:00Z", MatchStatus.MATCHED);
        cases.put("2026-11-20T21:00:00+01:00", MatchStatus.MATCHED); // the same instant
        cases.put("2026-11-20T20:12:00Z", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("2026-11-20T20:30:00Z", MatchStatus.MATCHED_WITHIN_TOLERANCE); // inclusive
        cases.put("2026-11-20T19:30:00Z", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("2026-11-20T20:30:00.000001Z", MatchStatus.BREAK);
        cases.put("2026-11-20T19:29:59Z", MatchStatus.BREAK);
        cases.put("2026-11-20T21:31:00+01:00", MatchStatus.BREAK);
        cases.put("2026-11-20T23:00:00Z", MatchStatus.BREAK);
        assertDecides(f, "aired_start", cases, true);
        // Our own aired_start takes no part: the rule compares their aired_start with our scheduled_start.
        RuleEvaluator.Decision d = f.evaluator().decide(valid(f, with(f.ours(), "aired_start", q("2026-11-20T23:59:00Z"))),
                valid(f, f.theirs()));
        assertThat(d.status()).isEqualTo(MatchStatus.MATCHED);
    }

    @Test
    void broadcastDurationsAndRatesAreChecked() {
        Feed f = feed("broadcast-spots");
        for (String ok : List.of("15", "30", "60", "90", "120")) {
            valid(f, with(f.theirs(), "duration_seconds", ok));
        }
        for (String bad : List.of("0", "20", "45", "100", "180")) {
            Violation v = invalid(f, with(f.theirs(), "duration_seconds", bad));
            assertThat(v.code()).isEqualTo(ErrorCode.BAD_ENUM);
            assertThat(v.field()).isEqualTo("duration_seconds");
        }
        assertThat(invalid(f, with(f.theirs(), "rate", "-1")).code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(breaks(decide(f, with(f.theirs(), "rate", "12.51")))).containsExactly("rate");
        assertThat(breaks(decide(f, with(f.theirs(), "duration_seconds", "60")))).containsExactly("duration_seconds");
    }

    // --- supply-invoices -------------------------------------------------------------------------

    @Test
    void supplyShipDateIsComparedWithinAWindowOfDays() {
        Feed f = feed("supply-invoices");
        Map<String, MatchStatus> cases = new LinkedHashMap<>();
        cases.put("2026-11-18", MatchStatus.MATCHED);
        cases.put("2026-11-19", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("2026-11-20", MatchStatus.MATCHED_WITHIN_TOLERANCE); // two days: inclusive
        cases.put("2026-11-16", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("2026-11-21", MatchStatus.BREAK);
        cases.put("2026-11-15", MatchStatus.BREAK);
        assertDecides(f, "ship_date", cases, true);
        assertThat(invalid(f, with(f.theirs(), "ship_date", q("18/11/2026"))).code()).isEqualTo(ErrorCode.BAD_DATE);
        assertThat(invalid(f, with(f.theirs(), "ship_date", q("2026-11-18T00:00:00Z"))).code()).isEqualTo(ErrorCode.BAD_DATE);
    }

    @Test
    void supplyUnitPriceIsComparedWithARelativeTolerance() {
        Feed f = feed("supply-invoices"); // ours: 100.00, tolerance 0.5 % of ours
        Map<String, MatchStatus> cases = new LinkedHashMap<>();
        cases.put("100", MatchStatus.MATCHED);
        cases.put("100.25", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("100.50", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("99.50", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("100.51", MatchStatus.BREAK);
        cases.put("99.49", MatchStatus.BREAK);
        assertDecides(f, "unit_price", cases, true);
        // Relative to the price, not absolute: 0.5 % of 2000 is 10.
        Row dear = valid(f, with(f.ours(), "unit_price", "2000"));
        assertThat(f.evaluator().decide(dear, valid(f, with(f.theirs(), "unit_price", "2009.99"))).status())
                .isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        // Quantity has no tolerance.
        assertThat(breaks(decide(f, with(f.theirs(), "quantity", "12.500001")))).containsExactly("quantity");
    }

    @Test
    void supplyAMissingInvoiceNumberIsValid() {
        Feed f = feed("supply-invoices");
        for (String absent : new String[] {null, "null", q("")}) {
            Row r = valid(f, with(f.theirs(), "invoice_number", absent));
            assertThat(r.getField(f.spec().field("invoice_number").position())).isNull();
            // Not a matching rule: an uninvoiced line still matches its order line.
            assertThat(f.evaluator().decide(valid(f, f.ours()), r).status()).isEqualTo(MatchStatus.MATCHED);
        }
        ObjectNode cells = JsonNodeFactory.instance.objectNode();
        with(f.ours(), "invoice_number", q("")).forEach((k, lit) -> cells.put(k, lit.replace("\"", "")));
        assertThat(f.validator().validate(cells, true).violation()).as("an empty CSV cell").isNull();
        // Every other field is required.
        for (FieldSpec field : f.spec().fields()) {
            if (!field.name().equals("invoice_number")) {
                Violation v = invalid(f, with(f.theirs(), field.name(), null));
                assertThat(v.code()).isEqualTo(ErrorCode.MISSING_FIELD);
                assertThat(v.field()).isEqualTo(field.name());
            }
        }
    }

    @Test
    void supplyRangesAndUnitsOfMeasureAreChecked() {
        Feed f = feed("supply-invoices");
        assertThat(invalid(f, with(f.theirs(), "po_line", "0")).code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(invalid(f, with(f.theirs(), "quantity", "-1")).code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(invalid(f, with(f.theirs(), "unit_price", q("-0.01"))).code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        valid(f, with(f.theirs(), "quantity", "0"));
        for (String uom : List.of("EA", "CS", "PL", "KG", "LB")) {
            valid(f, with(f.theirs(), "unit_of_measure", q(uom)));
        }
        assertThat(invalid(f, with(f.theirs(), "unit_of_measure", q("BOX"))).code()).isEqualTo(ErrorCode.BAD_ENUM);
        assertThat(invalid(f, with(f.theirs(), "unit_of_measure", q("ea"))).code()).isEqualTo(ErrorCode.BAD_ENUM);
    }

    // --- rebate-claims ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"2026-13", "2026-00", "2026-1", "26-11", "2026/11", "202611", "2026-11-01", "Nov 2026", "2026-11 "})
    void rebateClaimPeriodMustBeYearAndMonth(String period) {
        Feed f = feed("rebate-claims");
        Violation v = invalid(f, with(f.theirs(), "claim_period", q(period)));
        assertThat(v.code()).isEqualTo(ErrorCode.BAD_FORMAT);
        assertThat(v.field()).isEqualTo("claim_period");
    }

    @Test
    void rebateValidClaimPeriodsAndCurrencies() {
        Feed f = feed("rebate-claims");
        for (String period : List.of("2026-01", "2026-09", "2026-10", "2026-12", "1999-07")) {
            valid(f, with(f.theirs(), "claim_period", q(period)));
        }
        assertThat(invalid(f, with(f.theirs(), "claim_period", "202611")).code()).isEqualTo(ErrorCode.BAD_TYPE);
        assertThat(invalid(f, with(f.theirs(), "currency", q("usd"))).code()).isEqualTo(ErrorCode.BAD_FORMAT);
        assertThat(invalid(f, with(f.theirs(), "currency", q("US$"))).code()).isEqualTo(ErrorCode.BAD_FORMAT);
        assertThat(breaks(decide(f, with(f.theirs(), "currency", q("EUR"))))).containsExactly("currency");
        // The claim period is part of the key: another month is another claim.
        Row october = valid(f, with(f.theirs(), "claim_period", q("2026-10")));
        assertThat(f.keys().matchKey(october)).isEqualTo("V-1|PR-1|2026-10|SKU-1");
    }

    @Test
    void rebateUnitsAreComparedWithARelativeTolerance() {
        Feed f = feed("rebate-claims"); // ours: 1000 units, tolerance 1 % of ours
        Map<String, MatchStatus> cases = new LinkedHashMap<>();
        cases.put("1000", MatchStatus.MATCHED);
        cases.put("1005", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("1010", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("990", MatchStatus.MATCHED_WITHIN_TOLERANCE);
        cases.put("1011", MatchStatus.BREAK);
        cases.put("989", MatchStatus.BREAK);
        assertDecides(f, "units", cases, false);
        // Relative: 1 % of 50 is 0.5, so one unit off breaks.
        Row few = valid(f, with(f.ours(), "units", "50"));
        assertThat(breaks(f.evaluator().decide(few, valid(f, with(f.theirs(), "units", "51"))))).containsExactly("units");
        assertThat(invalid(f, with(f.theirs(), "units", "-1")).code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(invalid(f, with(f.theirs(), "units", "10.5")).code()).isEqualTo(ErrorCode.BAD_TYPE);
    }

    @Test
    void rebateAmountIsComparedWithinFiftyCents() {
        Feed f = feed("rebate-claims"); // ours: 12.5
        assertThat(decide(f, with(f.theirs(), "rebate_amount", q("13.00"))).status()).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(decide(f, with(f.theirs(), "rebate_amount", "12.0")).status()).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(breaks(decide(f, with(f.theirs(), "rebate_amount", "13.01")))).containsExactly("rebate_amount");
        // A reversal is a negative amount: valid (the schema sets no minimum).
        valid(f, with(f.theirs(), "rebate_amount", "-12.5"));
    }

    // --- the YAML files themselves -----------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("feeds")
    void eachYamlNamesItsOwnCounterpartyAndTokenVariable(Feed f) {
        List<String> tokens = new ArrayList<>();
        List<String> names = new ArrayList<>();
        feeds().forEach(g -> {
            tokens.add(g.config().counterparties().get(0).tokenEnv());
            names.add(g.config().counterparties().get(0).name());
        });
        assertThat(tokens).doesNotHaveDuplicates();
        assertThat(names).doesNotHaveDuplicates();
        assertThat(f.config().name()).isEqualTo(f.name());
        assertThat(f.spec().controlField()).isNotNull();
        JsonNode schema;
        try {
            schema = JSON.readTree(f.spec().schemaJson());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(schema.get("namespace").asText()).isEqualTo("io.reconflow.feeds");
    }
}
