package io.reconflow.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.job.ReconConfig;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.operators.Rejects;
import io.reconflow.operators.match.ResultRows;
import io.reconflow.operators.match.SecondaryKey;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.RecordJson;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.operators.fetch.PageParser;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The plain program the job is measured against: one thread, no Flink. It fetches a batch's
 * manifest and pages from the counterparty (JDK HttpClient, 64 requests in flight, bodies handed
 * to the one working thread), reads the internal CSV, validates, deduplicates, matches by match
 * key then by the secondary key, and writes results and rejects as Parquet.
 *
 * <p>It reuses the project's Flink-free domain classes (page framing, record reading, validator,
 * keys, rule evaluator, result rows), so both programs decide every record the same way and their
 * counts can be compared; what it leaves out is everything Flink adds: serialization between
 * operators, keyed state, checkpoints, timers.
 */
public final class Baseline {

    /**
     * What one run did.
     *
     * @param cpuMs CPU time of the JVM it ran in, over the run (all threads: its HTTP client's too)
     */
    public record Result(long millis, long counterpartyRecords, long internalRecords, long resultRows, long rejects,
                         long duplicates, Map<MatchStatus, Long> byStatus, long cpuMs) {}

    private static final int IN_FLIGHT = 64;
    private static final byte[] END = new byte[0];

    private final ReconConfig config;
    private final FeedSpec feed;
    private final RecordValidator validator;
    private final RecordKeys keys;
    private final ResultRows rows;
    private final RuleEvaluator evaluator;
    private final Map<String, byte[]> seen = new HashMap<>();
    private final Map<String, ValidRecord> waitingInternal = new LinkedHashMap<>();
    private final Map<String, ValidRecord> waitingCounterparty = new LinkedHashMap<>();
    private final Map<MatchStatus, Long> byStatus = new EnumMap<>(MatchStatus.class);
    private ParquetWriter<GenericRecord> results;
    private ParquetWriter<Reject> rejects;
    private long counterpartyRecords;
    private long internalRecords;
    private long resultRows;
    private long rejectRows;
    private long duplicates;

    private Baseline(ReconConfig config) {
        this.config = config;
        this.feed = config.feed();
        this.validator = new RecordValidator(feed);
        this.keys = new RecordKeys(feed);
        this.rows = new ResultRows(config.name(), feed);
        this.evaluator = new RuleEvaluator(feed, config.matching());
    }

