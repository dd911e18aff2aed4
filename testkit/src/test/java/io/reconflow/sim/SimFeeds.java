package io.reconflow.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.RuleKind;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The feeds the sim tests run on: energy (the real schema) and a made-up second feed, each also with
 * a third, secondary-key pass.
 */
final class SimFeeds {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SimFeeds() {}

    /** A feed and its rules, named for test display. */
    record Feed(String name, FeedSpec spec, MatchSpec match) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Feed> all() {
        return List.of(energy(), parcels(), energyKeyed(), parcelsKeyed());
    }

    /** Energy with the third pass: a different trade_id, the same trade economics. */
    static Feed energyKeyed() {
        return withSecondaryPass(energy(), List.of("counterparty_id", "delivery_point", "delivery_start", "delivery_end"),
                List.of("volume_mwh"));
    }

    /** Parcels with a third pass whose key holds part of the match key (carrier) and a rule in its key (pieces). */
    static Feed parcelsKeyed() {
        return withSecondaryPass(parcels(), List.of("carrier", "ship_date", "due_date", "pieces"), List.of("weight_kg"));
    }

    /** The feed with the default two passes and a third on {@code key}, its candidates checked by {@code passRules}. */
    static Feed withSecondaryPass(Feed f, List<String> key, List<String> passRules) {
        List<MatchPass> passes = new ArrayList<>(MatchSpec.defaultPasses());
        passes.add(new MatchPass(passes.size() + 1, "secondary", true, key, passRules));
        return new Feed(f.name() + "+secondary", f.spec(), new MatchSpec(f.match().rules(), passes));
    }

    /** Whether the feed's matching has a pass with a secondary key. */
    static boolean keyed(Feed f) {
        return !f.match().keyedPasses().isEmpty();
    }

    /** The energy schema as it is in the repository (file path first, then the schemas jar). */
    static String energySchemaText() {
        Path file = Path.of("../schemas/src/main/avro/feeds/energy-confirmations.avsc");
        try {
            if (Files.exists(file)) {
                return Files.readString(file);
            }
            return resource("feeds/energy-confirmations.avsc");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String resource(String name) {
        try (InputStream in = SimFeeds.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The schema with {@code "examples"} added to pattern fields that have none (the generator
     * refuses a pattern without examples), so these tests run whether or not the schema has them.
     */
    static String withExamples(String schemaText, Map<String, List<String>> examples) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schemaText);
            for (JsonNode field : root.get("fields")) {
                ObjectNode f = (ObjectNode) field;
                List<String> ex = examples.get(f.get("name").asText());
                if (ex != null && f.has("pattern") && !f.has("examples")) {
                    ArrayNode arr = f.putArray("examples");
                    ex.forEach(arr::add);
                }
            }
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema with every {@code "examples"} property removed. */
    static String withoutExamples(String schemaText) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schemaText);
            for (JsonNode field : root.get("fields")) {
                ((ObjectNode) field).remove("examples");
            }
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Feed energy() {
        String schema = withExamples(energySchemaText(), Map.of("currency", List.of("EUR", "GBP", "USD", "NOK")));
        FeedSpec spec = FeedSpec.of("energy-confirmations", schema, List.of("trade_id"), null, "volume_mwh");
        // conf/recon/energy-confirmations.yaml, matching.rules
        List<MatchRule> rules = List.of(
                rule("side", RuleKind.OPPOSITE),
                rule("product", RuleKind.EQUAL),
                rule("delivery_point", RuleKind.EQUAL),
                rule("currency", RuleKind.EQUAL),
                rule("delivery_start", RuleKind.EQUAL),
                rule("delivery_end", RuleKind.EQUAL),
                new MatchRule("volume_mwh", "volume_mwh", RuleKind.ABS_TOLERANCE, new BigDecimal("0.001"), null, Map.of()),
                new MatchRule("price", "price", RuleKind.ABS_TOLERANCE, new BigDecimal("0.01"), null, Map.of()),
                new MatchRule("trade_time", "trade_time", RuleKind.TIME_WINDOW, null, Duration.ofMinutes(5), Map.of()));
        return new Feed("energy-confirmations", spec, new MatchSpec(rules, MatchSpec.defaultPasses()));
    }

    static Feed parcels() {
        FeedSpec spec = FeedSpec.of("parcel-scans", resource("sim/parcel-scans.avsc"), List.of("shipment_id", "carrier"),
                null, "weight_kg");
        List<MatchRule> rules = List.of(
                new MatchRule("direction", "direction", RuleKind.OPPOSITE, null, null,
                        Map.of("INBOUND", "OUTBOUND", "OUTBOUND", "INBOUND")),
                rule("service_level", RuleKind.EQUAL),
                rule("insured", RuleKind.EQUAL),
                rule("delivered_at", RuleKind.EQUAL),
                new MatchRule("pieces", "pieces", RuleKind.ABS_TOLERANCE, BigDecimal.ONE, null, Map.of()),
                new MatchRule("weight_kg", "weight_kg", RuleKind.REL_TOLERANCE, new BigDecimal("0.02"), null, Map.of()),
                new MatchRule("ship_date", "ship_date", RuleKind.TIME_WINDOW, null, Duration.ofDays(2), Map.of()));
        return new Feed("parcel-scans", spec, new MatchSpec(rules, MatchSpec.defaultPasses()));
    }

    static MatchRule rule(String field, RuleKind kind) {
        return new MatchRule(field, field, kind, null, null, Map.of());
    }
}
