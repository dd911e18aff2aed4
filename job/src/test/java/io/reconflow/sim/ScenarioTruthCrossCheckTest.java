package io.reconflow.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.job.ReconConfig;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordValidator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generator states its truth without the job's validator, keys or rules; here the job's own
 * classes judge its records, and the two must agree: every reject the truth expects is the one the
 * validator gives (side, code, field), every other record is valid, and the counts of valid records,
 * dropped duplicates and conflicts add up. (Statuses: {@link RealFeedsScenarioTest} runs the job's
 * evaluator over the same records through {@link PassesReference}.)
 */
class ScenarioTruthCrossCheckTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @ParameterizedTest
    @ValueSource(strings = {"energy-confirmations", "supply-invoices", "rebate-claims", "meter-intervals", "broadcast-spots"})
    void theJobsValidatorAndKeysAgreeWithTheTruth(String feedName) throws Exception {
        ReconConfig c = ReconConfig.load(Path.of("../conf/recon/" + feedName + ".yaml"), List.of());
        ScenarioSettings settings = ScenarioSettings.small()
                .withBusinessDates(List.of(LocalDate.of(2026, 11, 20), LocalDate.of(2026, 11, 21)))
                .withCounterparties(List.of("counterparty-a", "counterparty-b"))
                .withPasses(5, 3);
        Scenario s = ScenarioGenerator.generate(c.feed(), c.matching(), settings);
        FeedSpec feed = c.feed();
        RecordValidator validator = new RecordValidator(feed);
        RecordKeys keys = new RecordKeys(feed);

        List<String> actualRejects = new ArrayList<>();
        long valid = 0;
        long dropped = 0;
        long conflicts = 0;
        for (Scenario.Batch b : s.batches()) {
            String where = b.businessDate() + " " + b.counterparty() + " ";
            // idempotency key -> the content hashes seen under it, in arrival order
            Map<String, Set<String>> seen = new HashMap<>();
            for (String text : b.servedRecords()) {
                RecordValidator.Outcome out = validator.validate(MAPPER.readTree(text), false);
                if (out.record() == null) {
                    actualRejects.add(where + Side.COUNTERPARTY + " " + out.violation().code() + " " + out.violation().field());
                    continue;
                }
                Set<String> hashes = seen.computeIfAbsent(keys.idempotencyKey(out.record()), k -> new HashSet<>());
                String hash = java.util.HexFormat.of().formatHex(keys.contentHash(out.record()));
                if (hashes.isEmpty()) {
                    valid++;
                } else if (hashes.contains(hash)) {
                    dropped++;
                } else {
                    conflicts++;
                }
                hashes.add(hash);
            }
            for (Scenario.InternalRecord rec : b.internal()) {
                RecordValidator.Outcome json = validator.validate(MAPPER.readTree(rec.json()), false);
                RecordValidator.Outcome csv = validator.validate(cells(rec.cells()), true);
                assertThat(csv.violation() == null ? null : csv.violation().code() + " " + csv.violation().field())
                        .as("CSV and JSON Lines forms alike: %s", rec.json())
                        .isEqualTo(json.violation() == null ? null : json.violation().code() + " " + json.violation().field());
                assertThat(rec.valid()).as("valid as the generator says: %s", rec.json()).isEqualTo(json.record() != null);
                if (json.record() == null) {
                    actualRejects.add(where + Side.INTERNAL + " " + json.violation().code() + " " + json.violation().field());
                } else if (csv.record() != null) {
                    assertThat(keys.contentHash(csv.record())).isEqualTo(keys.contentHash(json.record()));
                }
            }
        }

        List<String> expectedRejects = new ArrayList<>();
        for (Truth.ExpectedReject r : s.truth().rejects()) {
            if (r.code() != ErrorCode.DUPLICATE_CONFLICT) {
                expectedRejects.add(r.businessDate() + " " + r.counterparty() + " " + r.side() + " " + r.code() + " " + r.field());
            }
        }
        assertThat(actualRejects).containsExactlyInAnyOrderElementsOf(expectedRejects);
        long expectedConflicts = s.truth().rejects().stream().filter(r -> r.code() == ErrorCode.DUPLICATE_CONFLICT).count();
        assertThat(conflicts).isEqualTo(expectedConflicts).isPositive();
        Truth.Totals t = s.truth().totals();
        assertThat(valid).isEqualTo(t.counterpartyValid());
        assertThat(dropped).isEqualTo(t.exactDuplicatesDropped()).isPositive();
        long counterpartyRejects = actualRejects.stream().filter(r -> r.contains(" " + Side.COUNTERPARTY + " ")).count();
        assertThat(counterpartyRejects + conflicts).isEqualTo(t.counterpartyRejected());
        assertThat(actualRejects.size() - counterpartyRejects).isEqualTo(t.internalRejected());
    }

    private static JsonNode cells(Map<String, String> cells) {
        ObjectNode node = MAPPER.createObjectNode();
        cells.forEach((k, v) -> {
            if (v != null) {
                node.put(k, v);
            }
        });
        return node;
    }
}
