package io.reconflow.operators;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.operators.dedup.DedupKey;
import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.operators.dedup.DeduplicateRecordsOperator;
import io.reconflow.operators.keys.StringKeyType;
import io.reconflow.operators.match.MatchKey;
import io.reconflow.operators.match.MatchRecords;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job's keys are serialized by {@link io.reconflow.operators.keys.StringKeySerializer}; earlier
 * versions keyed with Flink's {@code StringSerializer}. RocksDB finds state and timers by the key's
 * bytes, so state written by an earlier version, restored into this one on RocksDB, must still be
 * found under its keys.
 */
class KeysAcrossUpgradeTest {
    private final ValidRecords envelopes = new ValidRecords();


    private static <H extends AbstractStreamOperatorTestHarness<?>> H rocksDb(H h) {
        assertThat(h.getOperator().getKeyedStateBackend()).isInstanceOf(RocksDBKeyedStateBackend.class);
        return h;
    }


    private static KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord> dedup(
            TypeInformation<String> keys, OperatorSubtaskState restore) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new DeduplicateRecordsOperator(
                new DeduplicateRecords("energy", TestFeeds.energy(), Duration.ofDays(7))), new DedupKey(), keys);
        h.setStateBackend(new EmbeddedRocksDBStateBackend()); // before setup, which hands it to the operator
        h.setup(Harnesses.valid());
        return rocksDb(Harnesses.open(h, restore));
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord, GenericRecord> match(
            TypeInformation<String> keys, OperatorSubtaskState restore) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(
                new MatchRecords("energy", TestFeeds.energy(), TestFeeds.energyRules(), Duration.ofHours(6))),
                new MatchKey(), new MatchKey(), keys);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setup(Harnesses.avro(io.reconflow.domain.feed.AvroSchemas.result(TestFeeds.energy())));
        return rocksDb(Harnesses.open(h, restore));
    }

    @Test
    void deduplicationFindsTheKeysAnEarlierVersionKept() throws Exception {
        var before = dedup(Types.STRING, null);
        before.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 1), 0L);
        assertThat(before.extractOutputValues()).hasSize(1);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = dedup(new DedupKey().getProducedType(), snapshot);
        try {
            StateRestoreTest.seenT1IsRemembered(after, envelopes);
        } finally {
            after.close();
        }
    }

    @Test
    void matchingPairsWithWhatAnEarlierVersionHeldAndItsTimersFireUnderTheirKeys() throws Exception {
        assertThat(new MatchKey().getProducedType()).isEqualTo(StringKeyType.INSTANCE);
        long deadline = Instant.parse("2026-11-21T00:00:00Z").plus(Duration.ofHours(6)).toEpochMilli();
        var before = match(Types.STRING, null);
        ObjectNode ours = TestFeeds.trade("T-1");
        before.processElement1(envelopes.internal(ours, 2), 0L);
        before.processElement2(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-2")), 1), 0L);
        OperatorSubtaskState snapshot = Harnesses.stop(before);

        var after = match(StringKeyType.INSTANCE, snapshot);
        try {
            assertThat(after.numEventTimeTimers()).isEqualTo(2);
            after.processElement2(envelopes.counterparty(TestFeeds.theirView(ours).put("price", "43.215"), 1), 0L);
            assertThat(after.numEventTimeTimers()).as("the paired key's timer, deleted under its key").isEqualTo(1);
            after.processBothWatermarks(new Watermark(deadline));
            assertThat(after.extractOutputValues()).extracting(r -> r.get("match_key"), r -> r.get("status").toString())
                    .containsExactly(Tuple.tuple("T-1", "MATCHED_WITHIN_TOLERANCE"),
                            Tuple.tuple("T-2", "UNMATCHED_COUNTERPARTY"));
            assertThat(after.numEventTimeTimers()).isZero();
        } finally {
            after.close();
        }
    }
}
