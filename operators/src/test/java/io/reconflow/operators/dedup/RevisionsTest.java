package io.reconflow.operators.dedup;

import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.ValidRecords;
import io.reconflow.operators.match.MatchKey;
import io.reconflow.operators.match.MatchRecords;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.FeedValues;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.AvroSchemas;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** Continuous mode: a republication's changed record goes through deduplication and is decided again. */
class RevisionsTest {
    private static final long DEADLINE = Instant.parse("2026-11-21T00:00:00Z").plus(Duration.ofHours(6)).toEpochMilli();
    private final ValidRecords envelopes = new ValidRecords();

    private ValidRecord theirs(ObjectNode json, String batchId) {
        ValidRecord e = envelopes.counterparty(json, 1);
        e.batchId = batchId;
        return e;
    }

    @Test
    void aChangedRecordOfANewBatchReplacesTheOldOneAndADuplicateOrAConflictWithinABatchDoNot() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord> h = Harnesses.keyed(
                new DeduplicateRecordsOperator(new DeduplicateRecords("energy", TestFeeds.energy(), Duration.ofDays(7), true)),
                new DedupKey(), Harnesses.valid())) {
            h.processElement(theirs(TestFeeds.trade("T-1"), "B-1"), 0L);
            h.processElement(theirs(TestFeeds.trade("T-1"), "B-2"), 0L); // republished unchanged
            h.processElement(theirs(TestFeeds.trade("T-1").put("price", "50.00"), "B-2"), 0L); // changed
            h.processElement(theirs(TestFeeds.trade("T-1").put("price", "51.00"), "B-2"), 0L); // changed again, same batch
            h.processElement(theirs(TestFeeds.trade("T-1").put("price", "50.00"), "B-3"), 0L); // same as the latest

            assertThat(h.extractOutputValues()).extracting(e -> e.batchId).containsExactly("B-1", "B-2");
            assertThat(FeedValues.canonical(h.extractOutputValues().get(1).values, TestFeeds.energy().field("price"))).isEqualTo("50");
            assertThat(h.extractOutputValues()).allSatisfy(e -> assertThat(e.raw).as("raw text is dropped after dedup").isNull());
            List<Reject> rejects = Harnesses.sideOutput(h, Tags.REJECTS);
            assertThat(rejects).singleElement().satisfies(r -> {
                assertThat(r.getErrorCode()).isEqualTo(ErrorCode.DUPLICATE_CONFLICT);
                assertThat(r.getRaw()).contains("51.00");
            });
        }
    }

    @Test
    void aDecidedKeyIsDecidedAgainOnARevisionAndClearedAtItsDeadline() throws Exception {
        try (KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> h = Harnesses.keyedCo(
                new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6), Duration.ofDays(2)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())))) {
            ObjectNode ours = TestFeeds.trade("T-1");
            h.processElement1(envelopes.internal(ours, 2), 0L);
            h.processElement2(theirs(TestFeeds.theirView(ours).put("delivery_point", "NBP"), "B-1"), 0L);
            h.processElement2(theirs(TestFeeds.theirView(ours), "B-2"), 0L);

            assertThat(h.extractOutputValues()).extracting(r -> r.get("status").toString() + " " + r.get("batch_id"))
                    .containsExactly("BREAK B-1", "MATCHED B-2");
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            h.processBothWatermarks(new Watermark(DEADLINE));
            assertThat(h.extractOutputValues()).hasSize(2);
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aRevisionOfAKeyStillWaitingReplacesItWithoutAnUnmatchedRow() throws Exception {
        try (KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> h = Harnesses.keyedCo(
                new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6), Duration.ofDays(2)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())))) {
            ObjectNode ours = TestFeeds.trade("T-1");
            h.processElement2(theirs(TestFeeds.theirView(ours).put("delivery_point", "NBP"), "B-1"), 0L);
            h.processElement2(theirs(TestFeeds.theirView(ours), "B-2"), 0L);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement1(envelopes.internal(ours, 2), 0L);
            assertThat(h.extractOutputValues()).extracting(r -> r.get("status").toString() + " " + r.get("batch_id"))
                    .containsExactly("MATCHED B-2");
        }
    }
}
