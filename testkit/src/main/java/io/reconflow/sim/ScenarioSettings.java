package io.reconflow.sim;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;

/**
 * What a generated scenario holds. Every count is per (counterparty, business date).
 *
 * <p>The five outcome counts are the number of match keys that must end in that status; with a
 * secondary-key pass in the matching, {@code secondaryMatches} more MATCHED rows come from that
 * pass and each ambiguous group gives three AMBIGUOUS rows, while every other unmatched record is
 * given a secondary key no record of the other side shares, so it stays unmatched.
 * {@code conflictingDuplicates} of the {@code unmatchedCounterparty} keys are served twice with
 * different content (they still end UNMATCHED_COUNTERPARTY), and {@code exactDuplicates} valid
 * counterparty records are served a second time on another page (on the same page only when the
 * batch has a single page). Invalid records each carry a fresh
 * match key, so they never change a key's outcome.
 *
 * @param seed drives every random choice: the same settings give byte-identical scenarios
 * @param businessDates the dates a batch is published for
 * @param counterparties counterparty names, each publishing one batch per date
 * @param matched keys whose two records agree under every rule
 * @param withinTolerance keys that agree only thanks to a tolerance rule
 * @param breaks keys whose records break exactly one rule
 * @param unmatchedInternal keys only we have
 * @param unmatchedCounterparty keys only the counterparty has
 * @param invalidCounterparty counterparty records that break the feed schema
 * @param invalidInternal internal records that break the feed schema
 * @param exactDuplicates valid counterparty records served twice (same content)
 * @param conflictingDuplicates counterparty-only keys served twice with different content
 * @param pageSize records per page (the last page may hold fewer)
 * @param secondaryMatches pairs that only the first secondary-key pass ({@code matching.passes} with a
 *     {@code key}) can pair: our record and the counterparty's under different match keys but with
 *     the same secondary key, agreeing under every rule (one MATCHED row, match type SECONDARY);
 *     none when the matching has no keyed pass
 * @param ambiguousGroups groups of three records sharing a secondary key (two of ours and one of
 *     theirs, or one of ours and two of theirs), all candidates of each other: three AMBIGUOUS rows
 *     each; none when the matching has no keyed pass
 */
