package io.reconflow.sim;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchSpec;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

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
 *
 * <p>The parts: {@link FeedPlan} (what a feed allows), {@link BatchGen} per batch with its
 * {@link RecordMaker}, {@link PairMaker}, {@link SecondaryRecords}, {@link InvalidRecords} and
 * {@link Pages}, and {@link TruthBook} for the truth they add up to.
 */
public final class ScenarioGenerator {
    private ScenarioGenerator() {}

    /**
     * Generates the scenario.
     *
     * @throws IllegalArgumentException when the feed cannot provide what the settings ask for, e.g. a
     *     pattern field without {@code "examples"}
     */
    public static Scenario generate(FeedSpec feed, MatchSpec match, ScenarioSettings settings) {
        FeedPlan plan = new FeedPlan(feed, match, settings);
        TruthBook book = new TruthBook();
        List<Scenario.Batch> batches = new ArrayList<>();
        for (LocalDate date : settings.businessDates()) {
            for (int i = 0; i < settings.counterparties().size(); i++) {
                batches.add(new BatchGen(new BatchScope(plan, i, settings.counterparties().get(i), date), book).build());
            }
        }
        return new Scenario(feed.name(), settings, batches, book.truth());
    }
}
