package io.reconflow.operators;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.RuleKind;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The energy-confirmations feed and its typical rules, for tests. */
public final class TestFeeds {
    private TestFeeds() {}

    public static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    public static String schemaText(String feed) {
        try (InputStream in = TestFeeds.class.getClassLoader().getResourceAsStream("feeds/" + feed + ".avsc")) {
            if (in == null) {
                throw new IllegalStateException("no schema resource feeds/" + feed + ".avsc");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static FeedSpec energy() {
        return FeedSpec.of("energy-confirmations", schemaText("energy-confirmations"), List.of("trade_id"), null, "volume_mwh");
    }

    public static MatchSpec energyRules() {
        return new MatchSpec(List.of(
                rule("side", RuleKind.OPPOSITE, null, null),
                rule("product", RuleKind.EQUAL, null, null),
                rule("delivery_point", RuleKind.EQUAL, null, null),
                rule("currency", RuleKind.EQUAL, null, null),
                rule("delivery_start", RuleKind.EQUAL, null, null),
                rule("delivery_end", RuleKind.EQUAL, null, null),
                rule("volume_mwh", RuleKind.ABS_TOLERANCE, "0.001", null),
                rule("price", RuleKind.ABS_TOLERANCE, "0.01", null),
                rule("trade_time", RuleKind.TIME_WINDOW, null, Duration.ofMinutes(5))),
                MatchSpec.defaultPasses());
    }

    public static MatchRule rule(String field, RuleKind kind, String tolerance, Duration window) {
        return new MatchRule(field, field, kind, tolerance == null ? null : new BigDecimal(tolerance), window, Map.of());
    }

    /** A valid energy confirmation as we would book it (side BUY). */
    public static ObjectNode trade(String tradeId) {
        ObjectNode n = JSON.createObjectNode();
        n.put("trade_id", tradeId);
        n.put("counterparty_id", "CP-7");
        n.put("product", "POWER");
        n.put("delivery_point", "TTF");
        n.put("delivery_start", "2026-11-21T00:00:00Z");
        n.put("delivery_end", "2026-11-22T00:00:00Z");
        n.put("volume_mwh", new BigDecimal("120.5"));
        n.put("price", "43.21");
        n.put("currency", "EUR");
        n.put("side", "BUY");
        n.put("trade_time", "2026-11-20T09:15:00Z");
        return n;
    }

    /** The counterparty's view of the same trade: the other side. */
    public static ObjectNode theirView(ObjectNode ours) {
        ObjectNode n = ours.deepCopy();
        n.put("side", "BUY".equals(ours.get("side").asText()) ? "SELL" : "BUY");
        return n;
    }

    public static RawRecord counterpartyRaw(String json, int page) {
        return RawRecord.newBuilder()
                .setSide(Side.COUNTERPARTY)
                .setSource("northpool")
                .setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20")
                .setBatchId("B-1")
                .setPage(page)
                .setCorrelationId("req-" + page)
                .setRaw(json)
                .build();
    }

    public static RawRecord internalRaw(String json, long line) {
        return RawRecord.newBuilder()
                .setSide(Side.INTERNAL)
                .setSource("/books/energy.jsonl")
                .setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20")
                .setLine(line)
                .setRaw(json)
                .build();
    }
}
