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
}
