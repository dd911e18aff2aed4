package io.reconflow.sim;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.sim.Generated.Built;
import io.reconflow.sim.Generated.Conflict;
import io.reconflow.sim.Generated.Invalid;
import io.reconflow.sim.Generated.Item;
import io.reconflow.sim.Generated.Pair;
import io.reconflow.sim.SecondaryRecords.Group;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/** Generates one (counterparty, business date) batch: its pages, its internal records and their truth. */
final class BatchGen {
    private final FeedPlan plan;
    private final SplittableRandom r;
    private final LocalDate date;
    private final String dateText;
    private final String counterparty;
    private final TruthBook book;
    private final RecordMaker records;
    private final SecondaryRecords secondaries;
    private final PairMaker pairs;
    private final InvalidRecords invalids;
    private final Pages pager;

    BatchGen(BatchScope scope, TruthBook book) {
        this.plan = scope.plan;
        this.r = scope.r;
        this.date = scope.date;
        this.dateText = scope.dateText;
        this.counterparty = scope.counterparty;
        this.book = book;
        this.records = new RecordMaker(scope);
        this.secondaries = new SecondaryRecords(scope, records);
        this.pairs = new PairMaker(scope, records, secondaries);
        this.invalids = new InvalidRecords(scope, records);
        this.pager = new Pages(scope);
    }

    Scenario.Batch build() {
        List<Item> items = new ArrayList<>();
        List<Built> duplicable = new ArrayList<>();
        List<Integer> duplicableItem = new ArrayList<>();
        List<Scenario.InternalRecord> internal = new ArrayList<>();
        int rejectsBefore = book.truthRejects.size();

        MatchStatus[] paired = {MatchStatus.MATCHED, MatchStatus.MATCHED_WITHIN_TOLERANCE, MatchStatus.BREAK};
        int[] pairCounts = {plan.settings.matched(), plan.settings.withinTolerance(), plan.settings.breaks()};
        for (int s = 0; s < paired.length; s++) {
            for (int k = 0; k < pairCounts[s]; k++) {
                Pair p = pairs.pair(paired[s], k);
                internal.add(internalRecord(p.ours().rendered(), p.ours().text(), true));
                items.add(new Item(p.theirs().text()));
                duplicable.add(p.theirs());
                duplicableItem.add(items.size() - 1);
                expect(p.ours().matchKey(), paired[s], p.breakFields());
            }
        }
        for (int k = 0; k < plan.settings.unmatchedInternal(); k++) {
            Built ours = pairs.oneSided(false);
            internal.add(internalRecord(ours.rendered(), ours.text(), true));
            expect(ours.matchKey(), MatchStatus.UNMATCHED_INTERNAL, Set.of());
        }
        List<Built> counterpartyOnly = new ArrayList<>();
        for (int k = 0; k < plan.settings.unmatchedCounterparty(); k++) {
            Built theirs = pairs.oneSided(true);
            counterpartyOnly.add(theirs);
            expect(theirs.matchKey(), MatchStatus.UNMATCHED_COUNTERPARTY, Set.of());
        }
        List<Built> conflicted = ValueFactory.shuffled(counterpartyOnly, r).subList(0, plan.settings.conflictingDuplicates());
        // What only a secondary-key pass can pair: one row per pair, under our match key.
        List<Built> keyedTheirs = new ArrayList<>();
        for (int k = 0; k < plan.secondaryMatches; k++) {
            Pair p = secondaries.secondaryPair();
            internal.add(internalRecord(p.ours().rendered(), p.ours().text(), true));
            keyedTheirs.add(p.theirs());
            putTruth(Truth.ExpectedKey.secondary(dateText, p.ours().matchKey(), counterparty, MatchStatus.MATCHED,
                    Set.of(), p.theirs().matchKey()));
        }
        // What a secondary key would pair with several records: every record of the group is AMBIGUOUS.
        for (int k = 0; k < plan.ambiguousGroups; k++) {
            Group g = secondaries.ambiguousGroup(k % 2 == 0);
            Set<String> oursKeys = new TreeSet<>();
            Set<String> theirsKeys = new TreeSet<>();
            g.ours().forEach(b -> oursKeys.add(b.matchKey()));
            g.theirs().forEach(b -> theirsKeys.add(b.matchKey()));
            for (Built b : g.ours()) {
                internal.add(internalRecord(b.rendered(), b.text(), true));
                putTruth(Truth.ExpectedKey.ambiguous(dateText, b.matchKey(), counterparty, Side.INTERNAL, theirsKeys));
            }
            for (Built b : g.theirs()) {
                keyedTheirs.add(b);
                putTruth(Truth.ExpectedKey.ambiguous(dateText, b.matchKey(), counterparty, Side.COUNTERPARTY, oursKeys));
            }
        }
        for (Built theirs : keyedTheirs) {
            items.add(new Item(theirs.text()));
            duplicable.add(theirs);
            duplicableItem.add(items.size() - 1);
        }
        // A valid record is told apart from its duplicates by its idempotency key (issue 4), so the
        // manifest counts a conflicting pair once; its copies share the control value.
        Set<Item> conflictCopies = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Built theirs : counterpartyOnly) {
            items.add(new Item(theirs.text()));
            if (conflicted.contains(theirs)) {
                Conflict c = pairs.conflictCopy(theirs);
                Item copyItem = new Item(c.copy().text());
                conflictCopies.add(copyItem);
                items.add(copyItem);
                reject(Side.COUNTERPARTY, ErrorCode.DUPLICATE_CONFLICT, c.field(), theirs.matchKey(),
                        List.of(theirs.text(), c.copy().text()));
            } else {
                duplicable.add(theirs);
                duplicableItem.add(items.size() - 1);
            }
        }
        for (int k = 0; k < plan.settings.invalidCounterparty(); k++) {
            Invalid inv = invalids.invalid(Side.COUNTERPARTY, k);
            items.add(new Item(inv.text()));
            reject(Side.COUNTERPARTY, inv.code(), inv.field(), inv.matchKey(), List.of(inv.text()));
        }
        for (int k = 0; k < plan.settings.invalidInternal(); k++) {
            Invalid inv = invalids.invalid(Side.INTERNAL, k);
            Scenario.InternalRecord rec = internalRecord(inv.rendered(), inv.text(), false);
            internal.add(rec);
            reject(Side.INTERNAL, inv.code(), inv.field(), inv.matchKey(), List.of(rec.json(), rec.csvRow()));
        }
        int distinct = items.size() - conflictCopies.size();
        BigDecimal control = BigDecimal.ZERO;
        for (Item it : items) {
            if (conflictCopies.contains(it)) {
                continue;
            }
            BigDecimal v = FeedChecks.controlValue(plan.feed, it.text);
            if (v != null) {
                control = control.add(v);
            }
        }
        List<Integer> chosen = ValueFactory.shuffled(indexes(duplicable.size()), r).subList(0, plan.settings.exactDuplicates());
        for (int g = 0; g < chosen.size(); g++) {
            Built original = duplicable.get(chosen.get(g));
            // The same values written again (perhaps differently): an exact duplicate by content.
            Built again = records.counterpartyRecord(original.values());
            items.get(duplicableItem.get(chosen.get(g))).group = g;
            Item copy = new Item(again.text());
            copy.group = g;
            items.add(copy);
        }
        List<Scenario.Page> pages = pager.paginate(items);

