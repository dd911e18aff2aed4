package io.reconflow.job;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.events.ErrorCode;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import io.reconflow.testkit.OutputQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The energy reconciliation with our folder holding, beside the generated CSV: some of its matched
 * records moved into a Parquet file written by DuckDB (DECIMAL(38,18) on FIXED_LEN_BYTE_ARRAY,
 * TIMESTAMPTZ), a Parquet file with a renamed column, and a CSV with a quoted line break and doubled
 * quotes, an unbalanced quote, a line with a cell too many and a line that is not UTF-8. Every key
 * ends as the truth says (the moved records still MATCHED, to the last digit), every bad line is
 * one reject naming file and line, the bad file one reject naming it and the field, and our
 * records read = valid + rejected.
 */
class HostileInternalFilesEndToEndTest extends MiniClusterTestBase {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String DATE = "2026-11-20";
    private static final String QUOTED_POINT = "Zone \"A\"\nnorth";

    @TempDir
    Path tmp;

    /** One extra reject we expect: file, line (null for the file), code, field, raw text (null when not text). */
    private record Expected(String file, Long line, ErrorCode code, String field, String raw) {}

    private final List<Expected> extraRejects = new ArrayList<>();
    private final Set<String> moved = new java.util.TreeSet<>();
    private long extraRead;
    private long extraValid;

    @Test
    void badLinesAndFilesOfOursAreRejectedAloneAndEverythingElseIsReconciledExactly() throws Exception {
        ScenarioSettings settings = new ScenarioSettings(29L, List.of(LocalDate.parse(DATE)), List.of("-"),
                30, 8, 8, 5, 5, 6, 6, 4, 2, 13);
        FeedRun run = FeedRun.run(ENERGY, List.of(), settings, tmp, TOKEN_ENV, token(), MiniClusterTestBase::environment,
                this::editOurFiles);
        assertThat(moved).hasSize(5);

        try (OutputQuery q = new OutputQuery(run.out.toString())) {
            run.checkRows(q);
            run.checkBreaks(q);
            run.checkTypes(q);
            run.checkBatches(q);
            checkRejects(run, q);

            long internalRows = FeedRun.count(q, "SELECT count(*) FROM results WHERE internal IS NOT NULL");
            long internalRejects = FeedRun.count(q, "SELECT count(*) FROM rejects WHERE side = 'INTERNAL'");
            assertThat(internalRows + internalRejects).as("our records read = valid + rejected")
                    .isEqualTo(run.truth.totals().internalWritten() + extraRead);
            assertThat(internalRows).isEqualTo(run.truth.totals().internalValid() + extraValid);

            // The records DuckDB wrote came back to the last digit and instant: MATCHED, read from the Parquet file.
            for (String key : moved) {
                List<List<Object>> row = q.rows("SELECT status, internal_source FROM results WHERE match_key = '" + key + "'");
                assertThat(row).singleElement().satisfies(r -> {
                    assertThat(r.get(0)).isEqualTo(MatchStatus.MATCHED.name());
                    assertThat(r.get(1).toString()).matches(".*/duckdb\\.parquet:\\d+");
                });
            }
            List<List<Object>> quoted = q.rows("SELECT status, internal.delivery_point, internal_source FROM results WHERE match_key = 'X-1'");
            assertThat(quoted).singleElement().satisfies(r -> {
                assertThat(r.get(0)).isEqualTo(MatchStatus.UNMATCHED_INTERNAL.name());
                assertThat(r.get(1)).isEqualTo(QUOTED_POINT);
                assertThat(r.get(2).toString()).endsWith("/extra.csv:2");
            });
        }
        run.checkCommittedFiles();
    }

