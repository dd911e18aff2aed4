package io.reconflow.operators.match;

/** How a match key ends. Each key ends exactly once. */
public enum MatchStatus {
    MATCHED,
    MATCHED_WITHIN_TOLERANCE,
    BREAK,
    UNMATCHED_INTERNAL,
    UNMATCHED_COUNTERPARTY
}
