package io.reconflow.domain.match;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.operators.TestFeeds;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.RecordValidator;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The rule kinds at their edges: dates in a time window, an opposites map, a zero base, absent values. */
class RuleEdgeCasesTest {
    private static final String SCHEMA = """
            {"type": "record", "name": "Edge", "namespace": "io.reconflow.test", "fields": [
              {"name": "id", "type": "string"},
              {"name": "ship_date", "type": {"type": "int", "logicalType": "date"}},
              {"name": "direction", "type": {"type": "enum", "name": "Direction", "symbols": ["PAY", "RECEIVE", "NET"]}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 18}},
              {"name": "fee", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 18}], "default": null},
              {"name": "memo", "type": ["null", "string"], "default": null},
              {"name": "role", "type": ["null", {"type": "enum", "name": "Role", "symbols": ["BUYER", "SELLER"]}], "default": null}
            ]}""";

    private final FeedSpec feed = FeedSpec.of("edge", SCHEMA, List.of("id"), null, "amount");
    private final RecordValidator validator = new RecordValidator(feed);

    private static MatchRule rule(String field, RuleKind kind, String tolerance, Duration window, Map<String, String> opposites) {
        return new MatchRule(field, field, kind, tolerance == null ? null : new BigDecimal(tolerance), window, opposites);
    }

    private RuleEvaluator.Decision decide(List<MatchRule> rules, ObjectNode ours, ObjectNode theirs) {
        RuleEvaluator e = new RuleEvaluator(feed, new MatchSpec(rules, MatchSpec.defaultPasses()));
        Row a = validator.validate(ours, false).record();
        Row b = validator.validate(theirs, false).record();
        assertThat(a).as("ours valid").isNotNull();
        assertThat(b).as("theirs valid").isNotNull();
        return e.decide(a, b);
    }

    private static ObjectNode record() {
        return TestFeeds.JSON.createObjectNode().put("id", "E-1").put("ship_date", "2026-11-20")
                .put("direction", "PAY").put("amount", "100.00");
    }

    @Test
    void aDateTimeWindowCountsWholeDays() {
        List<MatchRule> twoDays = List.of(rule("ship_date", RuleKind.TIME_WINDOW, null, Duration.ofDays(2), Map.of()));
        assertThat(decide(twoDays, record(), record()).status()).isEqualTo(MatchStatus.MATCHED);
        assertThat(decide(twoDays, record(), record().put("ship_date", "2026-11-22")).status())
                .isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE); // the window is inclusive
        assertThat(decide(twoDays, record(), record().put("ship_date", "2026-11-18")).status())
                .isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        RuleEvaluator.Decision late = decide(twoDays, record(), record().put("ship_date", "2026-11-23"));
        assertThat(late.status()).isEqualTo(MatchStatus.BREAK);
        assertThat(late.breaks()).containsExactly(
                new RuleEvaluator.Break("ship_date", "time_window", "2026-11-20", "2026-11-23"));
        // A window shorter than a day admits no other date.
        List<MatchRule> hours = List.of(rule("ship_date", RuleKind.TIME_WINDOW, null, Duration.ofHours(23), Map.of()));
        assertThat(decide(hours, record(), record().put("ship_date", "2026-11-21")).status()).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void anOppositesMapPairsOnlyTheValuesItNames() {
        List<MatchRule> rules = List.of(rule("direction", RuleKind.OPPOSITE, null, null,
                Map.of("PAY", "RECEIVE", "RECEIVE", "PAY")));
        assertThat(decide(rules, record(), record().put("direction", "RECEIVE")).status()).isEqualTo(MatchStatus.MATCHED);
        assertThat(decide(rules, record().put("direction", "RECEIVE"), record().put("direction", "PAY")).status())
                .isEqualTo(MatchStatus.MATCHED);
        // Different, but not the mapped opposite: NET is nobody's opposite.
        RuleEvaluator.Decision net = decide(rules, record(), record().put("direction", "NET"));
        assertThat(net.status()).isEqualTo(MatchStatus.BREAK);
        assertThat(net.breaks()).containsExactly(new RuleEvaluator.Break("direction", "opposite", "PAY", "NET"));
        assertThat(decide(rules, record(), record()).status()).isEqualTo(MatchStatus.BREAK);
        assertThat(decide(rules, record().put("direction", "NET"), record().put("direction", "NET")).status())
                .isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void aRelativeToleranceOfZeroIsExact() {
        List<MatchRule> rules = List.of(rule("amount", RuleKind.REL_TOLERANCE, "0.01", null, Map.of()));
        ObjectNode zero = record().put("amount", "0");
        assertThat(decide(rules, zero, record().put("amount", "0.000")).status()).isEqualTo(MatchStatus.MATCHED);
        // 1 % of nothing is nothing: any difference from our zero breaks, however small.
        RuleEvaluator.Decision d = decide(rules, zero, record().put("amount", "0.000001"));
        assertThat(d.status()).isEqualTo(MatchStatus.BREAK);
        assertThat(d.breaks()).containsExactly(new RuleEvaluator.Break("amount", "rel_tolerance", "0", "0.000001"));
        // The base is ours, not theirs: their zero against our 100 is a 100 % difference.
        assertThat(decide(rules, record(), record().put("amount", "0")).status()).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void bothValuesAbsentAgreeExceptForAnOpposite() {
        List<MatchRule> rules = List.of(
                rule("fee", RuleKind.ABS_TOLERANCE, "0.5", null, Map.of()),
                rule("memo", RuleKind.EQUAL, null, null, Map.of()));
        assertThat(decide(rules, record(), record()).status()).isEqualTo(MatchStatus.MATCHED);
        // Absent on one side only breaks, the absent value reported as empty.
        RuleEvaluator.Decision one = decide(rules, record(), record().put("fee", "0.1").put("memo", "x"));
        assertThat(one.status()).isEqualTo(MatchStatus.BREAK);
        assertThat(one.breaks()).extracting(RuleEvaluator.Break::field).containsExactly("fee", "memo");
        assertThat(one.breaks().get(0).internalValue()).isNull();
        assertThat(one.breaks().get(0).counterpartyValue()).isEqualTo("0.1");
        // Nothing is the opposite of nothing.
        List<MatchRule> opposite = List.of(rule("role", RuleKind.OPPOSITE, null, null, Map.of()));
        assertThat(decide(opposite, record(), record()).status()).isEqualTo(MatchStatus.BREAK);
        assertThat(decide(opposite, record().put("role", "BUYER"), record().put("role", "SELLER")).status())
                .isEqualTo(MatchStatus.MATCHED);
    }
}
