package io.reconflow.sim;

import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleKind;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The generator's own reading of the rules, on the edge cases the job's evaluator is tested on too. */
class RuleJudgeTest {
    private static final List<MatchPass> PASSES = MatchSpec.defaultPasses();

    private static MatchRule rule(String field, RuleKind kind, String tolerance, Duration window, Map<String, String> opposites) {
        return new MatchRule(field, field, kind, tolerance == null ? null : new BigDecimal(tolerance), window, opposites);
    }

    private static Map<String, Object> values(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static MatchStatus status(MatchRule rule, Object ours, Object theirs) {
        return new RuleJudge(List.of(rule)).decide(values(rule.field(), ours), values(rule.field(), theirs), PASSES).status();
    }

    @Test
    void aDateWindowCountsWholeDaysInclusively() {
        MatchRule twoDays = rule("ship_date", RuleKind.TIME_WINDOW, null, Duration.ofDays(2), Map.of());
        LocalDate d = LocalDate.of(2026, 11, 20);
        assertThat(status(twoDays, d, d)).isEqualTo(MatchStatus.MATCHED);
        assertThat(status(twoDays, d, d.plusDays(2))).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(status(twoDays, d, d.minusDays(3))).isEqualTo(MatchStatus.BREAK);
        Instant t = Instant.parse("2026-11-20T09:15:00Z");
        MatchRule fiveMinutes = rule("trade_time", RuleKind.TIME_WINDOW, null, Duration.ofMinutes(5), Map.of());
        assertThat(status(fiveMinutes, t, t.plusSeconds(300))).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(status(fiveMinutes, t, t.plusSeconds(300).plusNanos(1_000))).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void anOppositesMapPairsOnlyTheValuesItNames() {
        MatchRule r = rule("direction", RuleKind.OPPOSITE, null, null, Map.of("PAY", "RECEIVE", "RECEIVE", "PAY"));
        assertThat(status(r, "PAY", "RECEIVE")).isEqualTo(MatchStatus.MATCHED);
        assertThat(status(r, "PAY", "NET")).isEqualTo(MatchStatus.BREAK);
        assertThat(status(r, "NET", "NET")).isEqualTo(MatchStatus.BREAK);
        assertThat(status(r, "PAY", "PAY")).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void aRelativeToleranceOfOurZeroIsExact() {
        MatchRule r = rule("amount", RuleKind.REL_TOLERANCE, "0.01", null, Map.of());
        assertThat(status(r, new BigDecimal("0"), new BigDecimal("0.000"))).isEqualTo(MatchStatus.MATCHED);
        assertThat(status(r, new BigDecimal("0"), new BigDecimal("0.000001"))).isEqualTo(MatchStatus.BREAK);
        assertThat(status(r, new BigDecimal("200"), new BigDecimal("202"))).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
        assertThat(status(r, new BigDecimal("100"), new BigDecimal("0"))).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void absentOnBothSidesAgreesExceptForAnOpposite() {
        assertThat(status(rule("memo", RuleKind.EQUAL, null, null, Map.of()), null, null)).isEqualTo(MatchStatus.MATCHED);
        assertThat(status(rule("fee", RuleKind.ABS_TOLERANCE, "0.5", null, Map.of()), null, new BigDecimal("0.1")))
                .isEqualTo(MatchStatus.BREAK);
        assertThat(status(rule("role", RuleKind.OPPOSITE, null, null, Map.of()), null, null)).isEqualTo(MatchStatus.BREAK);
    }

    @Test
    void anExactOnlyPassReportsTolerableDifferencesAsBreaks() {
        RuleJudge judge = new RuleJudge(List.of(rule("price", RuleKind.ABS_TOLERANCE, "0.01", null, Map.of()),
                rule("currency", RuleKind.EQUAL, null, null, Map.of())));
        Map<String, Object> ours = values("price", new BigDecimal("43.21"), "currency", "EUR");
        Map<String, Object> theirs = values("price", new BigDecimal("43.22"), "currency", "EUR");
        assertThat(judge.decide(ours, theirs, List.of(new MatchPass(1, "exact", false))))
                .isEqualTo(new RuleJudge.Verdict(MatchStatus.BREAK, Set.of("price")));
        assertThat(judge.decide(ours, theirs, PASSES).status()).isEqualTo(MatchStatus.MATCHED_WITHIN_TOLERANCE);
    }
}
