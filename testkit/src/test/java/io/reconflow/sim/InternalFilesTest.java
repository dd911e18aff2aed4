package io.reconflow.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InternalFilesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final List<LocalDate> DATES = List.of(LocalDate.of(2026, 11, 20), LocalDate.of(2026, 11, 21));

    @TempDir
    Path tmp;

    static List<SimFeeds.Feed> feeds() {
        return SimFeeds.all();
    }

    private static Scenario scenario(SimFeeds.Feed f) {
        return ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small().withBusinessDates(DATES));
    }

    private String pattern() {
        return tmp.resolve("internal/business_date={business_date}").toString();
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void csvHasAHeaderAndReadsBackCellForCell(SimFeeds.Feed f) throws Exception {
        Scenario s = scenario(f);
        List<Path> files = InternalFiles.write(s, f.spec(), pattern(), "csv");
        assertThat(files).hasSize(DATES.size()).allMatch(p -> p.toString().endsWith(".csv"));
        RecordValidator validator = new RecordValidator(f.spec());
        for (LocalDate date : DATES) {
            Path file = tmp.resolve("internal/business_date=" + date + "/part-00000.csv");
            assertThat(files).contains(file);
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            assertThat(lines.get(0)).isEqualTo(String.join(",", f.spec().fields().stream().map(FieldSpec::name).toList()));
            List<Scenario.InternalRecord> expected = s.internalRecords(date);
            List<Map<String, String>> rows = new ArrayList<>();
            try (Reader in = Files.newBufferedReader(file);
                 MappingIterator<Map<String, String>> it = new CsvMapper().readerFor(Map.class)
                         .with(CsvSchema.emptySchema().withHeader()).readValues(in)) {
                it.forEachRemaining(rows::add);
            }
            assertThat(rows).hasSize(expected.size());
            for (int i = 0; i < rows.size(); i++) {
                Scenario.InternalRecord rec = expected.get(i);
                for (Map.Entry<String, String> cell : rec.cells().entrySet()) {
                    assertThat(rows.get(i).get(cell.getKey())).isEqualTo(cell.getValue() == null ? "" : cell.getValue());
                }
                ObjectNode node = JsonNodeFactory.instance.objectNode();
                rows.get(i).forEach(node::put);
                assertThat(validator.validate(node, true).record() != null).as(rec.csvRow()).isEqualTo(rec.valid());
                // The reject raw text of a CSV record is its row exactly as written.
                assertThat(lines.get(i + 1)).isEqualTo(rec.csvRow());
            }
        }
        Truth csvTruth = s.truth().forInternalFormat("csv");
        List<String> allLines = new ArrayList<>();
        for (Path p : files) {
            allLines.addAll(Files.readAllLines(p));
        }
        csvTruth.rejects().stream().filter(r -> r.side() == Side.INTERNAL)
                .forEach(r -> assertThat(allLines).contains(r.raw()));
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void jsonlHoldsOneObjectPerLine(SimFeeds.Feed f) throws Exception {
        Scenario s = scenario(f);
        List<Path> files = InternalFiles.write(s, f.spec(), pattern(), "jsonl");
        assertThat(files).hasSize(DATES.size());
        for (int d = 0; d < DATES.size(); d++) {
            List<String> lines = Files.readAllLines(files.get(d), StandardCharsets.UTF_8);
            List<Scenario.InternalRecord> expected = s.internalRecords(DATES.get(d));
            assertThat(lines).containsExactlyElementsOf(expected.stream().map(Scenario.InternalRecord::json).toList());
            for (String line : lines) {
                assertThat(MAPPER.readTree(line).isObject()).isTrue();
            }
        }
        Truth truth = s.truth().forInternalFormat("jsonl");
        assertThat(truth.totals()).isEqualTo(s.truth().totals());
        truth.rejects().stream().filter(r -> r.side() == Side.INTERNAL).forEach(r -> assertThat(r.raws()).hasSize(1));
    }

    @ParameterizedTest
    @MethodSource("feeds")
    void parquetHoldsTheValidRecordsTyped(SimFeeds.Feed f) throws Exception {
        Scenario s = scenario(f);
        FeedSpec spec = f.spec();
        List<Path> files = InternalFiles.write(s, spec, pattern(), "parquet");
        assertThat(files).hasSize(DATES.size()).allMatch(p -> p.toString().endsWith(".parquet"));
        RecordValidator validator = new RecordValidator(spec);
        RecordKeys keys = new RecordKeys(spec);
        for (int d = 0; d < DATES.size(); d++) {
            List<String> expected = new ArrayList<>();
            for (Scenario.InternalRecord rec : s.internalRecords(DATES.get(d))) {
                if (rec.valid()) {
                    expected.add(keys.canonicalForm(validator.validate(MAPPER.readTree(rec.json()), false).record(), spec.fields()));
                }
            }
            List<String> read = new ArrayList<>();
            try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(files.get(d)))
                    .withConf(new Configuration(false)).build()) {
                for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                    assertThat(r.getSchema().getFields()).hasSize(spec.fields().size());
                    read.add(keys.canonicalForm(values(spec, r), spec.fields()));
                }
            }
            assertThat(read).containsExactlyElementsOf(expected);
        }
        Truth truth = s.truth().forInternalFormat("parquet");
        assertThat(truth.rejects()).noneMatch(r -> r.side() == Side.INTERNAL);
        assertThat(truth.totals().internalWritten()).isEqualTo(s.truth().totals().internalValid());
        assertThat(truth.totals().internalRejected()).isZero();
    }

    @Test
    void recordsAreSplitOverSeveralFilesAndOldPartsAreReplaced() throws Exception {
        SimFeeds.Feed f = SimFeeds.energy();
        Scenario s = scenario(f);
        List<Path> many = InternalFiles.write(s, f.spec(), pattern(), "jsonl", 10);
        int perDate = s.internalRecords(DATES.get(0)).size();
        assertThat(many).hasSize(2 * ((perDate + 9) / 10));
        Path dir = many.get(0).getParent();
        Path unrelated = dir.resolve("README.txt");
        Files.writeString(unrelated, "keep me");
        List<Path> one = InternalFiles.write(s, f.spec(), pattern(), "jsonl");
        assertThat(one).hasSize(2);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("README.txt", "part-00000.jsonl");
        }
        assertThat(Files.readAllLines(one.get(0))).hasSize(perDate);
    }

    @Test
    void badArgumentsAreRefused() {
        SimFeeds.Feed f = SimFeeds.energy();
        Scenario s = scenario(f);
        assertThatThrownBy(() -> InternalFiles.write(s, f.spec(), tmp.toString(), "csv"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{business_date}");
        assertThatThrownBy(() -> InternalFiles.write(s, f.spec(), pattern(), "xml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("xml");
    }

    /** The feed values of a record read back from Parquet, as the validator gives them. */
    private static org.apache.flink.types.Row values(io.reconflow.domain.feed.FeedSpec spec, GenericRecord r) {
        org.apache.flink.types.Row row = new org.apache.flink.types.Row(spec.fields().size());
        for (io.reconflow.domain.feed.FieldSpec f : spec.fields()) {
            Object v = r.get(f.position());
            row.setField(f.position(), v == null ? null : switch (f.kind()) {
                case DECIMAL -> io.reconflow.domain.feed.FeedValues.decimal((java.nio.ByteBuffer) v, f.scale());
                case STRING, ENUM -> v.toString();
                default -> v;
            });
        }
        return row;
    }
}
