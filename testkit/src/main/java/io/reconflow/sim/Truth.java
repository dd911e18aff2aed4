package io.reconflow.sim;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.match.MatchStatus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a correct reconciliation of a {@link Scenario} comes to.
 *
 * <p>{@code keys}: every result row, by (business date, the row's match key text as the README's
 * "Keys" section defines it), with its status, for a BREAK the fields that break, and how
 * it was paired (a secondary-key pair is one row under our match key, carrying the counterparty's
 * key; an AMBIGUOUS record is a row of its own, with its candidates). {@code rejects}: every reject, with side, code, field and the raw text(s) the
 * reject may carry. {@code totals}: the record counts that must add up.
 *
 * <p>Counting convention for the counterparty side: {@code served = valid + rejected +
 * exactDuplicatesDropped}, where {@code rejected} counts schema rejects plus one DUPLICATE_CONFLICT
 * per conflicting key and {@code valid} counts the records that reach matching. For our side:
 * {@code written = valid + rejected}. The internal figures and rejects assume a text format (csv or
 * jsonl); {@link #forInternalFormat} adjusts them for Parquet, which holds valid records only.
 */
public record Truth(Map<KeyRef, ExpectedKey> keys, List<ExpectedReject> rejects, Totals totals) {

    public Truth {
        keys = Collections.unmodifiableMap(new TreeMap<>(keys));
        rejects = List.copyOf(rejects);
    }

    /** A result row's identity. */
    public record KeyRef(String businessDate, String matchKey) implements Comparable<KeyRef> {
        @Override
        public int compareTo(KeyRef o) {
            int c = businessDate.compareTo(o.businessDate);
            return c != 0 ? c : matchKey.compareTo(o.matchKey);
        }
    }

    /** How a pair was found: on the match key, or by a secondary-key pass. */
    public enum MatchType { PRIMARY, SECONDARY }

    /**
     * The expected result row for one key (the row's {@code match_key}).
     *
     * @param breakFields for a BREAK, the rule fields ({@code MatchRule.field}) that break; else empty
     * @param matchType PRIMARY for a pair on the match key, SECONDARY for a pair a secondary-key pass
     *     found; null for an unmatched or AMBIGUOUS row
     * @param counterpartyMatchKey the counterparty record's match key: the same key for a primary pair
     *     and for UNMATCHED_COUNTERPARTY, the counterparty's own (different) key for a secondary pair,
     *     null for UNMATCHED_INTERNAL; for AMBIGUOUS the record's own key on the counterparty's
     *     side, null on ours
     * @param side for a row holding one record (UNMATCHED_*, AMBIGUOUS), that record's side; null for
     *     a pair
     * @param candidates for AMBIGUOUS, the match keys of the other side's records it could pair with;
     *     else empty
     */
    public record ExpectedKey(String businessDate, String matchKey, String counterparty, MatchStatus status,
                              Set<String> breakFields, MatchType matchType, String counterpartyMatchKey, Side side,
                              Set<String> candidates) {
        public ExpectedKey {
            // Sorted, so the order is the same in every JVM (Set.copyOf's is not).
            breakFields = Collections.unmodifiableSortedSet(new TreeSet<>(breakFields));
            candidates = Collections.unmodifiableSortedSet(new TreeSet<>(candidates));
        }

        /** A row on the match key: pairs are PRIMARY, unmatched rows hold their one side. */
        public ExpectedKey(String businessDate, String matchKey, String counterparty, MatchStatus status,
                           Set<String> breakFields) {
            this(businessDate, matchKey, counterparty, status, breakFields, primaryType(status),
                    status == MatchStatus.UNMATCHED_INTERNAL ? null : matchKey, primarySide(status), Set.of());
            if (status == MatchStatus.AMBIGUOUS) {
                throw new IllegalArgumentException("an AMBIGUOUS key needs its side and candidates");
            }
        }

        /** A pair that a secondary-key pass found: one row under our match key. */
        public static ExpectedKey secondary(String businessDate, String matchKey, String counterparty,
                                            MatchStatus status, Set<String> breakFields, String counterpartyMatchKey) {
            return new ExpectedKey(businessDate, matchKey, counterparty, status, breakFields, MatchType.SECONDARY,
                    counterpartyMatchKey, null, Set.of());
        }

        /** A record a secondary key would pair with several: its own AMBIGUOUS row. */
        public static ExpectedKey ambiguous(String businessDate, String matchKey, String counterparty, Side side,
                                            Set<String> candidates) {
            return new ExpectedKey(businessDate, matchKey, counterparty, MatchStatus.AMBIGUOUS, Set.of(), null,
                    side == Side.COUNTERPARTY ? matchKey : null, side, candidates);
        }

        private static MatchType primaryType(MatchStatus status) {
            return switch (status) {
                case MATCHED, MATCHED_WITHIN_TOLERANCE, BREAK -> MatchType.PRIMARY;
                default -> null;
            };
        }

        private static Side primarySide(MatchStatus status) {
            return switch (status) {
                case UNMATCHED_INTERNAL -> Side.INTERNAL;
                case UNMATCHED_COUNTERPARTY -> Side.COUNTERPARTY;
                default -> null;
            };
        }

        /** Whether the row holds our record. */
        public boolean hasInternal() {
            return side != Side.COUNTERPARTY;
        }

        /** Whether the row holds the counterparty's record. */
        public boolean hasCounterparty() {
            return side != Side.INTERNAL;
        }
    }

    /** A (side, code) pair, the element of the rejects multiset. */
    public record RejectKind(Side side, ErrorCode code) {}

    /**
     * One expected reject.
     *
     * @param field the field the validator names (null for RECORD_UNPARSEABLE); for
     *     DUPLICATE_CONFLICT, the non-key field whose value differs between the two copies
     * @param matchKey the record's match key when its key fields are intact, else null
     * @param raws the raw texts the reject may carry: one for a counterparty record; both copies for a
     *     DUPLICATE_CONFLICT (whichever arrives second is rejected); for an internal record its JSON
     *     Lines text then its CSV row (see {@link #forInternalFormat})
     */
    public record ExpectedReject(String businessDate, String counterparty, Side side, ErrorCode code, String field,
                                 String matchKey, List<String> raws) {
        public ExpectedReject {
            raws = List.copyOf(raws);
        }

        /** The first (for a counterparty record: the only) raw text. */
        public String raw() {
            return raws.get(0);
        }

        public RejectKind kind() {
            return new RejectKind(side, code);
        }
    }

    /**
     * Record counts.
     *
     * @param counterpartyServed every record on every page (duplicates included)
     * @param counterpartyValid records that reach matching (after rejects and duplicate drops)
     * @param counterpartyRejected schema rejects plus DUPLICATE_CONFLICT rejects
     * @param exactDuplicatesDropped second copies of records already received with the same content
     * @param internalWritten records in the internal files
     * @param internalValid internal records that pass the schema
     * @param internalRejected internal records that do not
     */
    public record Totals(long counterpartyServed, long counterpartyValid, long counterpartyRejected,
                         long exactDuplicatesDropped, long internalWritten, long internalValid,
                         long internalRejected) {}

    public MatchStatus status(String businessDate, String matchKey) {
        ExpectedKey k = keys.get(new KeyRef(businessDate, matchKey));
        return k == null ? null : k.status();
    }

    /** How many keys end in each status (every status present, zero if none). */
    public Map<MatchStatus, Long> statusCounts() {
        Map<MatchStatus, Long> out = new EnumMap<>(MatchStatus.class);
        for (MatchStatus s : MatchStatus.values()) {
            out.put(s, 0L);
        }
        keys.values().forEach(k -> out.merge(k.status(), 1L, Long::sum));
        return out;
    }

    /** The rejects as a multiset of (side, code). */
    public Map<RejectKind, Long> rejectCounts() {
        Map<RejectKind, Long> out = new LinkedHashMap<>();
        rejects.forEach(r -> out.merge(r.kind(), 1L, Long::sum));
        return out;
    }

    /**
     * The truth for internal files written in {@code format}: for csv, internal rejects carry the CSV
     * row; for jsonl, the JSON line; for parquet, invalid internal records are never written, so
     * there are no internal rejects.
     */
    public Truth forInternalFormat(String format) {
        String f = format.toLowerCase(Locale.ROOT);
        List<ExpectedReject> out = new ArrayList<>();
        long internalRejects = 0;
        for (ExpectedReject r : rejects) {
            if (r.side() != Side.INTERNAL) {
                out.add(r);
                continue;
            }
            switch (f) {
                case "jsonl" -> out.add(withRaw(r, r.raws().get(0)));
                case "csv" -> out.add(withRaw(r, r.raws().get(r.raws().size() - 1)));
                case "parquet" -> { continue; }
                default -> throw new IllegalArgumentException("unknown internal format '" + format + "'; csv, jsonl or parquet");
            }
            internalRejects++;
        }
        Totals t = totals;
        if (f.equals("parquet")) {
            t = new Totals(t.counterpartyServed(), t.counterpartyValid(), t.counterpartyRejected(),
                    t.exactDuplicatesDropped(), t.internalValid(), t.internalValid(), 0);
        }
        if (internalRejects != t.internalRejected()) {
            throw new IllegalStateException("internal rejects " + internalRejects + " disagree with totals " + t);
        }
        return new Truth(keys, out, t);
    }

    private static ExpectedReject withRaw(ExpectedReject r, String raw) {
        return new ExpectedReject(r.businessDate(), r.counterparty(), r.side(), r.code(), r.field(), r.matchKey(),
                List.of(raw));
    }
}