        int rejected = book.truthRejects.size() - rejectsBefore - plan.settings.invalidInternal();
        book.served += items.size();
        book.duplicatesDropped += plan.settings.exactDuplicates();
        book.counterpartyRejected += rejected;
        book.counterpartyValid += items.size() - rejected - plan.settings.exactDuplicates();
        book.internalWritten += internal.size();
        book.internalValid += internal.size() - plan.settings.invalidInternal();
        book.internalRejected += plan.settings.invalidInternal();

        String h = SimKeys.sha256(plan.settings.seed() + "|" + plan.feed.name() + "|" + counterparty + "|" + date + "|batch");
        String batchId = "batch-" + dateText.replace("-", "") + "-" + h.substring(0, 12);
        Instant published = date.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC)
                .plusSeconds(3600 + Long.parseLong(h.substring(12, 16), 16) % 3600);
        Scenario.Manifest manifest = new Scenario.Manifest(plan.feed.name(), dateText, batchId, distinct, pages.size(),
                SimKeys.canonical(control), published.toString());
        return new Scenario.Batch(counterparty, date, manifest, pages, ValueFactory.shuffled(internal, r));
    }

    private List<Integer> indexes(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    private void expect(String matchKey, MatchStatus status, Set<String> breakFields) {
        putTruth(new Truth.ExpectedKey(dateText, matchKey, counterparty, status, breakFields));
    }

    private void putTruth(Truth.ExpectedKey key) {
        Truth.KeyRef ref = new Truth.KeyRef(key.businessDate(), key.matchKey());
        if (book.truthKeys.put(ref, key) != null) {
            throw new IllegalStateException("match key used twice: " + ref);
        }
    }

    private void reject(Side side, ErrorCode code, String field, String matchKey, List<String> raws) {
        book.truthRejects.add(new Truth.ExpectedReject(dateText, counterparty, side, code, field, matchKey, raws));
    }

    private Scenario.InternalRecord internalRecord(Map<String, Json> rendered, String text, boolean valid) {
        Map<String, String> cells = cells(rendered);
        return new Scenario.InternalRecord(counterparty, text, cells, InternalFiles.csvRow(plan.feed, cells), valid);
    }

    private Map<String, String> cells(Map<String, Json> rendered) {
        Map<String, String> out = new LinkedHashMap<>();
        for (FieldSpec f : plan.feed.fields()) {
            Json j = rendered.get(f.name());
            out.put(f.name(), j == null ? null : Json.cell(j));
        }
        return out;
    }
}
