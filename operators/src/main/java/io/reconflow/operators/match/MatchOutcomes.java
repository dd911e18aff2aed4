package io.reconflow.operators.match;

import io.reconflow.operators.RunTotals;
import io.reconflow.operators.Tags;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * How a matching pass lets its decisions out: result rows counted per status in the dashboard,
 * and unmatched records either handed on to the next secondary-key pass or ended unmatched.
 */
final class MatchOutcomes {
    private final ResultRows rows;
    private final Map<MatchStatus, Counter> counters = new EnumMap<>(MatchStatus.class);
    private final Map<MatchStatus, LongCounter> totals = new EnumMap<>(MatchStatus.class);
    private final OutputTag<ValidRecord> handOnTag;

    /** @param handOn whether a later pass takes the records this one leaves unmatched */
    MatchOutcomes(String recon, FeedSpec feed, RuntimeContext context, boolean handOn) {
        this.rows = new ResultRows(recon, feed);
        this.handOnTag = handOn ? Tags.unmatched(feed) : null;
        MetricGroup metrics = context.getMetricGroup();
        for (MatchStatus s : MatchStatus.values()) {
            counters.put(s, metrics.addGroup("status", s.name()).counter("keys"));
            totals.put(s, context.getLongCounter(RunTotals.RESULTS + s.name()));
        }
    }

    /** A pair decided by a pass: on the match key, or on a secondary key. */
    void pair(RuleEvaluator.Decision d, ValidRecord internal, ValidRecord counterparty, boolean secondary,
              Collector<GenericRecord> out) {
        emit(d.status(), rows.pair(d, internal, counterparty, secondary), out);
    }

    /** A record that a secondary key would pair with several records of the other side. */
    void ambiguous(ValidRecord record, MatchPass pass, List<String> candidates, Collector<GenericRecord> out) {
        emit(MatchStatus.AMBIGUOUS, rows.ambiguous(record, pass, candidates), out);
    }

    private void emit(MatchStatus status, GenericRecord row, Collector<GenericRecord> out) {
        counters.get(status).inc();
        totals.get(status).add(1L);
        out.collect(row);
    }

    /**
     * @param sideOutput the function's {@code ctx::output}
     */
    void unmatched(ValidRecord envelope, Collector<GenericRecord> out, BiConsumer<OutputTag<ValidRecord>, ValidRecord> sideOutput) {
        if (handOnTag != null) {
            sideOutput.accept(handOnTag, envelope);
        } else {
            emit(ResultRows.unmatchedStatus(envelope), rows.unmatched(envelope), out);
        }
    }
}
