package io.reconflow.job;

import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.operators.RejectCounters;
import io.reconflow.operators.RunTotals;
import io.reconflow.domain.match.MatchStatus;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code run --from D1 --to D2}: the past business dates D1..D2 (inclusive) as one bounded run in
 * BATCH mode, in place of the YAML's {@code business_dates}. Progress shows in the TaskManagers'
 * logs as the pages come in (a line per batch done, and pages answered of those known at most every
 * 10 s per fetch subtask); at the end the submitting process prints a summary from the job's
 * accumulators (README "Backfill").
 */
public record Backfill(LocalDate from, LocalDate to) {

    /** The most dates one backfill takes: a year. More is a mistake in a flag, or several runs. */
    public static final int MAX_DATES = 366;

    /**
     * @param from the value of {@code --from}, or null
     * @param to the value of {@code --to}, or null
     * @param overrides the {@code --set} arguments, which must not set {@code business_dates} as well
     * @return null when neither flag is given
     */
    static Backfill of(String from, String to, List<String> overrides) {
        if (from == null && to == null) {
            return null;
        }
        if (from == null || to == null) {
            throw new IllegalArgumentException(from == null ? "--to needs --from (a backfill is --from D1 --to D2)"
                    : "--from needs --to (a backfill is --from D1 --to D2)");
        }
        Backfill b = new Backfill(date("--from", from), date("--to", to));
        if (b.from.isAfter(b.to)) {
            throw new IllegalArgumentException("--from " + from + " is after --to " + to);
        }
        long days = ChronoUnit.DAYS.between(b.from, b.to) + 1;
        if (days > MAX_DATES) {
            throw new IllegalArgumentException("--from " + from + " --to " + to + " spans " + days
                    + " dates; a backfill takes at most " + MAX_DATES + " (run several)");
        }
        for (String o : overrides) {
            if (o.strip().startsWith("business_dates")) {
                throw new IllegalArgumentException("--from/--to set the business dates; drop --set " + o);
            }
        }
        return b;
    }

    private static LocalDate date(String flag, String value) {
        try {
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(flag + " '" + value + "' is not a date (YYYY-MM-DD)");
        }
    }

    public List<LocalDate> dates() {
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.add(d);
        }
        return out;
    }

    /** The {@code --set} that replaces the YAML's business dates. */
    public String override() {
        return "business_dates=" + dates();
    }

    /** What a backfill adds to the job's Flink settings: BATCH mode (bounded sources, stage by stage). */
    public static Configuration settings() {
        Configuration conf = new Configuration();
        conf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        return conf;
    }

    /** Runs the backfill on {@code env} (set up with {@link #settings()}) and prints its summary to {@code out}. */
    public JobExecutionResult run(StreamExecutionEnvironment env, ReconConfig config, PrintStream out) throws Exception {
        out.printf(Locale.ROOT, "reconflow: backfill of %s from %s to %s (%d dates) in BATCH mode; progress in the "
                + "TaskManagers' logs (\"fetch subtask …\")%n", config.name(), from, to, dates().size());
        long start = System.nanoTime();
        JobExecutionResult result = ReconflowJob.run(env, config);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!result.isJobExecutionResult()) {
            out.println("reconflow: backfill submitted detached as job " + result.getJobID()
                    + "; its figures are the job's accumulators (dashboard, or GET /jobs/<id>/accumulators)");
            return result;
        }
        out.print(summary(result.getAllAccumulatorResults(), seconds));
        return result;
    }

    /** The summary of a finished backfill from its accumulators. */
    String summary(Map<String, Object> acc, double seconds) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "reconflow: backfill %s..%s done in %.1f s%n", from, to, seconds));
        s.append(String.format(Locale.ROOT, "  dates    %d%n", dates().size()));
        s.append(String.format(Locale.ROOT, "  batches  %d (%d complete, %d incomplete)%n", n(acc, RunTotals.BATCHES),
                n(acc, RunTotals.BATCHES_COMPLETE), n(acc, RunTotals.BATCHES_INCOMPLETE)));
        long failed = n(acc, RunTotals.PAGES_FAILED);
        s.append(String.format(Locale.ROOT, "  pages    %d known, %d fetched, %d failed%n", n(acc, RunTotals.PAGES_KNOWN),
                n(acc, RunTotals.PAGES_REQUESTED) - failed, failed));
        s.append(String.format(Locale.ROOT, "  records  counterparty %d valid, %d rejected; ours %d valid, %d rejected; "
                        + "%d exact duplicates dropped%n",
                n(acc, RunTotals.RECORDS_VALID + "COUNTERPARTY"), n(acc, RunTotals.RECORDS_REJECTED + "COUNTERPARTY"),
                n(acc, RunTotals.RECORDS_VALID + "INTERNAL"), n(acc, RunTotals.RECORDS_REJECTED + "INTERNAL"),
                n(acc, DeduplicateRecords.DUPLICATES_ACCUMULATOR)));
        Map<String, Long> byCode = new TreeMap<>();
        acc.forEach((k, v) -> {
            if (k.startsWith(RejectCounters.ACCUMULATOR_PREFIX)) {
                byCode.put(k.substring(RejectCounters.ACCUMULATOR_PREFIX.length()), ((Number) v).longValue());
            }
        });
        s.append("  rejects  ").append(byCode.isEmpty() ? "none" : join(byCode)).append(System.lineSeparator());
        Map<String, Long> byStatus = new java.util.LinkedHashMap<>();
        for (MatchStatus status : MatchStatus.values()) {
            long count = n(acc, RunTotals.RESULTS + status.name());
            if (count > 0) {
                byStatus.put(status.name(), count);
            }
        }
        s.append("  results  ").append(byStatus.isEmpty() ? "none" : join(byStatus)).append(System.lineSeparator());
        return s.toString();
    }

    private static String join(Map<String, Long> counts) {
        StringBuilder s = new StringBuilder();
        counts.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return s.toString();
    }

    private static long n(Map<String, Object> acc, String name) {
        Object v = acc.get(name);
        return v instanceof Number num ? num.longValue() : 0L;
    }
}