    /**
     * @param internalFolder the internal CSV files of {@code businessDate}
     * @param out where results.parquet and rejects.parquet go (emptied first)
     */
    /**
     * Runs the baseline in a JVM of its own (started for it, as the job's is with
     * {@code --job-heap}), so that both start with nothing compiled: in the benchmark's JVM the
     * simulator and the generator had already compiled much of its code (Jackson, the validator, the
     * keys), while the job's JVM spends the first tens of seconds compiling. The heap is the
     * benchmark JVM's, as when the baseline ran in it; the token is read from {@code tokenEnv} in
     * the environment, never passed on the command line. The time is measured inside it from the
     * same point as before: the JVM's own start is not counted, as for the job.
     */
    static Result runInChild(Path yaml, List<String> overrides, String baseUrl, String tokenEnv, String businessDate,
                             Path internalFolder, Path out, boolean warm) throws Exception {
        Path result = Files.createTempFile("reconflow-baseline-", ".json");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + (Runtime.getRuntime().maxMemory() >> 20) + "m", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "-D" + JobRun.WARM_PROPERTY + "=" + warm,
                "-cp", System.getProperty("java.class.path"), Baseline.class.getName(),
                result.toString(), yaml.toString(), baseUrl, tokenEnv, businessDate, internalFolder.toString(), out.toString()));
        String log4j = System.getProperty("log4j.configurationFile");
        if (log4j != null) {
            command.add(1, "-Dlog4j.configurationFile=" + log4j);
        }
        command.addAll(overrides);
        Process child = new ProcessBuilder(command).inheritIO().start();
        try {
            int exit = child.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("the baseline's JVM ended with exit code " + exit);
            }
            return new ObjectMapper().readValue(result.toFile(), Result.class);
        } finally {
            child.destroy();
            Files.deleteIfExists(result);
        }
    }

    /** The child JVM of {@link #runInChild}: RESULT_JSON CONFIG_YAML BASE_URL TOKEN_ENV DATE INTERNAL_DIR OUT_DIR [OVERRIDE]... */
    public static void main(String[] args) throws Exception {
        ReconConfig config = ReconConfig.load(Path.of(args[1]), List.of(args).subList(7, args.length));
        String token = System.getenv(args[3]);
        if (token == null) {
            throw new IllegalStateException("environment variable " + args[3] + " (the counterparty token) is not set");
        }
        Result r = run(config, args[2], token, args[4], Path.of(args[5]), Path.of(args[6]), Boolean.getBoolean(JobRun.WARM_PROPERTY));
        new ObjectMapper().writeValue(Path.of(args[0]).toFile(), r);
        System.exit(0);
    }

    /** As {@link #run(ReconConfig, String, String, String, Path, Path)}; {@code warm}: once before, into a folder of its own, unmeasured. */
    public static Result run(ReconConfig config, String baseUrl, String token, String businessDate,
                             Path internalFolder, Path out, boolean warm) throws Exception {
        if (warm) {
            run(config, baseUrl, token, businessDate, internalFolder, JobRun.warmUpFolder(out));
        }
        return run(config, baseUrl, token, businessDate, internalFolder, out);
    }

    public static Result run(ReconConfig config, String baseUrl, String token, String businessDate,
                             Path internalFolder, Path out) throws Exception {
        long start = System.nanoTime();
        long cpuStart = BenchData.processCpuMillis();
        Baseline b = new Baseline(config);
        BenchData.deleteRecursively(out);
        Files.createDirectories(out);
        // The job's result writer (its column settings and its WriteSupport): the same files, written the same way.
        try (ParquetWriter<GenericRecord> results = io.reconflow.operators.sink.ParquetSinks.resultWriter(
                        new LocalOutputFile(out.resolve("results.parquet")), b.rows.schema());
             ParquetWriter<Reject> rejects = AvroParquetWriter.<Reject>builder(new LocalOutputFile(out.resolve("rejects.parquet")))
                     .withSchema(Reject.getClassSchema()).withDataModel(org.apache.avro.specific.SpecificData.getForClass(Reject.class)).build()) {
            b.results = results;
            b.rejects = rejects;
            b.readInternal(internalFolder, businessDate);
            b.fetch(baseUrl, token, businessDate);
            b.finish();
        }
        return new Result((System.nanoTime() - start) / 1_000_000, b.counterpartyRecords, b.internalRecords,
                b.resultRows, b.rejectRows, b.duplicates, b.byStatus, BenchData.processCpuMillis() - cpuStart);
    }

    // --- reading ------------------------------------------------------------------------------

    private void readInternal(Path folder, String businessDate) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        CsvMapper csv = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file);
                 MappingIterator<String[]> it = csv.readerFor(String[].class).readValues(in)) {
                String[] header = it.hasNext() ? it.next() : new String[0];
                long line = 1;
                while (it.hasNext()) {
                    String[] cells = it.next();
                    line++;
                    internalRecords++;
                    if (cells.length != header.length) {
                        reject(Side.INTERNAL, "internal", businessDate, null, null, line, ErrorCode.RECORD_UNPARSEABLE,
                                null, cells.length + " cells where the header has " + header.length, String.join(",", cells));
                        continue;
                    }
                    ObjectNode json = JsonNodeFactory.instance.objectNode();
                    for (int i = 0; i < cells.length; i++) {
                        if (!cells[i].isEmpty()) {
                            json.put(header[i], cells[i]);
                        }
                    }
                    record(Side.INTERNAL, "internal", businessDate, null, null, line, json.toString(), true);
                }
            }
        }
    }

    /** Requests go out from the HTTP client's threads; bodies are worked on by this thread alone. */
    private void fetch(String baseUrl, String token, String businessDate) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String batch = baseUrl + "/v1/feeds/" + feed.name() + "/batches/" + businessDate;
        String authorization = "Bearer " + token;
        HttpResponse<byte[]> manifest = http.send(get(batch + "/manifest", authorization), HttpResponse.BodyHandlers.ofByteArray());
        if (manifest.statusCode() != 200) {
            throw new IOException("manifest: HTTP " + manifest.statusCode());
        }
        JsonNode m = new ObjectMapper().readTree(manifest.body());
        int pages = m.get("page_count").asInt();
        String source = config.counterparties().get(0).name();
        // A place is given back when this thread takes the body: at most 64 pages sent or waiting.
        BlockingQueue<byte[]> bodies = new LinkedBlockingQueue<>();
        Semaphore places = new Semaphore(IN_FLIGHT);
        Thread sender = new Thread(() -> {
            try {
                for (int p = 1; p <= pages; p++) {
                    places.acquire();
                    http.sendAsync(get(batch + "/pages/" + p, authorization), HttpResponse.BodyHandlers.ofByteArray())
                            .whenComplete((r, err) -> {
                                byte[] body = err == null && r.statusCode() == 200 ? r.body() : null;
                                bodies.add(body == null ? new byte[] {'!'} : body);
                            });
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "baseline-sender");
        sender.setDaemon(true);
        sender.start();
        for (int done = 0; done < pages; done++) {
            byte[] body = bodies.poll(2, TimeUnit.MINUTES);
            places.release();
            if (body == null) {
                throw new IOException("no page arrived within 2 minutes");
            }
            if (body.length == 1 && body[0] == '!') {
                throw new IOException("a page could not be fetched (the baseline expects a counterparty without faults)");
            }
            PageParser.ParsedPage page = PageParser.parse(body);
            int line = 0;
            for (String raw : page.records()) {
                counterpartyRecords++;
                record(Side.COUNTERPARTY, source, businessDate, page.batchId(), page.page(), ++line, raw, false);
            }
        }
    }

    private static HttpRequest get(String uri, String authorization) {
        return HttpRequest.newBuilder(URI.create(uri)).header("Authorization", authorization)
                .header("Accept", "application/json").GET().build();
    }

    // --- validate, deduplicate, match ---------------------------------------------------------

    private void record(Side side, String source, String date, String batchId, Integer page, long line, String text,
                        boolean textValues) throws IOException {
        RecordJson.Result parsed = RecordJson.read(text);
        if (parsed.violation() != null) {
            reject(side, source, date, batchId, page, line, parsed.violation().code(), parsed.violation().field(),
                    parsed.violation().message(), text);
            return;
        }
        RecordValidator.Outcome outcome = validator.validate(parsed.node(), textValues);
        if (outcome.violation() != null) {
            reject(side, source, date, batchId, page, line, outcome.violation().code(), outcome.violation().field(),
                    outcome.violation().message(), text);
            return;
        }
        org.apache.flink.types.Row record = outcome.record();
        String idempotencyKey = keys.idempotencyKey(record);
        byte[] content = keys.contentHash(record);
        String dedupKey = side + "|" + (side == Side.INTERNAL ? "" : source) + "|" + date + "|" + idempotencyKey;
        byte[] first = seen.putIfAbsent(dedupKey, content);
        if (first != null) {
            if (java.util.Arrays.equals(first, content)) {
                duplicates++;
            } else {
                reject(side, source, date, batchId, page, line, ErrorCode.DUPLICATE_CONFLICT, null, "idempotency key "
                        + idempotencyKey + " was already seen with different content; the first record is kept", text);
            }
            return;
        }
        ValidRecord envelope = new ValidRecord();
        envelope.side = side;
        envelope.source = source;
        envelope.businessDate = date;
        envelope.batchId = batchId;
        envelope.page = page;
        envelope.line = line;
        envelope.idempotencyKey = idempotencyKey;
        envelope.contentHash = content;
        envelope.matchKey = keys.matchKey(record);
        envelope.values = record;
        match(envelope, side == Side.INTERNAL);
    }

    /** As the job's match by key: a pair is decided once both sides are in; a second record of a side replaces the first. */
    private void match(ValidRecord envelope, boolean internal) throws IOException {
        String key = envelope.businessDate + "|" + envelope.matchKey;
        Map<String, ValidRecord> own = internal ? waitingInternal : waitingCounterparty;
        Map<String, ValidRecord> other = internal ? waitingCounterparty : waitingInternal;
        ValidRecord waiting = other.remove(key);
        if (waiting == null) {
            ValidRecord replaced = own.put(key, envelope);
            if (replaced != null) {
                unmatched.add(replaced);
            }
            return;
        }
        ValidRecord ours = internal ? envelope : waiting;
        ValidRecord theirs = internal ? waiting : envelope;
        emit(rows.pair(evaluator.decide(record(ours), record(theirs)), ours, theirs, false));
    }

    private final List<ValidRecord> unmatched = new ArrayList<>();

    /** The keyed passes over what the match key left unpaired, then the unmatched rows. */
    private void finish() throws IOException {
        List<ValidRecord> left = new ArrayList<>(unmatched);
        left.addAll(waitingInternal.values());
        left.addAll(waitingCounterparty.values());
        for (MatchPass pass : config.matching().keyedPasses()) {
            SecondaryKey secondary = new SecondaryKey(feed, pass);
            Map<String, List<ValidRecord>> groups = new TreeMap<>();
            for (ValidRecord e : left) {
                groups.computeIfAbsent(secondary.getKey(e), k -> new ArrayList<>()).add(e);
            }
            left = new ArrayList<>();
            for (Map.Entry<String, List<ValidRecord>> g : groups.entrySet()) {
                left.addAll(secondaryPass(pass, g.getKey(), g.getValue()));
            }
        }
        for (ValidRecord e : left) {
            emit(rows.unmatched(e));
        }
    }

    /**
     * One group sharing a secondary key: one record of each side that are candidates is a pair;
     * records with candidates in a larger group are ambiguous; the rest stay unmatched.
     */
    private List<ValidRecord> secondaryPass(MatchPass pass, String key, List<ValidRecord> group) throws IOException {
        List<ValidRecord> ours = group.stream().filter(ValidRecord::isInternal).toList();
        List<ValidRecord> theirs = group.stream().filter(e -> !e.isInternal()).toList();
        if (key.startsWith("\u2205|") || ours.isEmpty() || theirs.isEmpty()) {
            return group;
        }
        if (ours.size() == 1 && theirs.size() == 1 && evaluator.candidates(record(ours.get(0)), record(theirs.get(0)), pass)) {
            emit(rows.pair(evaluator.decide(record(ours.get(0)), record(theirs.get(0)), pass), ours.get(0), theirs.get(0), true));
            return List.of();
        }
        List<ValidRecord> alone = new ArrayList<>();
        for (ValidRecord e : group) {
            boolean mine = e.isInternal();
            List<String> candidates = new ArrayList<>();
            for (ValidRecord o : mine ? theirs : ours) {
                if (mine ? evaluator.candidates(record(e), record(o), pass) : evaluator.candidates(record(o), record(e), pass)) {
                    candidates.add(o.matchKey);
                }
            }
            if (candidates.isEmpty()) {
                alone.add(e);
            } else {
                emit(rows.ambiguous(e, pass, candidates.stream().sorted().toList()));
            }
        }
        return alone;
    }

    private static org.apache.flink.types.Row record(ValidRecord envelope) {
        return envelope.values;
    }

    // --- writing ------------------------------------------------------------------------------

    private void emit(GenericRecord row) throws IOException {
        results.write(row);
        resultRows++;
        byStatus.merge(MatchStatus.valueOf(row.get("status").toString()), 1L, Long::sum);
    }

    private void reject(Side side, String source, String date, String batchId, Integer page, long line, ErrorCode code,
                        String field, String message, String raw) throws IOException {
        Rejects.Origin origin = new Rejects.Origin(feed.name(), date, side, source, batchId, page, line, null);
        rejects.write(Rejects.of(config.name(), origin, code, field, message, raw));
        rejectRows++;
    }
}
