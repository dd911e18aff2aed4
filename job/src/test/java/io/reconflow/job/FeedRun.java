package io.reconflow.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import org.apache.flink.types.Row;
import io.reconflow.testkit.OutputQuery;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One reconciliation run over generated data with known truth, for any feed: generate a scenario
 * from the feed's YAML, write our files in the YAML's internal format, serve the counterparty's
 * batch from the simulator (with transient faults), run the job on the MiniCluster, and check
 * what it wrote against the truth, read back through DuckDB as users read it. Nothing here knows a
 * feed: it reads everything off the {@link ReconConfig}.
 */
final class FeedRun {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    final ReconConfig config;
    final Scenario scenario;
    final Truth truth;
    final Path out;
    final JobExecutionResult result;

    private FeedRun(ReconConfig config, Scenario scenario, Truth truth, Path out, JobExecutionResult result) {
        this.config = config;
        this.scenario = scenario;
        this.truth = truth;
        this.out = out;
        this.result = result;
    }

    /**
     * Generates a scenario for the reconciliation in {@code yaml} (its first counterparty and its
     * business dates) and runs the job over it on {@code environment}.
     *
     * @param settings the counts; dates and counterparty are taken from the YAML
     */
    static FeedRun run(Path yaml, ScenarioSettings settings, Path tmp, String tokenEnv, String token,
                       Function<ReconConfig, StreamExecutionEnvironment> environment) throws Exception {
        return run(yaml, List.of(), settings, tmp, tokenEnv, token, environment);
    }

    /** {@link #run(Path, ScenarioSettings, Path, String, String, Function)} with {@code overrides} applied to the YAML first. */
    static FeedRun run(Path yaml, List<String> overrides, ScenarioSettings settings, Path tmp, String tokenEnv, String token,
                       Function<ReconConfig, StreamExecutionEnvironment> environment) throws Exception {
        return run(yaml, overrides, settings, tmp, tokenEnv, token, environment, (config, generated) -> generated,
                (scenario, truth, folder) -> truth);
    }

    /**
     * {@link #run(Path, List, ScenarioSettings, Path, String, String, Function)} with the generated
     * scenario changed by {@code alter} (given the YAML's configuration) before it is written and served.
     */
    static FeedRun run(Path yaml, List<String> overrides, ScenarioSettings settings, Path tmp, String tokenEnv, String token,
                       Function<ReconConfig, StreamExecutionEnvironment> environment,
                       java.util.function.BiFunction<ReconConfig, Scenario, Scenario> alter) throws Exception {
        return run(yaml, overrides, settings, tmp, tokenEnv, token, environment, alter, (scenario, truth, folder) -> truth);
    }

    /** Changes our files once they are written, before the run, and says what the truth then is. */
    @FunctionalInterface
    interface InternalFilesEdit {
        /** @param folderPattern the internal folder with {@code {business_date}} in it */
        Truth edit(Scenario scenario, Truth truth, String folderPattern) throws Exception;
    }

    /** A run whose internal files {@code edit} changes after they are written. */
    static FeedRun run(Path yaml, List<String> overrides, ScenarioSettings settings, Path tmp, String tokenEnv, String token,
                       Function<ReconConfig, StreamExecutionEnvironment> environment, InternalFilesEdit edit) throws Exception {
        return run(yaml, overrides, settings, tmp, tokenEnv, token, environment, (config, generated) -> generated, edit);
    }

    private static FeedRun run(Path yaml, List<String> overrides, ScenarioSettings settings, Path tmp, String tokenEnv, String token,
                               Function<ReconConfig, StreamExecutionEnvironment> environment,
                               java.util.function.BiFunction<ReconConfig, Scenario, Scenario> alter,
                               InternalFilesEdit edit) throws Exception {
        // Occasional 503s, cut bodies and dropped connections: every request still gets through on retry.
        Faults faults = Faults.builder().seed(3).unavailable(0.1).truncated(0.03).reset(0.03).build();
        return run(yaml, overrides, settings, faults, tmp, tokenEnv, token, alter, edit,
                (config, sim, scenario) -> ReconflowJob.run(environment.apply(config), config));
    }

