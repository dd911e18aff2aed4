package io.reconflow.operators.validate;

import io.reconflow.domain.feed.RecordJson;
import io.reconflow.operators.RejectTexts;
import io.reconflow.operators.TestFeeds;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.events.RecordDefect;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Reject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Hostile records: each one reject with its code, its neighbours untouched, its work and output bounded. */
class ValidateRecordsHostileTest extends ValidateRecordsHarness {
    private static final String VALID = TestFeeds.theirView(TestFeeds.trade("T-1")).toString();

    /** The valid trade with {@code field} set to the raw JSON text {@code value}. */
    private static String with(String field, String value) {
        String prefix = "\"" + field + "\":";
        int at = VALID.indexOf(prefix);
        if (at < 0) {
            return "{" + prefix + value + "," + VALID.substring(1);
        }
        int end = at + prefix.length();
        int next = VALID.indexOf(",\"", end);
        return VALID.substring(0, end) + value + VALID.substring(next);
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("NaN", with("volume_mwh", "NaN"), ErrorCode.RECORD_UNPARSEABLE, null),
                Arguments.of("Infinity", with("volume_mwh", "-Infinity"), ErrorCode.RECORD_UNPARSEABLE, null),
                Arguments.of("raw NUL in a string", with("delivery_point", "\"TT\u0000F\""), ErrorCode.RECORD_UNPARSEABLE, null),
                Arguments.of("raw control character", with("delivery_point", "\"TT\u0007F\""), ErrorCode.RECORD_UNPARSEABLE, null),
                Arguments.of("nesting 10,000 deep", with("extra", "[".repeat(10_000) + "]".repeat(10_000)),
                        ErrorCode.RECORD_UNPARSEABLE, "extra"),
                Arguments.of("1,500 digits", with("volume_mwh", "1".repeat(1_500)), ErrorCode.NUMBER_TOO_LONG, "volume_mwh"),
                Arguments.of("100,000 digits elsewhere", with("extra", "9".repeat(100_000)), ErrorCode.NUMBER_TOO_LONG, "extra"),
                Arguments.of("1e999999", with("volume_mwh", "1e999999"), ErrorCode.NUMBER_TOO_LONG, "volume_mwh"),
                Arguments.of("1e999999999", with("volume_mwh", "1e999999999"), ErrorCode.NUMBER_TOO_LONG, "volume_mwh"),
                Arguments.of("1e-999999999", with("volume_mwh", "1e-999999999"), ErrorCode.NUMBER_TOO_LONG, "volume_mwh"),
                Arguments.of("10 MB digit string", with("volume_mwh", "\"" + "7".repeat(10_000_000) + "\""),
                        ErrorCode.NUMBER_TOO_LONG, "volume_mwh"),
                Arguments.of("39 digits", with("volume_mwh", "1" + "0".repeat(38)), ErrorCode.BAD_DECIMAL, "volume_mwh"),
                Arguments.of("19 decimal places", with("volume_mwh", "0.1234567890123456789"), ErrorCode.BAD_DECIMAL, "volume_mwh"),
                Arguments.of("\\u0000 escape", with("delivery_point", "\"TT\\u0000F\""), ErrorCode.NUL_CHARACTER, "delivery_point"),
                Arguments.of("\\u0000 in a key", with("a\\u0000b", "1"), ErrorCode.NUL_CHARACTER, "a\uFFFDb"),
                Arguments.of("repeated key", with("volume_mwh", "10.5,\"volume_mwh\":99999.5"), ErrorCode.DUPLICATE_KEY, "volume_mwh"),
                Arguments.of("repeated key inside", with("extra", "{\"a\":1,\"a\":1}"), ErrorCode.DUPLICATE_KEY, "extra"),
                Arguments.of("lone surrogate escape", with("delivery_point", "\"TT\\ud800F\""), ErrorCode.BAD_ENCODING, "delivery_point"),
                Arguments.of("lone low surrogate", with("delivery_point", "\"\\udc00\""), ErrorCode.BAD_ENCODING, "delivery_point"),
                Arguments.of("trailing content", VALID + " {}", ErrorCode.RECORD_UNPARSEABLE, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aHostileRecordIsOneRejectWithItsCodeAndItsNeighboursGoOn(String name, String raw, ErrorCode code, String field)
            throws Exception {
        harness.processElement(TestFeeds.counterpartyRaw(VALID, 1), 0L);
        harness.processElement(TestFeeds.counterpartyRaw(raw, 1), 0L);
        harness.processElement(TestFeeds.counterpartyRaw(VALID.replace("T-1", "T-2"), 1), 0L);

        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(rejects()).singleElement().satisfies(r -> {
            assertThat(r.getErrorCode()).isEqualTo(code);
            assertThat(r.getField()).isEqualTo(field);
            assertThat(r.getMessage()).hasSizeLessThanOrEqualTo(RejectTexts.MAX_MESSAGE_CHARS);
            assertThat(r.getMessage()).doesNotContain("\u0000");
            assertThat(r.getRawSha256()).isEqualTo(sha256(raw));
            assertThat(r.getRaw()).isEqualTo(raw.length() > RejectTexts.MAX_RAW_CHARS ? raw.substring(0, RejectTexts.MAX_RAW_CHARS) : raw);
            assertThat(r.getRawTruncated()).isEqualTo(raw.length() > RejectTexts.MAX_RAW_CHARS);
        });
        // Counted for its batch, with no control value unless it is a decimal that fits; its valid
        // neighbours are counted by deduplication.
        assertThat(tallies()).singleElement().satisfies(t -> {
            assertThat(t.getValid()).isFalse();
            assertThat(t.getControlUnscaled()).isNull();
        });
        // "Cheaply" (the 10 MB one once took past a checkpoint timeout): a number is refused by its
        // length or exponent bound, before any BigDecimal of it is built.
        if (code == ErrorCode.NUMBER_TOO_LONG) {
            assertThat(rejects().get(0).getMessage())
                    .containsAnyOf(" " + RecordJson.MAX_NUMBER_CHARS + " ", "±" + RecordJson.MAX_EXPONENT);
        }
    }

    @Test
    void aRejectedRecordStillCountsItsControlValueWhereItIsADecimalThatFits() throws Exception {
        harness.processElement(TestFeeds.counterpartyRaw(with("side", "\"SIDEWAYS\""), 1), 0L);

        assertThat(rejects()).singleElement().extracting(Reject::getErrorCode).isEqualTo(ErrorCode.BAD_ENUM);
        RecordTally t = tallies().get(0);
        assertThat(new BigDecimal(new BigInteger(t.getControlUnscaled().array()), t.getControlScale()))
                .isEqualByComparingTo("120.5");
    }

    @Test
    void aLongRecordIsStoredCutWithAFlagAndTheHashOfTheWhole() throws Exception {
        String raw = with("note", "\"" + "n".repeat(200_000) + "\"").replace("\"side\":\"SELL\"", "\"side\":\"UP\"");
        harness.processElement(TestFeeds.counterpartyRaw(raw, 1), 0L);

        assertThat(rejects()).singleElement().satisfies(r -> {
            assertThat(r.getErrorCode()).isEqualTo(ErrorCode.BAD_ENUM);
            assertThat(r.getRaw()).hasSize(RejectTexts.MAX_RAW_CHARS).isEqualTo(raw.substring(0, RejectTexts.MAX_RAW_CHARS));
            assertThat(r.getRawTruncated()).isTrue();
            assertThat(r.getRawSha256()).isEqualTo(sha256(raw));
        });
    }

    @Test
    void aValueOfTenMegabytesIsNotCopiedIntoTheMessage() throws Exception {
        harness.processElement(TestFeeds.counterpartyRaw(with("side", "\"" + "S".repeat(10_000_000) + "\""), 1), 0L);

        assertThat(rejects()).singleElement().satisfies(r -> {
            assertThat(r.getErrorCode()).isEqualTo(ErrorCode.BAD_ENUM);
            assertThat(r.getMessage()).hasSizeLessThan(300).contains("(10000000 characters)");
        });
    }

    @Test
    void aRecordMarkedByItsPageIsRejectedWithThePagesCodeAndCountedForTheBatch() throws Exception {
        RecordDefect mismatch = RecordDefect.newBuilder().setCode(ErrorCode.PAGE_MISMATCH)
                .setMessage("the page body says page 7, but page 1 was asked for").build();
        harness.processElement(RawRecord.newBuilder(TestFeeds.counterpartyRaw(VALID, 1)).setDefect(mismatch).build(), 0L);
        RecordDefect encoding = RecordDefect.newBuilder().setCode(ErrorCode.BAD_ENCODING)
                .setMessage("the record's bytes are not valid UTF-8").build();
        harness.processElement(RawRecord.newBuilder(TestFeeds.counterpartyRaw("{\"a\":\"\uFFFD\"}", 1))
                .setDefect(encoding).build(), 0L);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(rejects()).extracting(Reject::getErrorCode, Reject::getPage, Reject::getBatchId, Reject::getMessage)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ErrorCode.PAGE_MISMATCH, 1, "B-1", mismatch.getMessage()),
                        org.assertj.core.groups.Tuple.tuple(ErrorCode.BAD_ENCODING, 1, "B-1", encoding.getMessage()));
        assertThat(tallies()).hasSize(2).allSatisfy(t -> {
            assertThat(t.getValid()).isFalse();
            assertThat(t.getBatchId()).isEqualTo("B-1");
        });
        // The page's record still counts its control value: it is a valid decimal.
        assertThat(tallies().get(0).getControlUnscaled()).isNotNull();
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
