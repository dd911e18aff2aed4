package io.reconflow.domain.match;

/** How a match key ends. Each key ends exactly once. */
public enum MatchStatus {
    MATCHED,
    MATCHED_WITHIN_TOLERANCE,
    BREAK,
    UNMATCHED_INTERNAL,
    UNMATCHED_COUNTERPARTY,
    /** A secondary key would pair the record with several records of the other side: not guessed. */
    AMBIGUOUS
}