    /** How a test runs the job once the data and the simulator are ready. */
    @FunctionalInterface
    interface Runner {
        JobExecutionResult run(ReconConfig config, CounterpartySimulator sim, Scenario scenario) throws Exception;
    }

    /** A run with the simulator's {@code faults}, the job run by {@code runner} (for runs in several steps). */
    static FeedRun run(Path yaml, List<String> overrides, ScenarioSettings settings, Faults faults, Path tmp,
                       String tokenEnv, String token, Runner runner) throws Exception {
        return run(yaml, overrides, settings, faults, tmp, tokenEnv, token, (config, generated) -> generated,
                (scenario, truth, folder) -> truth, runner);
    }

    private static FeedRun run(Path yaml, List<String> overrides, ScenarioSettings settings, Faults faults, Path tmp,
                               String tokenEnv, String token,
                               java.util.function.BiFunction<ReconConfig, Scenario, Scenario> alter,
                               InternalFilesEdit edit, Runner runner) throws Exception {
        ReconConfig base = ReconConfig.load(yaml, overrides);
        String counterparty = base.counterparties().get(0).name();
        ScenarioSettings s = settings.withBusinessDates(base.businessDates()).withCounterparties(List.of(counterparty));
        Scenario scenario = alter.apply(base, ScenarioGenerator.generate(base.feed(), base.matching(), s));
        String format = base.internal().format().name().toLowerCase(Locale.ROOT);
        String internalPath = tmp.resolve("internal/business_date={business_date}").toString();
        InternalFiles.write(scenario, base.feed(), internalPath, format);
        Truth truth = edit.edit(scenario, scenario.truth().forInternalFormat(format), internalPath);
        Path out = tmp.resolve("out");

        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, counterparty, token, faults, 0)) {
            ReconConfig config = ReconConfig.load(yaml, overrides(overrides, tmp, sim, tokenEnv));
            JobExecutionResult result = runner.run(config, sim, scenario);
            return new FeedRun(config, scenario, truth, out, result);
        }
    }

    /** The checks of a run its caller made itself (on its own simulator, database or schedule). */
    static FeedRun of(ReconConfig config, Scenario scenario, Path out, JobExecutionResult result) {
        String format = config.internal().format().name().toLowerCase(Locale.ROOT);
        return new FeedRun(config, scenario, scenario.truth().forInternalFormat(format), out, result);
    }

    /**
     * The {@code key=value} overrides that turn the YAML into a run's configuration: {@code overrides}
     * and this run's folders, simulator and fast retries (a cluster submission passes them as {@code --set}).
     */
    static List<String> overrides(List<String> overrides, Path tmp, CounterpartySimulator sim, String tokenEnv) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(List.of(
                "internal.path=" + tmp.resolve("internal/business_date={business_date}"),
                "output.path=" + tmp.resolve("out"),
                "counterparties[0].base_url=" + sim.url(),
                "counterparties[0].token_env=" + tokenEnv,
                "fetch.backoff_initial=10ms",
                "fetch.backoff_max=200ms",
                "fetch.max_attempts=10",
                "fetch.request_timeout=5s",
                "job.checkpoint_interval=300ms"));
        return all;
    }

    /** Every check against the truth: rows, breaks, passes, rejects, the accounting identity, types, batches, files. */
    void checkEverything() throws Exception {
        try (OutputQuery q = new OutputQuery(out.toString())) {
            checkRows(q);
            checkBreaks(q);
            checkRejects(q);
            checkAccounting(q);
            checkTypes(q);
            checkBatches(q);
        }
        checkCommittedFiles();
    }

    /**
     * Rows, breaks, rejects, accounting and batches as the truth says; neither the column types nor
     * the committed files (for a run resumed from a savepoint, whose stopped job may leave files).
     */
    void checkOutcomes() throws Exception {
        try (OutputQuery q = new OutputQuery(out.toString())) {
            checkRows(q);
            checkBreaks(q);
            checkRejects(q);
            checkAccounting(q);
            checkBatches(q);
        }
    }

    /** Every row ends as the truth says: status, how it was paired, which records it holds, candidates. */
    void checkRows(OutputQuery q) throws Exception {
        Map<Truth.KeyRef, String> actual = new TreeMap<>();
        List<List<Object>> rows = q.rows("SELECT business_date::VARCHAR, match_key, status, match_type, counterparty_match_key, "
                + "candidates, internal IS NOT NULL, counterparty IS NOT NULL, pass, pass_name FROM results");
        for (List<Object> row : rows) {
            Truth.KeyRef ref = new Truth.KeyRef(row.get(0).toString(), row.get(1).toString());
            String described = row.get(2) + " type=" + row.get(3) + " theirs=" + row.get(4) + " candidates=" + strings(row.get(5))
                    + " internal=" + row.get(6) + " counterparty=" + row.get(7);
            assertThat(actual.put(ref, described)).as("key %s decided twice", ref).isNull();
        }
        Map<Truth.KeyRef, String> expected = new TreeMap<>();
        truth.keys().forEach((ref, k) -> expected.put(ref, k.status() + " type=" + k.matchType() + " theirs="
                + k.counterpartyMatchKey() + " candidates=" + k.candidates() + " internal=" + k.hasInternal()
                + " counterparty=" + k.hasCounterparty()));
        assertThat(actual).isEqualTo(expected);

        // Secondary pairs and AMBIGUOUS rows name the keyed pass that decided them.
        MatchPass keyed = config.matching().keyedPasses().isEmpty() ? null : config.matching().keyedPasses().get(0);
        for (List<Object> row : rows) {
            Truth.ExpectedKey k = truth.keys().get(new Truth.KeyRef(row.get(0).toString(), row.get(1).toString()));
            if (k.matchType() == Truth.MatchType.SECONDARY || k.status() == MatchStatus.AMBIGUOUS) {
                assertThat(((Number) row.get(8)).intValue()).as("pass of %s", row).isEqualTo(keyed.number());
                assertThat(row.get(9)).as("pass_name of %s", row).isEqualTo(keyed.name());
            }
        }
    }

    /** A BREAK names exactly the fields that break. */
    void checkBreaks(OutputQuery q) throws Exception {
        for (List<Object> row : q.rows("SELECT business_date::VARCHAR, match_key, list_transform(breaks, b -> b.field) "
                + "FROM results WHERE status = 'BREAK'")) {
            Truth.ExpectedKey k = truth.keys().get(new Truth.KeyRef(row.get(0).toString(), row.get(1).toString()));
            assertThat(strings(row.get(2))).as("breaking fields of %s", row.get(1)).isEqualTo(k.breakFields());
        }
    }

    /** Every reject, with its code, side, field and the raw record exactly as received; no other. */
    void checkRejects(OutputQuery q) throws Exception {
        List<List<Object>> rejects = q.rows("SELECT side, error_code, field, raw, business_date::VARCHAR FROM rejects");
        List<Truth.ExpectedReject> unmatched = new ArrayList<>(truth.rejects());
        for (List<Object> r : rejects) {
            takeExpected(unmatched, r, true);
        }
        assertThat(unmatched).as("rejects that never came").isEmpty();
    }

    /**
     * Takes from {@code unmatched} the expected reject that the output row {@code r} (side,
     * error_code, field, raw, business_date, …) is, asserting there is one, and that the field is
     * the expected one when {@code checkField}.
     */
    static void takeExpected(List<Truth.ExpectedReject> unmatched, List<Object> r, boolean checkField) {
        Truth.ExpectedReject match = unmatched.stream().filter(e -> e.side().name().equals(r.get(0))
                        && e.code().name().equals(r.get(1))
                        && e.businessDate().equals(r.get(4))
                        && r.get(3) != null && e.raws().contains((String) r.get(3)))
                .findFirst().orElse(null);
        assertThat(match).as("unexpected reject %s", r).isNotNull();
        if (checkField && match.field() != null && match.code() != ErrorCode.DUPLICATE_CONFLICT) {
            assertThat(r.get(2)).as("field of reject %s", r).isEqualTo(match.field());
        }
        unmatched.remove(match);
    }

    /** counterparty records served = in results + rejected + exact duplicates dropped; our records likewise. */
    void checkAccounting(OutputQuery q) throws Exception {
        long duplicates = ((Number) result.getAccumulatorResult(DeduplicateRecords.DUPLICATES_ACCUMULATOR)).longValue();
        long counterpartyRows = count(q, "SELECT count(*) FROM results WHERE counterparty IS NOT NULL");
        long internalRows = count(q, "SELECT count(*) FROM results WHERE internal IS NOT NULL");
        long counterpartyRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'COUNTERPARTY'");
        long internalRejects = count(q, "SELECT count(*) FROM rejects WHERE side = 'INTERNAL'");
        Truth.Totals t = truth.totals();
        assertThat(duplicates).isEqualTo(t.exactDuplicatesDropped());
        assertThat(counterpartyRows + duplicates + counterpartyRejects).isEqualTo(t.counterpartyServed());
        assertThat(counterpartyRows).isEqualTo(t.counterpartyValid());
        assertThat(counterpartyRejects).isEqualTo(t.counterpartyRejected());
        assertThat(internalRows + internalRejects).isEqualTo(t.internalWritten());
        assertThat(internalRows).isEqualTo(t.internalValid());
        assertThat(count(q, "SELECT count(*) FROM results WHERE counterparty IS NOT NULL AND correlation_id IS NULL")).isZero();
    }

    /** Decimals are DECIMAL(p,s) as the schema declares, instants UTC timestamps, dates DATE, on both sides. */
    void checkTypes(OutputQuery q) throws Exception {
        FeedSpec feed = config.feed();
        List<String> exprs = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (FieldSpec f : feed.fields()) {
            String type = switch (f.kind()) {
                case DECIMAL -> "DECIMAL(" + f.precision() + "," + f.scale() + ")";
                case TIMESTAMP -> "TIMESTAMP WITH TIME ZONE";
                case DATE -> "DATE";
                default -> null;
            };
            if (type != null) {
                for (String side : List.of("internal", "counterparty")) {
                    exprs.add("typeof(" + side + "." + f.name() + ")");
                    expected.add(type);
                }
            }
        }
        assertThat(exprs).as("the feed has typed fields").isNotEmpty();
        List<Object> types = q.rows("SELECT " + String.join(", ", exprs)
                + " FROM results WHERE internal IS NOT NULL AND counterparty IS NOT NULL LIMIT 1").get(0);
        assertThat(types).containsExactlyElementsOf(expected);
        assertThat(q.rows("SELECT DISTINCT recon FROM results")).containsExactly(List.of(config.name()));
    }

    /** Each batch arrived whole: its manifest's count and control total against what came. */
    void checkBatches(OutputQuery q) throws Exception {
        List<List<Object>> batches = q.rows("SELECT business_date::VARCHAR, counterparty, status, expected_count, actual_count, "
                + "actual_control_total FROM batches ORDER BY 1, 2");
        assertThat(batches).hasSize(scenario.batches().size());
        for (List<Object> b : batches) {
            Scenario.Manifest m = scenario.batch(b.get(1).toString(), LocalDate.parse(b.get(0).toString())).manifest();
            assertThat(b.get(2)).as("batch %s", b).isEqualTo("COMPLETE");
            assertThat(((Number) b.get(3)).longValue()).isEqualTo(m.recordCount());
            assertThat(((Number) b.get(4)).longValue()).isEqualTo(m.recordCount());
            assertThat((BigDecimal) b.get(5)).isEqualByComparingTo(m.controlTotal());
        }
    }

    /** Exactly once and finished: only committed part files, nothing in progress or pending. */
    void checkCommittedFiles() throws Exception {
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).isNotEmpty().allSatisfy(f -> {
                assertThat(f.getFileName().toString()).startsWith("part-").endsWith(".parquet");
                assertThat(out.relativize(f).toString())
                        .matches("(results|rejects|batches)/recon=" + config.name() + "/business_date=\\d{4}-\\d{2}-\\d{2}/part-.*");
            });
        }
    }

    /**
     * For each timestamp field of the match key: the keys that ended MATCHED although our record and
     * theirs wrote that field as different texts (the same instant with different offsets).
     */
    Map<String, Set<String>> matchedKeysWrittenWithOtherOffsets(OutputQuery q) throws Exception {
        FeedSpec feed = config.feed();
        RecordValidator validator = new RecordValidator(feed);
        RecordKeys keys = new RecordKeys(feed);
        Set<String> matched = new HashSet<>();
        for (List<Object> row : q.rows("SELECT business_date::VARCHAR, match_key FROM results "
                + "WHERE status = 'MATCHED' AND match_type = 'PRIMARY'")) {
            matched.add(row.get(0) + "|" + row.get(1));
        }
        Set<String> invalid = new HashSet<>();
        truth.rejects().forEach(r -> invalid.addAll(r.raws()));
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String field : feed.matchKey()) {
            if (feed.field(field).kind() != FieldKind.TIMESTAMP) {
                continue;
            }
            Set<String> differing = new TreeSet<>();
            for (Scenario.Batch b : scenario.batches()) {
                Map<String, String> ourText = new HashMap<>();
                for (Scenario.InternalRecord rec : b.internal()) {
                    if (rec.valid()) {
                        JsonNode n = MAPPER.readTree(rec.json());
                        ourText.put(keys.matchKey(validator.validate(n, false).record()), n.get(field).textValue());
                    }
                }
                for (String raw : b.servedRecords()) {
                    if (invalid.contains(raw)) {
                        continue;
                    }
                    JsonNode n = MAPPER.readTree(raw);
                    Row rec = validator.validate(n, false).record();
                    String key = keys.matchKey(rec);
                    String ours = ourText.get(key);
                    if (ours != null && matched.contains(b.businessDate() + "|" + key) && !ours.equals(n.get(field).textValue())) {
                        differing.add(key + " ours " + ours + " theirs " + n.get(field).textValue());
                    }
                }
            }
            out.put(field, differing);
        }
        return out;
    }

    /**
     * Our decimals of 18 and more significant digits, each read back from the results exactly as
     * written: by field, how many such values the run had (all of them compared equal).
     */
    Map<String, Integer> wideDecimalsKeptExactly(OutputQuery q) throws Exception {
        FeedSpec feed = config.feed();
        RecordValidator validator = new RecordValidator(feed);
        RecordKeys keys = new RecordKeys(feed);
        Map<String, Integer> out = new TreeMap<>();
        for (FieldSpec f : feed.fields()) {
            if (f.kind() != FieldKind.DECIMAL) {
                continue;
            }
            Map<String, BigDecimal> written = new HashMap<>();
            for (Scenario.Batch b : scenario.batches()) {
                for (Scenario.InternalRecord rec : b.internal()) {
                    if (!rec.valid()) {
                        continue;
                    }
                    Row g = validator.validate(MAPPER.readTree(rec.json()), false).record();
                    BigDecimal v = (BigDecimal) io.reconflow.domain.feed.FeedValues.comparable(g, f);
                    if (v != null && v.stripTrailingZeros().precision() >= 18) {
                        written.put(b.businessDate() + "|" + keys.matchKey(g), v);
                    }
                }
            }
            int n = 0;
            for (List<Object> row : q.rows("SELECT business_date::VARCHAR, match_key, internal." + f.name()
                    + " FROM results WHERE internal IS NOT NULL")) {
                BigDecimal expected = written.get(row.get(0) + "|" + row.get(1));
                if (expected != null) {
                    assertThat((BigDecimal) row.get(2)).as("%s of %s", f.name(), row.get(1)).isEqualByComparingTo(expected);
                    n++;
                }
            }
            assertThat(n).as("every wide %s is in the results", f.name()).isEqualTo(written.size());
            out.put(f.name(), n);
        }
        return out;
    }

    /** The rejects' codes per side, as counted in the output. */
    Map<Side, Set<String>> rejectCodes(OutputQuery q) throws Exception {
        Map<Side, Set<String>> out = new HashMap<>();
        for (List<Object> r : q.rows("SELECT DISTINCT side, error_code FROM rejects")) {
            out.computeIfAbsent(Side.valueOf(r.get(0).toString()), x -> new TreeSet<>()).add(r.get(1).toString());
        }
        return out;
    }

    static Set<String> strings(Object duckList) throws Exception {
        Set<String> out = new TreeSet<>();
        if (duckList == null) {
            return out;
        }
        if (duckList instanceof java.sql.Array a) {
            for (Object o : (Object[]) a.getArray()) {
                out.add(o.toString());
            }
        } else {
            for (Object o : (List<?>) duckList) {
                out.add(o.toString());
            }
        }
        return out;
    }

    static long count(OutputQuery q, String sql) throws Exception {
        return ((Number) q.rows(sql).get(0).get(0)).longValue();
    }
}