public record ScenarioSettings(long seed, List<LocalDate> businessDates, List<String> counterparties,
                               int matched, int withinTolerance, int breaks, int unmatchedInternal,
                               int unmatchedCounterparty, int invalidCounterparty, int invalidInternal,
                               int exactDuplicates, int conflictingDuplicates, int pageSize,
                               int secondaryMatches, int ambiguousGroups) {

    /** Settings without secondary-key pairs or ambiguous groups (as before keyed passes existed). */
    public ScenarioSettings(long seed, List<LocalDate> businessDates, List<String> counterparties,
                            int matched, int withinTolerance, int breaks, int unmatchedInternal,
                            int unmatchedCounterparty, int invalidCounterparty, int invalidInternal,
                            int exactDuplicates, int conflictingDuplicates, int pageSize) {
        this(seed, businessDates, counterparties, matched, withinTolerance, breaks, unmatchedInternal,
                unmatchedCounterparty, invalidCounterparty, invalidInternal, exactDuplicates, conflictingDuplicates,
                pageSize, 0, 0);
    }

    public ScenarioSettings {
        businessDates = List.copyOf(businessDates);
        counterparties = List.copyOf(counterparties);
        if (businessDates.isEmpty() || counterparties.isEmpty()) {
            throw new IllegalArgumentException("at least one business date and one counterparty are needed");
        }
        if (new HashSet<>(businessDates).size() != businessDates.size()
                || new HashSet<>(counterparties).size() != counterparties.size()) {
            throw new IllegalArgumentException("business dates and counterparties must be distinct");
        }
        for (String c : counterparties) {
            if (c == null || c.isBlank()) {
                throw new IllegalArgumentException("counterparty names must not be blank");
            }
        }
        int[] counts = {matched, withinTolerance, breaks, unmatchedInternal, unmatchedCounterparty,
                invalidCounterparty, invalidInternal, exactDuplicates, conflictingDuplicates, secondaryMatches,
                ambiguousGroups};
        for (int c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("counts must be >= 0");
            }
        }
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be >= 1");
        }
        if (conflictingDuplicates > unmatchedCounterparty) {
            throw new IllegalArgumentException("conflictingDuplicates (" + conflictingDuplicates
                    + ") are chosen among the unmatchedCounterparty keys (" + unmatchedCounterparty + ")");
        }
        int duplicable = matched + withinTolerance + breaks + unmatchedCounterparty - conflictingDuplicates;
        if (exactDuplicates > duplicable) {
            throw new IllegalArgumentException("exactDuplicates (" + exactDuplicates
                    + ") exceed the valid counterparty records that can be repeated (" + duplicable + ")");
        }
    }

    /**
     * A demo batch: two counterparties, one date, about 3,000 counterparty records in pages of 100;
     * with a secondary-key pass, 40 secondary pairs and 8 ambiguous groups per counterparty too.
     */
    public static ScenarioSettings demo() {
        return new ScenarioSettings(20261120L, List.of(LocalDate.of(2026, 11, 20)),
                List.of("counterparty-a", "counterparty-b"),
                1100, 150, 120, 60, 60, 30, 12, 40, 6, 100, 40, 8);
    }

    /** A few tens of records: one counterparty, one date, small pages so there are several. */
    public static ScenarioSettings small() {
        return new ScenarioSettings(7L, List.of(LocalDate.of(2026, 11, 20)), List.of("counterparty-a"),
                8, 4, 9, 3, 4, 10, 8, 3, 1, 7);
    }

    public ScenarioSettings withSeed(long newSeed) {
        return new ScenarioSettings(newSeed, businessDates, counterparties, matched, withinTolerance, breaks,
                unmatchedInternal, unmatchedCounterparty, invalidCounterparty, invalidInternal, exactDuplicates,
                conflictingDuplicates, pageSize, secondaryMatches, ambiguousGroups);
    }

    public ScenarioSettings withBusinessDates(List<LocalDate> dates) {
        return new ScenarioSettings(seed, dates, counterparties, matched, withinTolerance, breaks,
                unmatchedInternal, unmatchedCounterparty, invalidCounterparty, invalidInternal, exactDuplicates,
                conflictingDuplicates, pageSize, secondaryMatches, ambiguousGroups);
    }

    public ScenarioSettings withCounterparties(List<String> names) {
        return new ScenarioSettings(seed, businessDates, names, matched, withinTolerance, breaks,
                unmatchedInternal, unmatchedCounterparty, invalidCounterparty, invalidInternal, exactDuplicates,
                conflictingDuplicates, pageSize, secondaryMatches, ambiguousGroups);
    }

    public ScenarioSettings withPageSize(int size) {
        return new ScenarioSettings(seed, businessDates, counterparties, matched, withinTolerance, breaks,
                unmatchedInternal, unmatchedCounterparty, invalidCounterparty, invalidInternal, exactDuplicates,
                conflictingDuplicates, size, secondaryMatches, ambiguousGroups);
    }

    /** The same settings with every outcome and defect count replaced. */
    public ScenarioSettings withCounts(int newMatched, int newWithin, int newBreaks, int newUnmatchedInternal,
                                       int newUnmatchedCounterparty, int newInvalidCounterparty,
                                       int newInvalidInternal, int newExactDuplicates, int newConflicting) {
        return new ScenarioSettings(seed, businessDates, counterparties, newMatched, newWithin, newBreaks,
                newUnmatchedInternal, newUnmatchedCounterparty, newInvalidCounterparty, newInvalidInternal,
                newExactDuplicates, newConflicting, pageSize, secondaryMatches, ambiguousGroups);
    }

    /**
     * The same settings with {@code newSecondaryMatches} secondary-key pairs and {@code
     * newAmbiguousGroups} ambiguous groups per (counterparty, business date); they apply when the
     * matching has a pass with a {@code key}.
     */
    public ScenarioSettings withPasses(int newSecondaryMatches, int newAmbiguousGroups) {
        return new ScenarioSettings(seed, businessDates, counterparties, matched, withinTolerance, breaks,
                unmatchedInternal, unmatchedCounterparty, invalidCounterparty, invalidInternal, exactDuplicates,
                conflictingDuplicates, pageSize, newSecondaryMatches, newAmbiguousGroups);
    }
}
