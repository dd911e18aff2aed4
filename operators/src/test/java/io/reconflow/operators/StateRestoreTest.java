package io.reconflow.operators;

import io.reconflow.operators.batch.BatchKey;
import io.reconflow.operators.batch.CheckBatchCompleteness;
import io.reconflow.operators.batch.FirstTallies;
import io.reconflow.operators.dedup.DedupKey;
import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.operators.dedup.DeduplicateRecordsOperator;
import io.reconflow.operators.dedup.SeenContent;
import io.reconflow.operators.match.MatchBySecondaryKey;
import io.reconflow.operators.match.MatchKey;
import io.reconflow.operators.match.MatchRecords;
import io.reconflow.operators.match.SecondaryKey;
import io.reconflow.operators.validate.ValidRecord;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchOutcome;
import io.reconflow.events.BatchStatus;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.AvroSchemas;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchSpec;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each stateful function, snapshotted part-way, closed and restored into a new operator, goes on
 * as if it had never stopped: its keyed state and its timers survive the checkpoint.
 */
class StateRestoreTest {
    private final ValidRecords envelopes = new ValidRecords();

    private static <OUT> KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, OUT> keyed(
            KeyedProcessFunction<String, ValidRecord, OUT> fn, KeySelector<ValidRecord, String> key,
            TypeSerializer<OUT> out, OperatorSubtaskState restore) throws Exception {
        return keyed(new KeyedProcessOperator<>(fn), key, out, restore);
    }

