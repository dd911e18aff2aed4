package io.reconflow.sim;

import io.reconflow.job.ReconConfig;
import io.reconflow.domain.match.MatchStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generator on the five real feeds, their schemas and YAML rules and passes as shipped: the
 * truth is what an independent reference of the passes makes of the records, at demo size too.
 */
class RealFeedsScenarioTest {

    private static ReconConfig config(String feed) {
        return ReconConfig.load(Path.of("../conf/recon/" + feed + ".yaml"), List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"energy-confirmations", "supply-invoices", "rebate-claims", "meter-intervals", "broadcast-spots"})
    void theTruthIsWhatThePassesMakeOfTheRecords(String feed) {
        ReconConfig c = config(feed);
        ScenarioSettings settings = ScenarioSettings.small()
                .withBusinessDates(List.of(LocalDate.of(2026, 11, 20), LocalDate.of(2026, 11, 21)))
                .withCounterparties(List.of("counterparty-a", "counterparty-b"))
                .withPasses(5, 3);
        Scenario s = ScenarioGenerator.generate(c.feed(), c.matching(), settings);
        assertThat(PassesReference.run(s, c.feed(), c.matching())).isEqualTo(PassesReference.expected(s.truth()));
        assertThat(s.truth().statusCounts().get(MatchStatus.AMBIGUOUS)).isEqualTo(4L * 3 * 3);
        assertThat(s.truth().keys().values().stream().filter(k -> k.matchType() == Truth.MatchType.SECONDARY).count())
                .isEqualTo(4L * 5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"energy-confirmations", "supply-invoices", "rebate-claims", "meter-intervals", "broadcast-spots"})
    void theDemoSizeScenarioIsCertainToo(String feed) {
        ReconConfig c = config(feed);
        Scenario s = ScenarioGenerator.generate(c.feed(), c.matching(), ScenarioSettings.demo()
                .withBusinessDates(c.businessDates()).withCounterparties(List.of("counterparty-a", "counterparty-b")));
        assertThat(PassesReference.run(s, c.feed(), c.matching())).isEqualTo(PassesReference.expected(s.truth()));
        assertThat(s.truth().statusCounts().values()).allMatch(n -> n > 0);
    }
}
