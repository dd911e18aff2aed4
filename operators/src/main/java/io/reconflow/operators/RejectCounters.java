package io.reconflow.operators;

import io.reconflow.events.ErrorCode;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Rejects counted by error code: a metric counter {@code code.<CODE>.rejects} of the operator,
 * registered the first time the code is seen (a dashboard shows only codes that happened), and an
 * accumulator {@code rejects.<CODE>} that the job's summary reads at the end of a run. Used on the
 * task thread only.
 */
public final class RejectCounters {

    /** Accumulator name prefix: {@code rejects.<CODE>}, summed over every operator that rejects. */
    public static final String ACCUMULATOR_PREFIX = "rejects.";

    private final MetricGroup group;
    private final RuntimeContext context;
    private final Map<ErrorCode, Counter> counters = new EnumMap<>(ErrorCode.class);
    private final Map<ErrorCode, LongCounter> totals = new EnumMap<>(ErrorCode.class);

    public RejectCounters(RuntimeContext context) {
        this.context = context;
        this.group = context.getMetricGroup();
    }

    public void inc(ErrorCode code) {
        counters.computeIfAbsent(code, c -> group.addGroup("code", c.name()).counter("rejects")).inc();
        totals.computeIfAbsent(code, c -> context.getLongCounter(ACCUMULATOR_PREFIX + c.name())).add(1L);
    }
}
