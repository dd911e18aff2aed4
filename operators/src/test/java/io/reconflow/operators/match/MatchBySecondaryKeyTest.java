package io.reconflow.operators.match;

import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.ValidRecords;
import io.reconflow.operators.validate.ValidRecord;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.domain.feed.AvroSchemas;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchSpec;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MatchBySecondaryKeyTest {
    private static final MatchPass SECONDARY = new MatchPass(3, "secondary", true,
            List.of("counterparty_id", "delivery_point", "delivery_start", "delivery_end"), List.of("volume_mwh"));
    private static final MatchSpec SPEC = new MatchSpec(TestFeeds.energyRules().rules(), List.of(
            new MatchPass(1, "exact", false), new MatchPass(2, "tolerance", true), SECONDARY));

    private final ValidRecords envelopes = new ValidRecords();
    private KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, GenericRecord> harness;

    private void open(boolean lastPass) throws Exception {
        harness = Harnesses.keyed(new MatchBySecondaryKey("energy", TestFeeds.energy(), SPEC, 3, lastPass, Duration.ZERO),
                new SecondaryKey(TestFeeds.energy(), SECONDARY), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** The counterparty's record of our trade, under their own trade id. */
    private static ObjectNode theirsUnder(String theirId, ObjectNode ours) {
        return TestFeeds.theirView(ours).put("trade_id", theirId);
    }

    private static Tuple row(GenericRecord r) {
        return Tuple.tuple(r.get("match_key"), r.get("status"), r.get("match_type"), r.get("counterparty_match_key"));
    }

    private void endOfInput() throws Exception {
        harness.processWatermark(Watermark.MAX_WATERMARK);
        assertThat(harness.numKeyedStateEntries()).as("state cleared once decided").isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /** Our trade T-1, and theirs under the secondary key {@code theirKey} with {@code field} set to {@code value}. */
    private void pairUnderSecondaryKey(String theirKey, String field, String value) throws Exception {
        open(true);
        ObjectNode ours = TestFeeds.trade("T-1");
        harness.processElement(envelopes.internal(ours, 2), 0L);
        harness.processElement(envelopes.counterparty(theirsUnder(theirKey, ours).put(field, value), 1), 0L);
    }

    @Test
    void recordsThatShareTheSecondaryKeyArePairedAndMarkedSecondary() throws Exception {
        pairUnderSecondaryKey("NP-77", "volume_mwh", "120.5005");
        assertThat(harness.extractOutputValues()).isEmpty();

        endOfInput();
        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(row(r)).isEqualTo(Tuple.tuple("T-1", "MATCHED_WITHIN_TOLERANCE", "SECONDARY", "NP-77"));
            assertThat(r.get("pass")).isEqualTo(3);
            assertThat(r.get("pass_name")).isEqualTo("secondary");
            assertThat(r.get("internal")).isNotNull();
            assertThat(r.get("counterparty")).isNotNull();
        });
    }

    @Test
    void aPairedRecordThatBreaksAnotherRuleIsABreak() throws Exception {
        pairUnderSecondaryKey("NP-77", "price", "50");
        endOfInput();
        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(row(r)).isEqualTo(Tuple.tuple("T-1", "BREAK", "SECONDARY", "NP-77"));
            assertThat((List<?>) r.get("breaks")).hasSize(1);
        });
    }

    @Test
    void oneRecordWithSeveralCandidatesIsAmbiguousNotGuessed() throws Exception {
        open(true);
        ObjectNode first = TestFeeds.trade("T-1");
        ObjectNode second = TestFeeds.trade("T-2");
        harness.processElement(envelopes.internal(first, 2), 0L);
        harness.processElement(envelopes.internal(second, 3), 0L);
        harness.processElement(envelopes.counterparty(theirsUnder("NP-77", first), 1), 0L);
        endOfInput();
        List<GenericRecord> out = harness.extractOutputValues();
        assertThat(out).extracting(r -> r.get("match_key"), r -> r.get("status"))
                .containsExactlyInAnyOrder(Tuple.tuple("T-1", "AMBIGUOUS"), Tuple.tuple("T-2", "AMBIGUOUS"),
                        Tuple.tuple("NP-77", "AMBIGUOUS"));
        GenericRecord theirs = out.stream().filter(r -> r.get("match_key").equals("NP-77")).findFirst().orElseThrow();
        assertThat(((List<?>) theirs.get("candidates")).stream().map(Object::toString).toList()).containsExactly("T-1", "T-2");
        assertThat(theirs.get("counterparty")).isNotNull();
        assertThat(theirs.get("internal")).isNull();
    }

    @Test
    void recordsWhoseRulesDoNotHoldStayUnmatched() throws Exception {
        pairUnderSecondaryKey("NP-77", "volume_mwh", "121");
        harness.processElement(envelopes.counterparty(theirsUnder("NP-88", TestFeeds.trade("T-3")).put("delivery_point", "NBP"), 1), 0L);
        endOfInput();
        assertThat(harness.extractOutputValues()).extracting(MatchBySecondaryKeyTest::row).containsExactlyInAnyOrder(
                Tuple.tuple("T-1", "UNMATCHED_INTERNAL", null, null),
                Tuple.tuple("NP-77", "UNMATCHED_COUNTERPARTY", null, "NP-77"),
                Tuple.tuple("NP-88", "UNMATCHED_COUNTERPARTY", null, "NP-88"));
    }

    @Test
    void whenAnotherPassFollowsUnpairedRecordsAreHandedOn() throws Exception {
        open(false);
        harness.processElement(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        endOfInput();
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(Harnesses.sideOutput(harness, Tags.unmatched(TestFeeds.energy())))
                .extracting(e -> e.matchKey).containsExactly("T-1");
    }
}
