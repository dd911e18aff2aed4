package io.reconflow.domain.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.operators.TestFeeds;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RecordKeysTest {
    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);
    private final RecordKeys keys = new RecordKeys(feed);

    private Row typed(ObjectNode n) {
        return validator.validate(n, false).record();
    }

    @Test
    void idempotencyKeyIsSha256OfTheDocumentedCanonicalForm() throws Exception {
        Row r = typed(TestFeeds.trade("T-42"));
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("trade_id=T-42".getBytes(StandardCharsets.UTF_8)));
        assertThat(keys.idempotencyKey(r)).isEqualTo(expected);
        assertThat(keys.matchKey(r)).isEqualTo("T-42");
    }

    @Test
    void sameInstantWithDifferentOffsetsGivesTheSameKeysAndContent() {
        FeedSpec byTime = FeedSpec.of("energy-confirmations", TestFeeds.schemaText("energy-confirmations"),
                List.of("delivery_point", "delivery_start"), null, null);
        RecordValidator v = new RecordValidator(byTime);
        RecordKeys k = new RecordKeys(byTime);
        Row utc = v.validate(TestFeeds.trade("T-1").put("delivery_start", "2026-11-21T00:00:00Z"), false).record();
        Row cet = v.validate(TestFeeds.trade("T-1").put("delivery_start", "2026-11-21T01:00:00+01:00"), false).record();
        assertThat(k.idempotencyKey(cet)).isEqualTo(k.idempotencyKey(utc));
        assertThat(k.matchKey(cet)).isEqualTo("TTF|2026-11-21T00:00:00Z");
        assertThat(k.contentHash(cet)).isEqualTo(k.contentHash(utc));
    }

    @Test
    void contentHashSeesEveryFieldButNotTheSpellingOfDecimals() {
        Row a = typed(TestFeeds.trade("T-1").put("price", "43.21"));
        Row b = typed(TestFeeds.trade("T-1").put("price", "43.2100"));
        Row c = typed(TestFeeds.trade("T-1").put("price", "43.22"));
        assertThat(keys.contentHash(a)).isEqualTo(keys.contentHash(b)).isNotEqualTo(keys.contentHash(c));
        assertThat(keys.idempotencyKey(a)).isEqualTo(keys.idempotencyKey(c));
    }

    @Test
    void theHashedBytesAreTheCanonicalFormsUtf8OnRandomValues() throws Exception {
        java.util.Random random = new java.util.Random(3);
        String[] texts = {"T-1", "", "Zürich", "\ud83d\ude00", "a\u001fb", "x=y", "\u00ff"};
        String[] decimals = {"0", "0.000", "-0.5", "12.500", "1E+3", "-7E+2", "123456789012345678", "1234567890123456789.5",
            "-99999999999999999999.000000000000000001", "0.000000000000000001", "100", "-100.10", "9223372036854775807",
            "4611686018427387904", "4611686018427387903.1"};
        long[] instants = {0L, -1L, 1L, 999L, 1_000L, 1_000_000L, -86_400_000_001L, 1_763_630_100_000_000L,
            253_402_300_799_999_999L, 253_402_300_800_000_000L, -62_135_596_800_000_001L, -62_135_596_800_000_000L};
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int n = 0; n < 20_000; n++) {
            Row r = new Row(feed.fields().size());
            for (FieldSpec f : feed.fields()) {
                if (random.nextInt(8) == 0) {
                    continue;
                }
                Object v = switch (f.kind()) {
                    case DECIMAL -> random.nextBoolean() ? new java.math.BigDecimal(decimals[random.nextInt(decimals.length)])
                            : java.math.BigDecimal.valueOf(random.nextLong() >> random.nextInt(64), random.nextInt(40) - 10);
                    case TIMESTAMP -> random.nextBoolean() ? instants[random.nextInt(instants.length)]
                            : random.nextLong() >> random.nextInt(64);
                    default -> texts[random.nextInt(texts.length)];
                };
                r.setField(f.position(), v);
            }
            for (List<FieldSpec> fields : List.of(feed.fields(), keys.idempotencyFields())) {
                byte[] expected = keys.canonicalForm(r, fields).getBytes(StandardCharsets.UTF_8);
                assertThat(keys.canonicalBytes(r, fields)).as("%s", r).isEqualTo(expected);
            }
            assertThat(keys.contentHash(r)).isEqualTo(sha.digest(keys.canonicalForm(r, feed.fields()).getBytes(StandardCharsets.UTF_8)));
        }
    }
}
