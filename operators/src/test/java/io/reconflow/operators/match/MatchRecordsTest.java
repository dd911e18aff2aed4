package io.reconflow.operators.match;

import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.ValidRecords;
import io.reconflow.operators.validate.ValidRecord;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.domain.feed.AvroSchemas;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MatchRecordsTest {
    private static final long DEADLINE = Instant.parse("2026-11-21T00:00:00Z").plus(Duration.ofHours(6)).toEpochMilli();

    private final ValidRecords envelopes = new ValidRecords();
    private KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> harness;

    @BeforeEach
    void open() throws Exception {
        harness = Harnesses.keyedCo(
                new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static String status(GenericRecord row) {
        return row.get("status").toString();
    }

    @Test
    void pairIsDecidedWhenTheSecondSideArrivesAndItsStateAndTimerAreCleared() throws Exception {
        ObjectNode ours = TestFeeds.trade("T-1");
        harness.processElement1(envelopes.internal(ours, 2), 0L);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(ours).put("price", "43.215"), 1), 0L);

        List<GenericRecord> out = harness.extractOutputValues();
        assertThat(out).singleElement().satisfies(row -> {
            assertThat(status(row)).isEqualTo("MATCHED_WITHIN_TOLERANCE");
            assertThat(row.get("pass")).isEqualTo(2);
            assertThat(row.get("match_key")).isEqualTo("T-1");
            assertThat(row.get("counterparty_name")).isEqualTo("northpool");
            assertThat(row.get("batch_id")).isEqualTo("B-1");
            assertThat(row.get("correlation_id")).isEqualTo("req-1");
            assertThat(row.get("internal_source")).isEqualTo("/books/energy.jsonl:2");
            assertThat(((GenericRecord) row.get("internal")).get("side").toString()).isEqualTo("BUY");
            assertThat(((GenericRecord) row.get("counterparty")).get("side").toString()).isEqualTo("SELL");
        });
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void breakCarriesTheBreakingFieldsWithBothValues() throws Exception {
        ObjectNode ours = TestFeeds.trade("T-1");
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(ours).put("delivery_point", "NBP"), 1), 0L);
        harness.processElement1(envelopes.internal(ours, 2), 0L);

        GenericRecord row = harness.extractOutputValues().get(0);
        assertThat(status(row)).isEqualTo("BREAK");
        @SuppressWarnings("unchecked")
        List<GenericRecord> breaks = (List<GenericRecord>) row.get("breaks");
        assertThat(breaks).singleElement().satisfies(b -> {
            assertThat(b.get("field")).isEqualTo("delivery_point");
            assertThat(b.get("internal_value")).isEqualTo("TTF");
            assertThat(b.get("counterparty_value")).isEqualTo("NBP");
        });
    }

    @Test
    void keysMissingASideEndUnmatchedWhenTheDeadlinePasses() throws Exception {
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-2")), 1), 0L);
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        harness.processBothWatermarks(new Watermark(DEADLINE - 1));
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processBothWatermarks(new Watermark(DEADLINE));
        assertThat(harness.extractOutputValues()).extracting(MatchRecordsTest::status, r -> r.get("match_key"))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("UNMATCHED_INTERNAL", "T-1"),
                        org.assertj.core.groups.Tuple.tuple("UNMATCHED_COUNTERPARTY", "T-2"));
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    private static long keysWaiting(KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> h) {
        return ((MatchRecords) ((org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator<?, ?, ?, ?>) h.getOperator())
                .getUserFunction()).keysWaiting();
    }

    @Test
    void keysWaitingCountsKeysHoldingOneSideAndSurvivesARestore() throws Exception {
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-2")), 1), 0L);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-3")), 1), 0L);
        assertThat(keysWaiting(harness)).isEqualTo(3);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-1")), 1), 0L);
        assertThat(keysWaiting(harness)).as("T-1 paired").isEqualTo(2);

        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();
        harness = Harnesses.keyedCo(new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())), snapshot);
        assertThat(keysWaiting(harness)).as("restored").isEqualTo(2);
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-2"), 3), 0L);
        assertThat(keysWaiting(harness)).isEqualTo(1);
        harness.processBothWatermarks(new Watermark(DEADLINE));
        assertThat(keysWaiting(harness)).as("T-3 ended unmatched").isZero();
    }

    @Test
    void endOfInputDecidesEveryKey() throws Exception {
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        harness.processBothWatermarks(Watermark.MAX_WATERMARK);
        assertThat(harness.extractOutputValues()).extracting(MatchRecordsTest::status).containsExactly("UNMATCHED_INTERNAL");
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void withASecondaryKeyPassWhatFindsNoCounterpartIsHandedOnNotDecided() throws Exception {
        harness.close();
        io.reconflow.domain.match.MatchSpec withSecondary = new io.reconflow.domain.match.MatchSpec(
                TestFeeds.energyRules().rules(), List.of(new io.reconflow.domain.match.MatchPass(1, "exact", false),
                new io.reconflow.domain.match.MatchPass(2, "tolerance", true),
                new io.reconflow.domain.match.MatchPass(3, "secondary", true, List.of("delivery_point"), null)));
        harness = Harnesses.keyedCo(new MatchRecords("energy", TestFeeds.energy(), withSecondary, Duration.ofHours(6)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())));
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        harness.processBothWatermarks(Watermark.MAX_WATERMARK);
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(Harnesses.sideOutput(harness, Tags.unmatched(TestFeeds.energy())))
                .extracting(e -> e.matchKey).containsExactly("T-1");
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void continuousModeDecidesARevisionAgainAndKeepsBothSidesUntilTheDeadline() throws Exception {
        harness.close();
        harness = Harnesses.keyedCo(new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6), Duration.ofDays(7)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())));
        ObjectNode ours = TestFeeds.trade("T-1");
        harness.processElement1(envelopes.internal(ours, 2), 0L);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(ours), 1), 0L);
        assertThat(harness.extractOutputValues()).extracting(MatchRecordsTest::status).containsExactly("MATCHED");
        assertThat(keysWaiting(harness)).as("decided").isZero();
        assertThat(harness.numKeyedStateEntries()).as("both sides kept for a revision").isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        // A republication revises their record: decided again against ours.
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(ours).put("delivery_point", "NBP"), 3), 0L);
        assertThat(harness.extractOutputValues()).extracting(MatchRecordsTest::status).containsExactly("MATCHED", "BREAK");
        assertThat(keysWaiting(harness)).isZero();

        harness.processBothWatermarks(new Watermark(DEADLINE));
        assertThat(harness.extractOutputValues()).as("nothing more at the deadline").hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(keysWaiting(harness)).isZero();
    }

    /** What versions before {@link MatchSides} kept: one state per side, a timer at the deadline, the keys waiting. */
    static class PerSideStateOfEarlierVersions
            extends org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction<String, ValidRecord, ValidRecord, GenericRecord>
            implements org.apache.flink.streaming.api.checkpoint.CheckpointedFunction {
        private transient org.apache.flink.api.common.state.ListState<Long> waitingState;
        private transient long keysWaiting;
        private transient org.apache.flink.api.common.state.ValueState<ValidRecord> internal;
        private transient org.apache.flink.api.common.state.ValueState<ValidRecord> counterparty;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            internal = getRuntimeContext().getState(new org.apache.flink.api.common.state.ValueStateDescriptor<>("internal", ValidRecord.pojoTypeInfo(TestFeeds.energy())));
            counterparty = getRuntimeContext().getState(new org.apache.flink.api.common.state.ValueStateDescriptor<>("counterparty", ValidRecord.pojoTypeInfo(TestFeeds.energy())));
        }

        @Override
        public void processElement1(ValidRecord record, Context ctx, org.apache.flink.util.Collector<GenericRecord> out) throws Exception {
            internal.update(record);
            ctx.timerService().registerEventTimeTimer(DEADLINE);
            keysWaiting++;
        }

        @Override
        public void processElement2(ValidRecord record, Context ctx, org.apache.flink.util.Collector<GenericRecord> out) throws Exception {
            counterparty.update(record);
            ctx.timerService().registerEventTimeTimer(DEADLINE);
            keysWaiting++;
        }

        @Override
        public void snapshotState(org.apache.flink.runtime.state.FunctionSnapshotContext context) throws Exception {
            waitingState.update(List.of(keysWaiting));
        }

        @Override
        public void initializeState(org.apache.flink.runtime.state.FunctionInitializationContext context) throws Exception {
            waitingState = context.getOperatorStateStore().getListState(
                    new org.apache.flink.api.common.state.ListStateDescriptor<>("keys-waiting", org.apache.flink.api.common.typeinfo.Types.LONG));
        }
    }

    @Test
    void keysWaitingInASavepointOfAnEarlierVersionAreDecidedAtTheirDeadline() throws Exception {
        harness.close();
        harness = Harnesses.keyedCo(new PerSideStateOfEarlierVersions(),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())));
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        harness.processElement1(envelopes.internal(TestFeeds.trade("T-2"), 3), 0L);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-3")), 1), 0L);
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState savepoint = harness.snapshot(1L, 1L);
        harness.close();

        harness = Harnesses.keyedCo(new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6)),
                new MatchKey(), new MatchKey(), Harnesses.avro(AvroSchemas.result(TestFeeds.energy())), savepoint);
        assertThat(keysWaiting(harness)).isEqualTo(3);
        harness.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-1")), 1), 0L);
        assertThat(harness.extractOutputValues()).as("T-1's internal side is in the earlier version's state").isEmpty();

        harness.processBothWatermarks(new Watermark(DEADLINE));
        assertThat(harness.extractOutputValues()).extracting(MatchRecordsTest::status, r -> r.get("match_key"))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("MATCHED", "T-1"),
                        org.assertj.core.groups.Tuple.tuple("UNMATCHED_INTERNAL", "T-2"),
                        org.assertj.core.groups.Tuple.tuple("UNMATCHED_COUNTERPARTY", "T-3"));
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(keysWaiting(harness)).isZero();
    }
}