    /** Moves five matched records into a DuckDB Parquet file and adds the hostile files; the truth gains two keys. */
    private Truth editOurFiles(Scenario scenario, Truth truth, String folderPattern) throws Exception {
        FeedSpec feed = ReconConfig.load(ENERGY, List.of()).feed();
        Path folder = Path.of(folderPattern.replace("{business_date}", DATE));
        Path csv = folder.resolve("part-00000.csv");
        String header = Files.readAllLines(csv, StandardCharsets.UTF_8).get(0);
        List<Scenario.InternalRecord> records = scenario.internalRecords(LocalDate.parse(DATE));
        assertThat(Files.readString(csv)).as("the generated file is one file of all our records")
                .isEqualTo(header + "\n" + String.join("\n", records.stream().map(Scenario.InternalRecord::csvRow).toList()) + "\n");

        List<Scenario.InternalRecord> toParquet = new ArrayList<>();
        StringBuilder kept = new StringBuilder(header).append('\n');
        Scenario.InternalRecord template = null;
        for (Scenario.InternalRecord rec : records) {
            String key = rec.valid() ? JSON.readTree(rec.json()).get("trade_id").textValue() : null;
            boolean matched = key != null && truth.status(DATE, key) == MatchStatus.MATCHED;
            if (matched && toParquet.size() < 5) {
                toParquet.add(rec);
                moved.add(key);
            } else {
                kept.append(rec.csvRow()).append('\n');
                template = matched ? rec : template;
            }
        }
        Files.writeString(csv, kept.toString());
        duckdb(folder.resolve("duckdb.parquet"), feed, toParquet, Map.of());
        duckdb(folder.resolve("renamed.parquet"), feed, List.of(template), Map.of("trade_id", "trade_ref"));
        extraRejects.add(new Expected("renamed.parquet", null, ErrorCode.FILE_UNREADABLE, "trade_id", null));
        extraRead++;

        String quoted = row(feed, template, "X-1", QUOTED_POINT);
        String unbalanced = row(feed, template, "X-2", "Zone X2").replaceFirst(",", ",\"");
        String surplus = row(feed, template, "X-4", "Zone X4") + ",surplus";
        String latin1 = row(feed, template, "X-5", "Z\u00fcrich");
        String last = row(feed, template, "X-3", "Zone X3");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write((header + "\n" + quoted + "\n" + unbalanced + "\n" + surplus + "\n").getBytes(StandardCharsets.UTF_8));
        bytes.write((latin1 + "\n").getBytes(StandardCharsets.ISO_8859_1));
        bytes.write((last + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(folder.resolve("extra.csv"), bytes.toByteArray());
        assertThat(quoted).as("the quoted cell spans two lines").contains("\n");
        extraRejects.add(new Expected("extra.csv", 4L, ErrorCode.RECORD_UNPARSEABLE, null, unbalanced));
        extraRejects.add(new Expected("extra.csv", 5L, ErrorCode.RECORD_UNPARSEABLE, null, surplus));
        extraRejects.add(new Expected("extra.csv", 6L, ErrorCode.RECORD_UNPARSEABLE, null, null));
        extraRead += 5;
        extraValid += 2;

        Map<Truth.KeyRef, Truth.ExpectedKey> keys = new TreeMap<>(truth.keys());
        String counterparty = scenario.batches().get(0).counterparty();
        for (String key : List.of("X-1", "X-3")) {
            keys.put(new Truth.KeyRef(DATE, key), new Truth.ExpectedKey(DATE, key, counterparty, MatchStatus.UNMATCHED_INTERNAL, Set.of()));
        }
        return new Truth(keys, truth.rejects(), truth.totals());
    }

    /** The template record as a CSV row under another trade id and delivery point (quoted as CSV needs). */
    private static String row(FeedSpec feed, Scenario.InternalRecord template, String tradeId, String deliveryPoint) {
        Map<String, String> cells = new HashMap<>(template.cells());
        cells.put("trade_id", tradeId);
        cells.put("delivery_point", deliveryPoint);
        return InternalFiles.csvRow(feed, cells);
    }

    /** Writes records with DuckDB, each field cast from its text to the type an analyst would choose, some columns renamed. */
    private static void duckdb(Path file, FeedSpec feed, List<Scenario.InternalRecord> records, Map<String, String> rename)
            throws Exception {
        List<String> selects = new ArrayList<>();
        for (Scenario.InternalRecord rec : records) {
            JsonNode json = JSON.readTree(rec.json());
            List<String> columns = new ArrayList<>();
            for (FieldSpec f : feed.fields()) {
                JsonNode v = json.get(f.name());
                String text = v == null || v.isNull() ? null : v.isNumber() ? v.decimalValue().toPlainString() : v.asText();
                String type = switch (f.kind()) {
                    case DECIMAL -> "DECIMAL(" + f.precision() + "," + f.scale() + ")";
                    case TIMESTAMP -> "TIMESTAMPTZ";
                    case DATE -> "DATE";
                    case INT -> "INTEGER";
                    case LONG -> "BIGINT";
                    case BOOLEAN -> "BOOLEAN";
                    case STRING, ENUM -> "VARCHAR";
                };
                columns.add((text == null ? "NULL" : "'" + text.replace("'", "''") + "'") + "::" + type + " AS " + rename.getOrDefault(f.name(), f.name()));
            }
            selects.add("SELECT " + String.join(", ", columns));
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("COPY (" + String.join(" UNION ALL ", selects) + ") TO '" + file + "' (FORMAT PARQUET)");
        }
    }

    /** The generated rejects as the truth says, plus exactly the extra ones, each once. */
    private void checkRejects(FeedRun run, OutputQuery q) throws Exception {
        List<Truth.ExpectedReject> unmatched = new ArrayList<>(run.truth.rejects());
        List<Expected> extra = new ArrayList<>(extraRejects);
        for (List<Object> r : q.rows("SELECT side, error_code, field, raw, business_date::VARCHAR, source, line, message FROM rejects")) {
            String source = r.get(5).toString();
            if (source.endsWith("/extra.csv") || source.endsWith("/renamed.parquet")) {
                String file = source.substring(source.lastIndexOf('/') + 1);
                Long line = r.get(6) == null ? null : ((Number) r.get(6)).longValue();
                Expected e = new Expected(file, line, ErrorCode.valueOf(r.get(1).toString()), (String) r.get(2), (String) r.get(3));
                assertThat(extra.remove(e)).as("unexpected reject %s", r).isTrue();
                assertThat(r.get(0)).isEqualTo("INTERNAL");
                assertThat(r.get(7).toString()).startsWith(file + (line == null ? ": " : " line " + line + ": "));
                continue;
            }
            FeedRun.takeExpected(unmatched, r, true);
        }
        assertThat(unmatched).as("generated rejects that never came").isEmpty();
        assertThat(extra).as("rejects of our bad lines and files that never came").isEmpty();
    }
}
