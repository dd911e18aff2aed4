package io.reconflow.operators.match;

import io.reconflow.operators.BusinessDeadline;
import io.reconflow.operators.StateTtl;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.RuleEvaluator;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A secondary-key pass: pairs the records left unmatched by the earlier passes that share the
 * pass's key (keyed by {@link SecondaryKey}) once their business date's deadline passes.
 *
 * <p>An internal and a counterparty record are candidates when the pass's rules hold. Records
 * linked by candidates form groups: a group of exactly one record of each side is a pair, decided
 * under every rule (MATCHED, MATCHED_WITHIN_TOLERANCE or BREAK, marked SECONDARY); a larger group is
 * AMBIGUOUS, each record with its candidates, rather than a guess. A record without candidates goes
 * on to the next keyed pass, or ends unmatched after the last one. State is cleared once decided.
 */
public class MatchBySecondaryKey extends KeyedProcessFunction<String, ValidRecord, GenericRecord> {
    private static final long serialVersionUID = 1L;

    private final String recon;
    private final FeedSpec feed;
    private final MatchSpec matchSpec;
    private final int passNumber;
    private final boolean lastPass;
    private final Duration grace;
    @javax.annotation.Nullable private Duration stateTtl;

    private transient MatchPass pass;
    private transient ListState<ValidRecord> waiting;
    private transient RuleEvaluator evaluator;
    private transient MatchOutcomes outcomes;

    /**
     * @param passNumber the {@link MatchPass#number()} of a keyed pass of {@code matchSpec}
     * @param lastPass whether no keyed pass follows (unpaired records then end unmatched)
     */
    public MatchBySecondaryKey(String recon, FeedSpec feed, MatchSpec matchSpec, int passNumber, boolean lastPass, Duration grace) {
        this.recon = recon;
        this.feed = feed;
        this.matchSpec = matchSpec;
        this.passNumber = passNumber;
        this.lastPass = lastPass;
        this.grace = grace;
    }

    /** Continuous mode: every state of this operator with this TTL (processing time), a safety net. */
    public MatchBySecondaryKey withStateTtl(Duration ttl) {
        this.stateTtl = ttl;
        return this;
    }

    @Override
    public void open(OpenContext openContext) {
        pass = matchSpec.passes().stream().filter(p -> p.number() == passNumber && p.keyed()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no keyed pass number " + passNumber));
        waiting = getRuntimeContext().getListState(StateTtl.on(new ListStateDescriptor<>("unmatched",
                ValidRecord.pojoTypeInfo(feed)), stateTtl));
        evaluator = new RuleEvaluator(feed, matchSpec);
        outcomes = new MatchOutcomes(recon, feed, getRuntimeContext(), !lastPass);
    }

    @Override
    public void processElement(ValidRecord record, Context ctx, Collector<GenericRecord> out) throws Exception {
        waiting.add(record);
        ctx.timerService().registerEventTimeTimer(BusinessDeadline.of(record.businessDate, grace));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<GenericRecord> out) throws Exception {
        List<ValidRecord> internal = new ArrayList<>();
        List<ValidRecord> counterparty = new ArrayList<>();
        for (ValidRecord e : waiting.get()) {
            (e.isInternal() ? internal : counterparty).add(e);
        }
        waiting.clear();

        // candidates.get(i) lists, for internal record i, the counterparty records it could pair with.
        List<List<Integer>> ofInternal = new ArrayList<>();
        List<List<Integer>> ofCounterparty = new ArrayList<>();
        counterparty.forEach(c -> ofCounterparty.add(new ArrayList<>()));
        boolean keyed = !ctx.getCurrentKey().startsWith(SecondaryKey.NO_KEY);
        for (int i = 0; i < internal.size(); i++) {
            List<Integer> mine = new ArrayList<>();
            for (int j = 0; keyed && j < counterparty.size(); j++) {
                if (evaluator.candidates(internal.get(i).values, counterparty.get(j).values, pass)) {
                    mine.add(j);
                    ofCounterparty.get(j).add(i);
                }
            }
            ofInternal.add(mine);
        }

        boolean[] seenInternal = new boolean[internal.size()];
        boolean[] seenCounterparty = new boolean[counterparty.size()];
        for (int start = 0; start < internal.size() + counterparty.size(); start++) {
            boolean startInternal = start < internal.size();
            int startIndex = startInternal ? start : start - internal.size();
            if (startInternal ? seenInternal[startIndex] : seenCounterparty[startIndex]) {
                continue;
            }
            // Walk the group of records linked to this one through candidates.
            List<Integer> groupInternal = new ArrayList<>();
            List<Integer> groupCounterparty = new ArrayList<>();
            Deque<int[]> todo = new ArrayDeque<>();
            todo.add(new int[] {startInternal ? 0 : 1, startIndex});
            (startInternal ? seenInternal : seenCounterparty)[startIndex] = true;
            while (!todo.isEmpty()) {
                int[] node = todo.poll();
                boolean isInternal = node[0] == 0;
                (isInternal ? groupInternal : groupCounterparty).add(node[1]);
                for (int other : (isInternal ? ofInternal : ofCounterparty).get(node[1])) {
                    boolean[] seen = isInternal ? seenCounterparty : seenInternal;
                    if (!seen[other]) {
                        seen[other] = true;
                        todo.add(new int[] {isInternal ? 1 : 0, other});
                    }
                }
            }
            int size = groupInternal.size() + groupCounterparty.size();
            if (size == 1) {
                ValidRecord alone = groupInternal.isEmpty() ? counterparty.get(groupCounterparty.get(0)) : internal.get(groupInternal.get(0));
                outcomes.unmatched(alone, out, ctx::output);
            } else if (groupInternal.size() == 1 && groupCounterparty.size() == 1) {
                ValidRecord ours = internal.get(groupInternal.get(0));
                ValidRecord theirs = counterparty.get(groupCounterparty.get(0));
                RuleEvaluator.Decision d = evaluator.decide(ours.values, theirs.values, pass);
                outcomes.pair(d, ours, theirs, true, out);
            } else {
                for (int i : groupInternal) {
                    outcomes.ambiguous(internal.get(i), pass, keys(counterparty, ofInternal.get(i)), out);
                }
                for (int j : groupCounterparty) {
                    outcomes.ambiguous(counterparty.get(j), pass, keys(internal, ofCounterparty.get(j)), out);
                }
            }
        }
    }

    private static List<String> keys(List<ValidRecord> side, List<Integer> indexes) {
        return indexes.stream().map(i -> side.get(i).matchKey).sorted().toList();
    }
}
