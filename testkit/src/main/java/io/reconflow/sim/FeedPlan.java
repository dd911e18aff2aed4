package io.reconflow.sim;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.reconflow.sim.FeedChecks.hasRange;

/**
 * What the generator derives once from a feed, its rules and the settings (the rules a BREAK or a
 * tolerance can use, the keyed passes, the producible reject codes), and the keys spent across batches;
 * a feed that cannot give what the settings ask for is refused here by name.
 */
final class FeedPlan {
    /** How often a record is drawn again before the feed is said to leave no room for it. */
    static final int ATTEMPTS = 200;

    final FeedSpec feed;
    final ScenarioSettings settings;
    final List<MatchRule> rules;
    final List<String> allFieldNames;
    /** The passes on the match key, which decide pairs that share it. */
    final List<MatchPass> primaryPasses;
    final RuleJudge judge;
    final ValueFactory values;
    final Set<String> matchKeyNames;
    final Set<String> keyNames;
    final FieldSpec discriminator;
    final List<Integer> breakRules = new ArrayList<>();
    final List<Integer> toleranceRules = new ArrayList<>();
    final List<ErrorCode> counterpartyCodes;
    final List<ErrorCode> internalCodes;
    final Set<String> usedKeys = new HashSet<>();
    /** The first pass with a secondary key (where secondary pairs and ambiguous groups are made), or null. */
    final MatchPass keyedPass;
    /** The key fields of every keyed pass, in pass order. */
    final Map<MatchPass, List<FieldSpec>> passKeys = new LinkedHashMap<>();
    /** Fields of any keyed pass's key: a conflicting copy leaves them alone. */
    final Set<String> passKeyNames = new HashSet<>();
    /** Match-key fields outside {@link #keyedPass}'s key: changing one gives a record another match key but the same secondary key. */
    final List<FieldSpec> rekeyable = new ArrayList<>();
    /** Secondary keys (business date, pass, canonical key values) some still-unmatched record already has. */
    final Set<String> takenSecondaryKeys;
    final int secondaryMatches;
    final int ambiguousGroups;

    FeedPlan(FeedSpec feed, MatchSpec match, ScenarioSettings settings) {
        this(feed, match, settings, new HashSet<>());
    }

