package io.reconflow.domain.match;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.operators.TestFeeds;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.RecordValidator;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleEvaluatorTest {
    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);
    private final RuleEvaluator evaluator = new RuleEvaluator(feed, TestFeeds.energyRules());

    private RuleEvaluator.Decision decide(ObjectNode ours, ObjectNode theirs) {
        Row a = validator.validate(ours, false).record();
        Row b = validator.validate(theirs, false).record();
        assertThat(a).isNotNull();
        assertThat(b).isNotNull();
        return evaluator.decide(a, b);
    }

    @Test
    void identicalValuesWithOppositeSideMatchInTheExactPass() {
        ObjectNode ours = TestFeeds.trade("T-1");
        ObjectNode theirs = TestFeeds.theirView(ours).put("volume_mwh", "120.500000").put("delivery_start", "2026-11-21T01:00:00+01:00");
        RuleEvaluator.Decision d = decide(ours, theirs);
        assertThat(d.status()).isEqualTo(MatchStatus.MATCHED);
        assertThat(d.pass().number()).isEqualTo(1);
        assertThat(d.breaks()).isEmpty();
    }

    @Test
    void differencesInsideInclusiveTolerancesMatchInTheTolerancePass() {
        ObjectNode ours = TestFeeds.trade("T-1");
        ObjectNode theirs = TestFeeds.theirView(ours)
                .put("volume_mwh", "120.501")               // exactly the 0.001 tolerance
                .put("price", "43.20")                      // 0.01 off
                .put("trade_time", "2026-11-20T09:20:00Z"); // exactly 5 minutes
        RuleEvaluator.Decision d = decide(ours, theirs);
        assertThat(d.status()).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(d.pass().name()).isEqualTo("tolerance");
    }

    @Test
    void breaksNameEachBrokenFieldWithBothValues() {
        ObjectNode ours = TestFeeds.trade("T-1");
        ObjectNode theirs = TestFeeds.theirView(ours)
                .put("volume_mwh", "120.5011")
                .put("side", "BUY")
                .put("trade_time", "2026-11-20T09:20:00.000001Z");
        RuleEvaluator.Decision d = decide(ours, theirs);
        assertThat(d.status()).isEqualTo(MatchStatus.BREAK);
        assertThat(d.breaks()).extracting(RuleEvaluator.Break::field)
                .containsExactly("side", "volume_mwh", "trade_time");
        assertThat(d.breaks().get(1)).isEqualTo(new RuleEvaluator.Break("volume_mwh", "abs_tolerance", "120.5", "120.5011"));
    }

    @Test
    void relativeToleranceIsAFractionOfOurValue() {
        MatchSpec rel = new MatchSpec(List.of(TestFeeds.rule("price", RuleKind.REL_TOLERANCE, "0.005", null)),
                MatchSpec.defaultPasses());
        RuleEvaluator e = new RuleEvaluator(feed, rel);
        Row ours = validator.validate(TestFeeds.trade("T-1").put("price", "200"), false).record();
        Row inside = validator.validate(TestFeeds.trade("T-1").put("price", "201"), false).record();
        Row outside = validator.validate(TestFeeds.trade("T-1").put("price", "201.01"), false).record();
        assertThat(e.decide(ours, inside).status()).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(e.decide(ours, outside).status()).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void onlyExactPassesReportTolerableDifferencesAsBreaks() {
        MatchSpec exactOnly = new MatchSpec(TestFeeds.energyRules().rules(), List.of(new MatchPass(1, "exact", false)));
        RuleEvaluator e = new RuleEvaluator(feed, exactOnly);
        ObjectNode ours = TestFeeds.trade("T-1");
        Row a = validator.validate(ours, false).record();
        Row b = validator.validate(TestFeeds.theirView(ours).put("price", "43.22"), false).record();
        RuleEvaluator.Decision d = e.decide(a, b);
        assertThat(d.status()).isEqualTo(MatchStatus.BREAK);
        assertThat(d.breaks()).extracting(RuleEvaluator.Break::field).containsExactly("price");
    }

    @Test
    void rulesAreCheckedAgainstTheFeed() {
        MatchSpec bad = new MatchSpec(List.of(TestFeeds.rule("currency", RuleKind.ABS_TOLERANCE, "1", null)),
                MatchSpec.defaultPasses());
        assertThatThrownBy(() -> new RuleEvaluator(feed, bad)).hasMessageContaining("numeric");
        MatchSpec unknown = new MatchSpec(List.of(TestFeeds.rule("colour", RuleKind.EQUAL, null, null)),
                MatchSpec.defaultPasses());
        assertThatThrownBy(() -> new RuleEvaluator(feed, unknown)).hasMessageContaining("colour");
    }
}
