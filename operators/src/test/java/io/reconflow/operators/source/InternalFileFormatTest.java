package io.reconflow.operators.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.validate.ValidateRecords;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** CSV and JSON Lines: every line that cannot be read is one failure naming file and line, and reading goes on. */
class InternalFileFormatTest {
    @TempDir
    Path tmp;

    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);

    private Path file(String name, byte[] content) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("business_date=2026-11-20"));
        return Files.write(dir.resolve(name), content);
    }

    private Path file(String name, String content) throws IOException {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private List<RawRecord> read(Path file) throws IOException {
        return ReadInternalFile.read(feed, InternalFormat.CSV, file);
    }

    private String header() {
        return feed.fields().stream().map(FieldSpec::name).collect(Collectors.joining(","));
    }

    /** A valid energy row with its trade id and delivery point (a CSV cell, quoted as given). */
    private static String row(String tradeId, String deliveryPointCell) {
        return tradeId + ",CP-7,POWER," + deliveryPointCell + ",2026-11-21T00:00:00Z,2026-11-22T00:00:00Z,120.5,43.21,EUR,BUY,2026-11-20T09:15:00Z";
    }

    /** The record's values by feed field name, as validation reads them (absent where empty). */
    private JsonNode cells(RawRecord r) throws IOException {
        if (r.getCells() == null) {
            return TestFeeds.JSON.readTree(r.getJson());
        }
        assertThat(r.getJson()).isNull();
        ObjectNode node = TestFeeds.JSON.createObjectNode();
        for (FieldSpec f : feed.fields()) {
            if (r.getCells().get(f.position()) != null) {
                node.put(f.name(), r.getCells().get(f.position()));
            }
        }
        return node;
    }

    private static void assertFailure(RawRecord r, long line, ErrorCode code, String... messageParts) {
        assertThat(r.getSide()).isEqualTo(Side.INTERNAL);
        assertThat(r.getLine()).as("line of %s", r).isEqualTo(line);
        assertThat(r.getFailure()).as("failure of line %s", line).isNotNull();
        assertThat(r.getFailure().getCode()).isEqualTo(code);
        assertThat(r.getFailure().getMessage()).contains("line " + line).contains(messageParts);
        assertThat(r.getFailure().getMessage()).doesNotContain("\uFFFD");
    }

    @Test
    void csvLinesBecomeRecordsWithTheirLineNumberFileAndBusinessDate() throws Exception {
        Path file = file("books.csv", header() + "\n" + row("T-1", "\"Zone A, north\"") + "\n\n" + row("T-2", "TTF") + "\n");
        List<RawRecord> records = read(file);
        assertThat(records).hasSize(2);
        RawRecord first = records.get(0);
        assertThat(first.getSide()).isEqualTo(Side.INTERNAL);
        assertThat(first.getLine()).isEqualTo(2L);
        assertThat(first.getBusinessDate()).isEqualTo("2026-11-20");
        assertThat(first.getSource()).endsWith("books.csv");
        assertThat(first.getRaw()).isEqualTo(row("T-1", "\"Zone A, north\""));
        assertThat(cells(first).get("delivery_point").asText()).isEqualTo("Zone A, north");
        assertThat(validator.validate(cells(first), true).violation()).isNull();
        assertThat(records.get(1).getLine()).isEqualTo(4L);
    }

    @Test
    void aQuotedLineBreakAndDoubledQuotesAreOneRecordStartingOnItsFirstLine() throws Exception {
        String quoted = "\"Zone \"\"A\"\"\r\nnorth\"";
        Path file = file("books.csv", header() + "\r\n" + row("T-1", quoted) + "\r\n" + row("T-2", "TTF") + "\r\n");
        List<RawRecord> records = read(file);
        assertThat(records).extracting(RawRecord::getLine).containsExactly(2L, 4L);
        assertThat(records).allSatisfy(r -> assertThat(r.getFailure()).isNull());
        assertThat(records.get(0).getRaw()).isEqualTo(row("T-1", quoted));
        assertThat(cells(records.get(0)).get("delivery_point").asText()).isEqualTo("Zone \"A\"\r\nnorth");
        assertThat(cells(records.get(1)).get("trade_id").asText()).isEqualTo("T-2");
    }

    @Test
    void anUnbalancedQuoteIsOneRejectForItsLineAndTheLinesAfterItAreRead() throws Exception {
        Path file = file("books.csv", String.join("\n", header(),
                row("T-1", "TTF"),
                row("T-2", "\"TTF"),
                row("T-3", "TTF"),
                row("T-4", "\"Zone\nB\""),
                row("T-5", "TTF")) + "\n");
        List<RawRecord> records = read(file);
        assertThat(records).extracting(RawRecord::getLine).containsExactly(2L, 3L, 4L, 5L, 7L);
        assertFailure(records.get(1), 3, ErrorCode.RECORD_UNPARSEABLE, "books.csv", "unbalanced quote");
        assertThat(records.get(1).getRaw()).isEqualTo(row("T-2", "\"TTF"));
        assertThat(records).filteredOn(r -> r.getFailure() == null).extracting(r -> cells(r).get("trade_id").asText())
                .containsExactly("T-1", "T-3", "T-4", "T-5");
        assertThat(cells(records.get(3)).get("delivery_point").asText()).isEqualTo("Zone\nB");
    }

    @Test
    void aQuoteNeverClosedBeforeTheEndOfTheFileLosesOnlyItsLine() throws Exception {
        Path file = file("books.csv", String.join("\n", header(), row("T-1", "\"TTF"), row("T-2", "TTF"), row("T-3", "TTF")));
        List<RawRecord> records = read(file);
        assertThat(records).hasSize(3);
        assertFailure(records.get(0), 2, ErrorCode.RECORD_UNPARSEABLE, "not closed before the file ends");
        assertThat(records.subList(1, 3)).extracting(RawRecord::getLine).containsExactly(3L, 4L);
        assertThat(records.subList(1, 3)).allSatisfy(r -> assertThat(r.getFailure()).isNull());
    }

    @Test
    void textAfterAClosingQuoteOrAStrayQuoteIsAReject() throws Exception {
        Path file = file("books.csv", String.join("\n", header(),
                row("T-1", "\"TTF\"x"),
                row("T-2", "TT\"F"),
                row("T-3", "TT\"F"),
                row("T-4", "TTF")));
        List<RawRecord> records = read(file);
        assertThat(records).hasSize(4);
        assertFailure(records.get(0), 2, ErrorCode.RECORD_UNPARSEABLE, "not CSV");
        assertFailure(records.get(1), 3, ErrorCode.RECORD_UNPARSEABLE, "unbalanced quote");
        assertFailure(records.get(2), 4, ErrorCode.RECORD_UNPARSEABLE, "unbalanced quote");
        assertThat(records.get(3).getFailure()).isNull();
        assertThat(records.get(3).getLine()).isEqualTo(5L);
    }

    @Test
    void moreOrFewerCellsThanTheHeaderAreRejects() throws Exception {
        Path file = file("books.csv", String.join("\n", header(), row("T-1", "TTF") + ",extra", "T-2,CP-7", row("T-3", "TTF")));
        List<RawRecord> records = read(file);
        assertThat(records).hasSize(3);
        assertFailure(records.get(0), 2, ErrorCode.RECORD_UNPARSEABLE, "12 cells where the header has 11");
        assertThat(records.get(0).getRaw()).isEqualTo(row("T-1", "TTF") + ",extra");
        assertFailure(records.get(1), 3, ErrorCode.RECORD_UNPARSEABLE, "2 cells where the header has 11");
        assertThat(records.get(2).getFailure()).isNull();
    }

    @Test
    void aLineThatIsNotUtf8IsOneRejectAndNeverDecodedWithReplacementCharacters() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write((header() + "\n" + row("T-1", "Zürich") + "\n").getBytes(StandardCharsets.UTF_8));
        bytes.write(row("T-2", "Z\u00fcrich").getBytes(StandardCharsets.ISO_8859_1));
        bytes.write(("\n" + row("T-3", "TTF") + "\n").getBytes(StandardCharsets.UTF_8));
        List<RawRecord> records = read(file("books.csv", bytes.toByteArray()));
        assertThat(records).hasSize(3);
        assertThat(cells(records.get(0)).get("delivery_point").asText()).isEqualTo("Zürich");
        assertFailure(records.get(1), 3, ErrorCode.RECORD_UNPARSEABLE, "not UTF-8: 0xFC", "line 3, byte 17");
        assertThat(records.get(1).getRaw()).isEmpty();
        assertThat(records.get(2).getFailure()).isNull();
    }

    @Test
    void aHeaderWithoutAFeedFieldOrWithAColumnTwiceFailsTheWholeFileOnce() throws Exception {
        Path renamed = file("renamed.csv", header().replace("trade_id", "trade_ref") + "\n" + row("T-1", "TTF") + "\n");
        assertThat(read(renamed)).singleElement().satisfies(r -> {
            assertFailure(r, 1, ErrorCode.FILE_UNREADABLE, "renamed.csv", "no column trade_id");
            assertThat(r.getFailure().getField()).isEqualTo("trade_id");
        });
        Path twice = file("twice.csv", header() + ",price\n" + row("T-1", "TTF") + ",1\n");
        assertThat(read(twice)).singleElement().satisfies(r -> assertFailure(r, 1, ErrorCode.FILE_UNREADABLE, "'price' twice"));
    }

    @Test
    void aByteOrderMarkExtraColumnsAndEmptyCellsAreAllowed() throws Exception {
        Path file = file("books.csv", "\uFEFF" + header() + ",note\n" + row("T-1", "TTF").replace(",43.21,", ",,") + ",hello\n");
        RawRecord r = read(file).get(0);
        assertThat(r.getFailure()).isNull();
        assertThat(cells(r).has("price")).isFalse();
        assertThat(cells(r).get("trade_id").asText()).isEqualTo("T-1");
        // A column the feed does not have is not passed on; the line as read keeps it.
        assertThat(r.getCells()).hasSize(feed.fields().size());
        assertThat(r.getRaw()).endsWith(",hello");
    }

    @Test
    void aLineHoldingUPlus0000GoesAsJsonSoValidationRejectsItAsBefore() throws Exception {
        Path file = file("nul.csv", header() + ",note\n" + row("T-1", "TTF") + ",a\u0000b\n" + row("T-2", "TTF") + ",ok\n");
        List<RawRecord> records = read(file);
        assertThat(records.get(0).getCells()).isNull();
        assertThat(TestFeeds.JSON.readTree(records.get(0).getJson()).get("note").asText()).isEqualTo("a\u0000b");
        assertThat(records.get(1).getCells()).isNotNull();
        var harness = Harnesses.process(new ValidateRecords("energy", feed), Harnesses.valid());
        try (harness) {
            harness.processElement(records.get(0), 0L);
            harness.processElement(records.get(1), 0L);
            assertThat(harness.extractOutputValues()).singleElement().satisfies(v -> assertThat(v.matchKey).isEqualTo("T-2"));
            List<Reject> rejects = Harnesses.sideOutput(harness, Tags.REJECTS);
            assertThat(rejects).singleElement().satisfies(rec -> {
                assertThat(rec.getErrorCode()).isEqualTo(ErrorCode.NUL_CHARACTER);
                assertThat(rec.getField()).isEqualTo("note");
            });
        }
    }

    @Test
    void aLineOverTheCapIsOneRejectWithoutBeingKept() throws Exception {
        String huge = "x".repeat(PerFileFormat.MAX_RECORD_BYTES + 10);
        Path file = file("books.csv", String.join("\n", header(), row("T-1", huge), row("T-2", "TTF")));
        List<RawRecord> records = read(file);
        assertThat(records).hasSize(2);
        assertFailure(records.get(0), 2, ErrorCode.RECORD_UNPARSEABLE, "longer than");
        assertThat(records.get(1).getFailure()).isNull();
    }

    @Test
    void aRestoredReaderSkipsWhatWasReadAndGivesTheRestInTheSameOrder() throws Exception {
        Path file = file("books.csv", String.join("\n", header(), row("T-1", "TTF"), row("T-2", "\"TTF"),
                row("T-3", "\"Zone\nC\""), row("T-4", "TTF")));
        List<RawRecord> all = read(file);
        assertThat(all).hasSize(4);
        for (int skip = 0; skip <= all.size(); skip++) {
            assertThat(ReadInternalFile.read(feed, InternalFormat.CSV, file, skip)).isEqualTo(all.subList(skip, all.size()));
        }
    }

    @Test
    void emptyFilesHaveNoRecords() throws Exception {
        assertThat(read(file("empty.csv", ""))).isEmpty();
        assertThat(ReadInternalFile.read(feed, InternalFormat.JSONL, file("empty.jsonl", ""))).isEmpty();
        assertThat(read(file("header-only.csv", header() + "\n"))).isEmpty();
    }

    @Test
    void jsonLinesAreKeptAsReceivedAndTextAfterTheObjectIsAReject() throws Exception {
        String line = TestFeeds.trade("T-1").toString();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write((line + "\n\n{broken\n" + line + " trailing\n" + line + line + "\n" + line + "  \r\n").getBytes(StandardCharsets.UTF_8));
        bytes.write("{\"trade_id\": \"T-\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        bytes.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        List<RawRecord> records = ReadInternalFile.read(feed, InternalFormat.JSONL, file("books.jsonl", bytes.toByteArray()));
        assertThat(records).extracting(RawRecord::getLine).containsExactly(1L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(records.get(0).getRaw()).isEqualTo(line);
        assertThat(records.get(0).getFailure()).isNull();
        assertThat(records.get(0).getJson()).isNull();
        // Not JSON at all: passed on as received, the validator says why.
        assertThat(records.get(1).getRaw()).isEqualTo("{broken");
        assertThat(records.get(1).getFailure()).isNull();
        assertFailure(records.get(2), 4, ErrorCode.RECORD_UNPARSEABLE, "books.jsonl", "text after the JSON value");
        assertThat(records.get(2).getRaw()).isEqualTo(line + " trailing");
        assertFailure(records.get(3), 5, ErrorCode.RECORD_UNPARSEABLE, "text after the JSON value");
        assertThat(records.get(4).getFailure()).isNull();
        assertThat(records.get(4).getRaw()).isEqualTo(line + "  ");
        assertFailure(records.get(5), 7, ErrorCode.RECORD_UNPARSEABLE, "not UTF-8: 0xE9");
        assertThat(records.get(6).getFailure()).isNull();
    }

    @Test
    void aFileIsReadInTheFormatItsNameEndsWith() throws Exception {
        Path jsonl = file("books.jsonl", TestFeeds.trade("T-1").toString() + "\n");
        assertThat(ReadInternalFile.read(feed, InternalFormat.CSV, jsonl)).singleElement()
                .satisfies(r -> assertThat(r.getJson()).isNull());
        Path other = file("books.txt", TestFeeds.trade("T-1").toString() + "\n");
        assertThat(ReadInternalFile.read(feed, InternalFormat.JSONL, other)).singleElement()
                .satisfies(r -> assertThat(r.getFailure()).isNull());
    }
}
