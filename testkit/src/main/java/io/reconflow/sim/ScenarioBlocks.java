package io.reconflow.sim;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchSpec;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One large (counterparty, business date) batch generated block by block, so that a caller can
 * stream a day far larger than a {@link Scenario} held in memory: block {@code b} is a scenario of
 * its own (its pages, internal records and truth), deterministic in (settings, b). Keys are unique
 * across blocks (each block tags its serials), and no record left unmatched on its match key in
 * one block shares a secondary key with one of another block (the secondary keys taken are
 * shared), so the truth of the whole batch is the sum of the blocks' truths.
 *
 * <p>Every block has the same batch id; its pages are numbered from 1 and its manifest counts its
 * own records: the caller renumbers pages and adds manifests up ({@link #addControlTotals}).
 */
public final class ScenarioBlocks {
    private final FeedSpec feed;
    private final MatchSpec match;
    /** Grows with the records left unmatched on their match key (a few per cent of all), not with all records. */
    private final Set<String> takenSecondaryKeys = new HashSet<>();

    public ScenarioBlocks(FeedSpec feed, MatchSpec match) {
        this.feed = feed;
        this.match = match;
    }

    /**
     * Block {@code block}; blocks are generated in order 0, 1, 2, ... once each.
     *
     * @param settings the block's counts; one business date and one counterparty, the same for every block
     */
    public Scenario block(int block, ScenarioSettings settings) {
        if (settings.businessDates().size() != 1 || settings.counterparties().size() != 1) {
            throw new IllegalArgumentException("a batch in blocks has one business date and one counterparty");
        }
        FeedPlan plan = new FeedPlan(feed, match, settings, takenSecondaryKeys);
        TruthBook book = new TruthBook();
        Scenario.Batch batch = new BatchGen(new BatchScope(plan, 0, settings.counterparties().get(0),
                settings.businessDates().get(0), block), book).build();
        return new Scenario(feed.name(), settings, List.of(batch), book.truth());
    }

    /** The sum of two manifest control totals, in the manifest's canonical form. */
    public static String addControlTotals(String a, String b) {
        return SimKeys.canonical(new BigDecimal(a).add(new BigDecimal(b)));
    }
}