    /** A plan whose secondary keys taken are shared with other plans: blocks of one large batch ({@link ScenarioBlocks}). */
    FeedPlan(FeedSpec feed, MatchSpec match, ScenarioSettings settings, Set<String> takenSecondaryKeys) {
        this.takenSecondaryKeys = takenSecondaryKeys;
        this.feed = feed;
        this.settings = settings;
        match.checkAgainst(feed); // rules that name no field, or a tolerance on text, are refused by name
        this.rules = match.rules();
        // Pairs on the match key are decided by the passes on the match key; keyed passes see the rest.
        List<MatchPass> primary = match.passes().stream().filter(p -> !p.keyed()).toList();
        this.primaryPasses = primary;
        this.judge = new RuleJudge(rules);
        this.allFieldNames = feed.fields().stream().map(FieldSpec::name).toList();
        this.values = new ValueFactory(feed);
        this.matchKeyNames = new LinkedHashSet<>(feed.matchKey());
        this.keyNames = new LinkedHashSet<>(feed.matchKey());
        keyNames.addAll(feed.idempotencyKey());
        // One string key field without examples carries a counter, so keys are unique by construction.
        FieldSpec disc = null;
        for (String k : feed.matchKey()) {
            FieldSpec f = feed.field(k);
            if (f.kind() == FieldKind.STRING && !values.hasExamples(f)) {
                disc = f;
            }
        }
        this.discriminator = disc;
        for (int i = 0; i < rules.size(); i++) {
            MatchRule rule = rules.get(i);
            // Changing a match-key field would change the key, not break the pair.
            if (matchKeyNames.contains(rule.field())) {
                continue;
            }
            breakRules.add(i);
            if (rule.hasTolerance()) {
                toleranceRules.add(i);
            }
        }
        boolean tolerantPass = primary.stream().anyMatch(MatchPass::tolerances);
        if (settings.withinTolerance() > 0 && (toleranceRules.isEmpty() || !tolerantPass)) {
            throw new IllegalArgumentException("feed " + feed.name() + ": MATCHED_WITHIN_TOLERANCE keys need a tolerance"
                    + " rule on a non-key field and a pass with tolerances; set withinTolerance to 0");
        }
        if (settings.breaks() > 0 && breakRules.isEmpty()) {
            throw new IllegalArgumentException("feed " + feed.name() + ": BREAK keys need a rule on a non-key field; set breaks to 0");
        }
        boolean conflictable = feed.fields().stream().anyMatch(f -> !keyNames.contains(f.name()));
        if (settings.conflictingDuplicates() > 0 && !conflictable) {
            throw new IllegalArgumentException("feed " + feed.name() + ": a conflicting duplicate needs a field outside the"
                    + " match and idempotency keys; set conflictingDuplicates to 0");
        }
        MatchPass firstKeyed = null;
        for (MatchPass p : match.passes()) {
            if (p.keyed()) {
                firstKeyed = firstKeyed == null ? p : firstKeyed;
                passKeys.put(p, p.key().stream().map(feed::field).toList());
                passKeyNames.addAll(p.key());
            }
        }
        this.keyedPass = firstKeyed;
        this.secondaryMatches = keyedPass == null ? 0 : settings.secondaryMatches();
        this.ambiguousGroups = keyedPass == null ? 0 : settings.ambiguousGroups();
        if (keyedPass != null) {
            for (String k : feed.matchKey()) {
                if (!keyedPass.key().contains(k)) {
                    rekeyable.add(feed.field(k));
                }
            }
            if ((secondaryMatches > 0 || ambiguousGroups > 0) && rekeyable.isEmpty()) {
                throw new IllegalArgumentException("feed " + feed.name() + ": pass '" + keyedPass.name() + "' has every"
                        + " match-key field in its key, so two records with one secondary key have one match key;"
                        + " set secondaryMatches and ambiguousGroups to 0");
            }
        }
        this.counterpartyCodes = producibleCodes(Side.COUNTERPARTY);
        this.internalCodes = producibleCodes(Side.INTERNAL);
        if (settings.invalidInternal() > 0 && internalCodes.isEmpty()) {
            throw new IllegalArgumentException("feed " + feed.name() + " admits no invalid internal record; set invalidInternal to 0");
        }
    }

    /** The reject codes a record of this feed can earn on a side (files cannot hold a non-object). */
    private List<ErrorCode> producibleCodes(Side side) {
        boolean internal = side == Side.INTERNAL;
        List<ErrorCode> out = new ArrayList<>();
        List<FieldSpec> fs = feed.fields();
        if (fs.stream().anyMatch(f -> !f.optional())) {
            out.add(ErrorCode.MISSING_FIELD);
        }
        if (!internal || fs.stream().anyMatch(f -> f.kind() == FieldKind.INT || f.kind() == FieldKind.LONG
                || f.kind() == FieldKind.BOOLEAN)) {
            out.add(ErrorCode.BAD_TYPE);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.DECIMAL)) {
            out.add(ErrorCode.BAD_DECIMAL);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.TIMESTAMP)) {
            out.add(ErrorCode.BAD_TIMESTAMP);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.DATE)) {
            out.add(ErrorCode.BAD_DATE);
        }
        if (fs.stream().anyMatch(f -> f.kind() == FieldKind.ENUM || f.allowedInts() != null)) {
            out.add(ErrorCode.BAD_ENUM);
        }
        if (fs.stream().anyMatch(f -> f.patternText() != null)) {
            out.add(ErrorCode.BAD_FORMAT);
        }
        if (!feed.checks().isEmpty() || fs.stream().anyMatch(FeedChecks::hasRange)) {
            out.add(ErrorCode.DOMAIN_CHECK);
        }
        if (!internal) {
            out.add(ErrorCode.RECORD_UNPARSEABLE);
        }
        return List.copyOf(out);
    }
}
