package io.reconflow.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordValidator;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a scenario's internal records as our system of record would export them: one folder per
 * business date ({@code {business_date}} in the path pattern), files {@code part-00000.csv},
 * {@code .jsonl} or {@code .parquet}, at most {@code recordsPerFile} records each.
 *
 * <ul>
 *   <li>csv: a header row of the schema's field names, values as text, an absent value as an
 *       empty cell, quoted where needed (Jackson's CsvMapper);
 *   <li>jsonl: one JSON object per line, exactly {@link Scenario.InternalRecord#json()};
 *   <li>parquet: the valid records only, typed with the feed's Avro schema (an invalid record
 *       cannot be written into a typed file; {@link Truth#forInternalFormat} accounts for that).
 * </ul>
 */
public final class InternalFiles {
    public static final int DEFAULT_RECORDS_PER_FILE = 1000;
    private static final CsvMapper CSV = new CsvMapper();

    private InternalFiles() {}

    /** {@link #write(Scenario, FeedSpec, String, String, int)} with {@link #DEFAULT_RECORDS_PER_FILE}. */
    public static List<Path> write(Scenario scenario, FeedSpec feed, String pathPattern, String format) {
        return write(scenario, feed, pathPattern, format, DEFAULT_RECORDS_PER_FILE);
    }

    /**
     * Writes every business date's internal records and returns the files written, in order. Part
     * files left in a date's folder by an earlier run are removed first; nothing else is touched. A
     * date without records still gets one (empty) file.
     *
     * @param pathPattern a folder path containing {@code {business_date}}
     * @param format csv, jsonl or parquet
     */
    public static List<Path> write(Scenario scenario, FeedSpec feed, String pathPattern, String format,
                                   int recordsPerFile) {
        if (!pathPattern.contains("{business_date}")) {
            throw new IllegalArgumentException("path pattern must contain {business_date}: " + pathPattern);
        }
        if (recordsPerFile < 1) {
            throw new IllegalArgumentException("recordsPerFile must be >= 1");
        }
        String ext = format.toLowerCase(Locale.ROOT);
        if (!List.of("csv", "jsonl", "parquet").contains(ext)) {
            throw new IllegalArgumentException("unknown internal format '" + format + "'; csv, jsonl or parquet");
        }
        List<Path> written = new ArrayList<>();
        try {
            for (LocalDate date : scenario.settings().businessDates()) {
                Path dir = Path.of(pathPattern.replace("{business_date}", date.toString()));
                Files.createDirectories(dir);
                removeOldParts(dir);
                List<Scenario.InternalRecord> records = new ArrayList<>();
                for (Scenario.InternalRecord rec : scenario.internalRecords(date)) {
                    if (rec.valid() || !ext.equals("parquet")) {
                        records.add(rec);
                    }
                }
                written.addAll(writeParts(records, feed, dir, ext, recordsPerFile, 0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return written;
    }

    /**
     * Writes {@code records} (invalid ones included: the caller filters for parquet) as part files
     * numbered from {@code firstPart} into {@code dir}, removing nothing: a day written in blocks
     * calls it once per block. Returns the files written.
     */
    public static List<Path> writeParts(List<Scenario.InternalRecord> records, FeedSpec feed, Path dir, String format,
                                        int recordsPerFile, int firstPart) throws IOException {
        String ext = format.toLowerCase(Locale.ROOT);
        List<Path> written = new ArrayList<>();
        int part = 0;
        do {
            List<Scenario.InternalRecord> chunk = records.subList(part * recordsPerFile,
                    Math.min(records.size(), (part + 1) * recordsPerFile));
            Path file = dir.resolve(String.format(Locale.ROOT, "part-%05d.%s", firstPart + part, ext));
            switch (ext) {
                case "csv" -> writeCsv(file, feed, chunk);
                case "jsonl" -> writeJsonl(file, chunk);
                case "parquet" -> writeParquet(file, feed, chunk);
                default -> throw new IllegalArgumentException("unknown internal format '" + format + "'; csv, jsonl or parquet");
            }
            written.add(file);
            part++;
        } while (part * recordsPerFile < records.size());
        return written;
    }

    private static void removeOldParts(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                if (p.getFileName().toString().matches("part-\\d{5}\\.(csv|jsonl|parquet)") && Files.isRegularFile(p)) {
                    Files.delete(p);
                }
            }
        }
    }

    private static CsvSchema csvSchema(FeedSpec feed, boolean header) {
        CsvSchema.Builder b = CsvSchema.builder();
        for (FieldSpec f : feed.fields()) {
            b.addColumn(f.name());
        }
        return b.setUseHeader(header).setLineSeparator("\n").setNullValue("").build();
    }

    /** One record as a CSV row, without the line terminator: the raw text of an internal CSV reject. */
    public static String csvRow(FeedSpec feed, Map<String, String> cells) {
        try {
            String row = CSV.writerFor(Map.class).with(csvSchema(feed, false)).writeValueAsString(cells);
            return row.endsWith("\n") ? row.substring(0, row.length() - 1) : row;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeCsv(Path file, FeedSpec feed, List<Scenario.InternalRecord> records) throws IOException {
        ObjectWriter writer = CSV.writerFor(Map.class).with(csvSchema(feed, true));
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             SequenceWriter rows = writer.writeValues(out)) {
            if (records.isEmpty()) {
                // Jackson writes the header with the first row; an empty export still has one.
                out.write(String.join(",", feed.fields().stream().map(FieldSpec::name).toList()) + "\n");
            }
            for (Scenario.InternalRecord rec : records) {
                rows.write(rec.cells());
            }
        }
    }

    private static void writeJsonl(Path file, List<Scenario.InternalRecord> records) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Scenario.InternalRecord rec : records) {
                out.write(rec.json());
                out.write('\n');
            }
        }
    }

    private static void writeParquet(Path file, FeedSpec feed, List<Scenario.InternalRecord> records) throws IOException {
        RecordValidator validator = new RecordValidator(feed);
        // Configuration(false): no Hadoop default resources to look up, a local file needs none.
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(feed.schema())
                .withDataModel(GenericData.get())
                .withConf(new Configuration(false))
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (Scenario.InternalRecord rec : records) {
                RecordValidator.Outcome out = validator.validate(FeedChecks.MAPPER.readTree(rec.json()), false);
                if (out.record() == null) {
                    throw new IllegalStateException("a valid internal record failed validation: " + out.violation());
                }
                writer.write(io.reconflow.domain.feed.FeedRows.toAvro(feed, out.record()));
            }
        }
    }
}