    private static <OUT> KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, OUT> keyed(
            KeyedProcessOperator<String, ValidRecord, OUT> operator, KeySelector<ValidRecord, String> key,
            TypeSerializer<OUT> out, OperatorSubtaskState restore) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, OUT> h =
                new KeyedOneInputStreamOperatorTestHarness<>(operator, key, Types.STRING);
        h.setup(out);
        return Harnesses.open(h, restore);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> keyedCo(
            KeyedCoProcessFunction<String, ValidRecord, ValidRecord, GenericRecord> fn,
            KeySelector<ValidRecord, String> key, TypeSerializer<GenericRecord> out, OperatorSubtaskState restore) throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> h =
                new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(fn), key, key, Types.STRING);
        h.setup(out);
        return Harnesses.open(h, restore);
    }



    @Test
    void deduplicationRemembersTheKeysItSawBeforeTheRestore() throws Exception {
        TypeSerializer<ValidRecord> out = Harnesses.valid();
        var before = keyed(dedup(), new DedupKey(), out, null);
        before.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 1), 0L);
        assertThat(before.extractOutputValues()).hasSize(1);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = keyed(dedup(), new DedupKey(), out, snapshot);
        try {
            assertThat(after.numKeyedStateEntries()).isEqualTo(1);
            seenT1IsRemembered(after, envelopes);
        } finally {
            after.close();
        }
    }

    /**
     * After a restore of deduplication that had kept T-1: its exact repeat is dropped, a repeat with
     * other content is a DUPLICATE_CONFLICT reject, a new key passes.
     */
    static void seenT1IsRemembered(KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord> after,
                                   ValidRecords envelopes) throws Exception {
        after.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 4), 0L);           // exact duplicate
        after.processElement(envelopes.counterparty(TestFeeds.trade("T-1").put("price", "99.99"), 5), 0L); // conflict
        after.processElement(envelopes.counterparty(TestFeeds.trade("T-2"), 5), 0L);
        assertThat(after.extractOutputValues()).extracting(e -> e.matchKey).containsExactly("T-2");
        assertThat(Harnesses.sideOutput(after, Tags.REJECTS)).extracting(Reject::getErrorCode, Reject::getPage)
                .containsExactly(Tuple.tuple(ErrorCode.DUPLICATE_CONFLICT, 5));
    }

    private static DeduplicateRecordsOperator dedup() {
        return new DeduplicateRecordsOperator(new DeduplicateRecords("energy", TestFeeds.energy(), Duration.ofDays(7)));
    }

    /**
     * Deduplication as versions before it counted valid records for the batch check kept its state:
     * the content hash only (validation tallied every valid record to FirstTallies then).
     */
    static final class EarlierDeduplication extends KeyedProcessFunction<String, ValidRecord, ValidRecord> {
        private transient org.apache.flink.api.common.state.ValueState<SeenContent> seen;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
            @SuppressWarnings("unchecked")
            org.apache.flink.api.common.typeinfo.TypeInformation<SeenContent> earlier =
                    (org.apache.flink.api.common.typeinfo.TypeInformation<SeenContent>) (org.apache.flink.api.common.typeinfo.TypeInformation<?>)
                            Types.POJO(SeenContent.class, java.util.Map.of("hash", Types.PRIMITIVE_ARRAY(Types.BYTE), "batchId", Types.STRING));
            seen = getRuntimeContext().getState(StateTtl.on(
                    new org.apache.flink.api.common.state.ValueStateDescriptor<>("seen-content", earlier), Duration.ofDays(7)));
        }

        @Override
        public void processElement(ValidRecord r, Context ctx, org.apache.flink.util.Collector<ValidRecord> out) throws Exception {
            if (seen.value() == null) {
                SeenContent kept = new SeenContent();
                kept.hash = r.contentHash;
                seen.update(kept);
                out.collect(r);
            }
        }
    }

    @Test
    void keysKeptBeforeDeduplicationCountedBatchesHaveTheirLaterTalliesCheckedByFirstTallies() throws Exception {
        var before = keyed(new EarlierDeduplication(), new DedupKey(), Harnesses.valid(), null);
        before.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 1), 0L);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = keyed(dedup(), new DedupKey(), Harnesses.valid(), snapshot);
        try {
            after.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 4), 0L); // counted in FirstTallies before
            after.processElement(envelopes.counterparty(TestFeeds.trade("T-2"), 4), 0L); // new: counted here
            after.processWatermark(new Watermark(1_000L));
            // T-1's state did not say which batches counted it, so its tally goes where that is known.
            assertThat(Harnesses.<RecordTally>sideOutput(after, Tags.TALLIES)).singleElement().satisfies(t -> {
                assertThat(t.getDistinctKey()).isEqualTo(envelopes.counterparty(TestFeeds.trade("T-1"), 4).idempotencyKey);
                assertThat(t.getRecords()).isEqualTo(1L);
                assertThat(t.getValid()).isTrue();
            });
            assertThat(Harnesses.<RecordTally>sideOutput(after, Tags.BATCH_TALLIES)).singleElement()
                    .satisfies(t -> assertThat(t.getRecords()).isEqualTo(1L));
            assertThat(after.extractOutputValues()).extracting(e -> e.matchKey).containsExactly("T-2");
        } finally {
            after.close();
        }
    }

    @Test
    void matchingPairsAcrossTheRestoreAndItsDeadlineTimersStillFire() throws Exception {
        long deadline = Instant.parse("2026-11-21T00:00:00Z").plus(Duration.ofHours(6)).toEpochMilli();
        TypeSerializer<GenericRecord> out = Harnesses.avro(AvroSchemas.result(TestFeeds.energy()));
        var before = keyedCo(new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6)),
                new MatchKey(), out, null);
        ObjectNode ours = TestFeeds.trade("T-1");
        before.processElement1(envelopes.internal(ours, 2), 0L);
        before.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-2")), 1), 0L);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = keyedCo(new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6)),
                new MatchKey(), out, snapshot);
        try {
            assertThat(after.numEventTimeTimers()).isEqualTo(2);
            after.processElement2(envelopes.counterparty(TestFeeds.theirView(ours).put("price", "43.215"), 1), 0L);
            after.processBothWatermarks(new Watermark(deadline));
            assertThat(after.extractOutputValues()).extracting(r -> r.get("match_key"), r -> r.get("status").toString())
                    .containsExactly(Tuple.tuple("T-1", "MATCHED_WITHIN_TOLERANCE"),
                            Tuple.tuple("T-2", "UNMATCHED_COUNTERPARTY"));
            assertThat(after.numKeyedStateEntries()).isZero();
            assertThat(after.numEventTimeTimers()).isZero();
        } finally {
            after.close();
        }
    }

    @Test
    void aSecondaryKeyPassPairsARecordItHeldBeforeTheRestore() throws Exception {
        MatchPass secondary = new MatchPass(3, "secondary", true,
                List.of("counterparty_id", "delivery_point", "delivery_start", "delivery_end"), List.of("volume_mwh"));
        MatchSpec spec = new MatchSpec(TestFeeds.energyRules().rules(), List.of(
                new MatchPass(1, "exact", false), new MatchPass(2, "tolerance", true), secondary));
        TypeSerializer<GenericRecord> out = Harnesses.avro(AvroSchemas.result(TestFeeds.energy()));
        ObjectNode ours = TestFeeds.trade("T-1");
        var before = keyed(new MatchBySecondaryKey("energy", TestFeeds.energy(), spec, 3, true, Duration.ZERO),
                new SecondaryKey(TestFeeds.energy(), secondary), out, null);
        before.processElement(envelopes.internal(ours, 2), 0L);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = keyed(new MatchBySecondaryKey("energy", TestFeeds.energy(), spec, 3, true, Duration.ZERO),
                new SecondaryKey(TestFeeds.energy(), secondary), out, snapshot);
        try {
            after.processElement(envelopes.counterparty(
                    TestFeeds.theirView(ours).put("trade_id", "NP-77").put("volume_mwh", "120.5005"), 1), 0L);
            after.processWatermark(Watermark.MAX_WATERMARK);
            assertThat(after.extractOutputValues()).extracting(r -> r.get("match_key"), r -> r.get("status").toString(),
                            r -> r.get("match_type").toString(), r -> r.get("counterparty_match_key"))
                    .containsExactly(Tuple.tuple("T-1", "MATCHED_WITHIN_TOLERANCE", "SECONDARY", "NP-77"));
            assertThat(after.numKeyedStateEntries()).isZero();
        } finally {
            after.close();
        }
    }

    private static BatchManifest manifest() {
        return BatchManifest.newBuilder().setCounterparty("northpool").setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20").setCorrelationId("m-1").setBatchId("B-1")
                .setRecordCount(3L).setPageCount(2).setControlTotal("30.25").build();
    }

    private static RecordTally tally(String key, boolean valid, String control) {
        BigDecimal c = new BigDecimal(control);
        return RecordTally.newBuilder().setCounterparty("northpool").setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20").setBatchId("B-1").setDistinctKey(key).setValid(valid)
                .setControlUnscaled(ByteBuffer.wrap(c.unscaledValue().toByteArray())).setControlScale(c.scale()).build();
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, BatchManifest, RecordTally, BatchOutcome> completeness(
            OperatorSubtaskState restore) throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<String, BatchManifest, RecordTally, BatchOutcome> h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(new CheckBatchCompleteness("energy", true, Duration.ZERO)),
                        new BatchKey.OfManifest(), new BatchKey.OfTally(), Types.STRING);
        h.setup(new AvroTypeInfo<>(BatchOutcome.class).createSerializer(new SerializerConfigImpl()));
        return Harnesses.open(h, restore);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RecordTally, RecordTally> firstTallies(
            OperatorSubtaskState restore) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new FirstTallies(Duration.ZERO, null)), new BatchKey.OfDistinctRecord(), Types.STRING);
        h.setup(new AvroTypeInfo<>(RecordTally.class).createSerializer(new SerializerConfigImpl()));
        return Harnesses.open(h, restore);
    }

    @Test
    void aRecordTalliedBeforeTheRestoreIsNotPassedOnAgain() throws Exception {
        var before = firstTallies(null);
        before.processElement(tally("idem-a", true, "10.5"), 0L);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = firstTallies(snapshot);
        try {
            after.processElement(tally("idem-a", true, "10.5"), 0L); // seen before the restore: not passed on again
            after.processElement(tally("idem-b", true, "12.250"), 0L);
            assertThat(after.extractOutputValues()).extracting(RecordTally::getDistinctKey).containsExactly("idem-b");
        } finally {
            after.close();
        }
    }

    @Test
    void completenessKeepsItsCountsAcrossTheRestore() throws Exception {
        var before = completeness(null);
        before.processElement1(manifest(), 0L);
        before.processElement2(tally("idem-a", true, "10.5"), 0L);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = completeness(snapshot);
        try {
            assertThat(after.numEventTimeTimers()).isEqualTo(1);
            after.processElement2(tally("idem-b", true, "12.250"), 0L);
            after.processElement2(tally("raw:x", false, "7.5"), 0L);
            after.processBothWatermarks(Watermark.MAX_WATERMARK);
            assertThat(after.extractOutputValues()).singleElement().satisfies(o -> {
                assertThat(o.getStatus()).isEqualTo(BatchStatus.COMPLETE);
                assertThat(o.getActualCount()).isEqualTo(3L);
                assertThat(o.getValidRecords()).isEqualTo(2L);
                assertThat(o.getRejectedRecords()).isEqualTo(1L);
                assertThat(o.getActualControlTotal()).isEqualByComparingTo("30.25");
            });
            assertThat(after.numKeyedStateEntries()).isZero();
        } finally {
            after.close();
        }
    }
}
