package io.reconflow.operators.source;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.validate.ValidateRecords;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** What the validator makes of a file's records: every record read is valid or one reject, with file, line, code and text. */
class InternalRejectsTest {
    @TempDir
    Path tmp;

    @Test
    void everyRecordReadIsOneValidRecordOrOneRejectNamingFileAndLine() throws Exception {
        FeedSpec feed = TestFeeds.energy();
        String header = feed.fields().stream().map(FieldSpec::name).collect(Collectors.joining(","));
        String good = "T-1,CP-7,POWER,\"Zone\nA\",2026-11-21T00:00:00Z,2026-11-22T00:00:00Z,120.5,43.21,EUR,BUY,2026-11-20T09:15:00Z";
        String unbalanced = good.replace("T-1,", "T-2,\"");
        String extra = good.replace("T-1,", "T-3,") + ",x";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write((header + "\n" + good + "\n" + unbalanced.replace("\"Zone\nA\"", "Zone A") + "\n" + extra + "\n")
                .getBytes(StandardCharsets.UTF_8));
        bytes.write("T-4,CP-7,POWER,Z\u00fcrich\n".getBytes(StandardCharsets.ISO_8859_1));
        Path file = Files.write(Files.createDirectories(tmp.resolve("business_date=2026-11-20")).resolve("books.csv"), bytes.toByteArray());
        List<RawRecord> read = ReadInternalFile.read(feed, InternalFormat.CSV, file);

        try (OneInputStreamOperatorTestHarness<RawRecord, ValidRecord> harness =
                     Harnesses.process(new ValidateRecords("energy", feed), Harnesses.serializer(ValidRecord.typeInfo(feed)))) {
            for (RawRecord r : read) {
                harness.processElement(r, 0L);
            }
            List<ValidRecord> valid = harness.extractOutputValues();
            List<Reject> rejects = Harnesses.sideOutput(harness, Tags.REJECTS);
            assertThat(valid.size() + rejects.size()).as("records read = valid + rejected").isEqualTo(read.size()).isEqualTo(4);
            assertThat(valid).hasSize(1);
            assertThat(rejects).extracting(Reject::getLine).containsExactly(4L, 5L, 7L); // the extra-cells record spans lines 5 and 6
            assertThat(rejects).allSatisfy(r -> {
                assertThat(r.getSide()).isEqualTo(Side.INTERNAL);
                assertThat(r.getErrorCode()).isEqualTo(ErrorCode.RECORD_UNPARSEABLE);
                assertThat(r.getSource()).isEqualTo(file.toUri().toString().replace("file:///", "file:/"));
                assertThat(r.getMessage()).startsWith("books.csv line " + r.getLine() + ": ");
            });
            assertThat(rejects.get(0).getMessage()).contains("unbalanced quote");
            assertThat(rejects.get(0).getRaw()).isEqualTo(unbalanced.replace("\"Zone\nA\"", "Zone A"));
            assertThat(rejects.get(1).getRaw()).isEqualTo(extra);
            assertThat(rejects.get(2).getRaw()).as("bytes that are not UTF-8 are not passed off as text").isNull();
            assertThat(rejects.get(2).getMessage()).contains("not UTF-8: 0xFC");
        }
    }

    @Test
    void aFileRejectCarriesItsCodeAndField() throws Exception {
        FeedSpec feed = TestFeeds.energy();
        Path file = Files.writeString(Files.createDirectories(tmp.resolve("business_date=2026-11-20")).resolve("books.csv"),
                "trade_id,price\nT-1,1\n");
        List<RawRecord> read = ReadInternalFile.read(feed, InternalFormat.CSV, file);
        try (OneInputStreamOperatorTestHarness<RawRecord, ValidRecord> harness =
                     Harnesses.process(new ValidateRecords("energy", feed), Harnesses.serializer(ValidRecord.typeInfo(feed)))) {
            harness.processElement(read.get(0), 0L);
            assertThat(Harnesses.<Reject>sideOutput(harness, Tags.REJECTS)).singleElement().satisfies(r -> {
                assertThat(r.getErrorCode()).isEqualTo(ErrorCode.FILE_UNREADABLE);
                assertThat(r.getField()).isEqualTo("counterparty_id");
                assertThat(r.getLine()).isEqualTo(1L);
                assertThat(r.getRaw()).isEqualTo("trade_id,price");
            });
        }
    }
}
