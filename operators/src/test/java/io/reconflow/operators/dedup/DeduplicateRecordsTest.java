package io.reconflow.operators.dedup;

import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.ValidRecords;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Reject;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeduplicateRecordsTest {
    private final ValidRecords envelopes = new ValidRecords();
    private KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord> harness;

    @BeforeEach
    void open() throws Exception {
        harness = Harnesses.keyed(new DeduplicateRecordsOperator(new DeduplicateRecords("energy", TestFeeds.energy(), Duration.ofDays(7))),
                new DedupKey(), Harnesses.valid());
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private List<Reject> rejects() {
        return Harnesses.sideOutput(harness, Tags.REJECTS);
    }

    @Test
    void exactDuplicateAcrossPagesIsDroppedAndCounted() throws Exception {
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 1), 0L);
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 4), 0L);
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-2"), 4), 0L);

        assertThat(harness.extractOutputValues()).extracting(e -> e.matchKey)
                .containsExactly("T-1", "T-2");
        // What goes on to matching carries no raw text and no content hash: only dedup needs them.
        assertThat(harness.extractOutputValues()).extracting(e -> e.raw).containsOnlyNulls();
        assertThat(harness.extractOutputValues()).extracting(e -> e.contentHash).containsOnlyNulls();
        assertThat(rejects()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
    }

    @Test
    void sameKeyWithDifferentContentIsADuplicateConflict() throws Exception {
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 1), 0L);
        ValidRecord changed = envelopes.counterparty(TestFeeds.trade("T-1").put("price", "99.99"), 2);
        harness.processElement(changed, 0L);

        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(rejects()).singleElement().satisfies(r -> {
            assertThat(r.getErrorCode()).isEqualTo(ErrorCode.DUPLICATE_CONFLICT);
            assertThat(r.getPage()).isEqualTo(2);
            assertThat(r.getIdempotencyKey()).isEqualTo(changed.idempotencyKey);
            assertThat(r.getRaw()).contains("99.99").isEqualTo(changed.raw);
        });
    }

    @Test
    void ourRecordAndTheirsWithTheSameKeyAreNotDuplicatesOfEachOther() throws Exception {
        harness.processElement(envelopes.internal(TestFeeds.trade("T-1"), 2), 0L);
        harness.processElement(envelopes.counterparty(TestFeeds.theirView(TestFeeds.trade("T-1")), 1), 0L);
        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(rejects()).isEmpty();
    }

    @Test
    void aKeyIsForgottenAfterItsTtl() throws Exception {
        harness.setStateTtlProcessingTime(0L);
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 1), 0L);
        harness.setStateTtlProcessingTime(Duration.ofDays(7).toMillis() - 1);
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 2), 0L);
        assertThat(harness.extractOutputValues()).hasSize(1);

        // Past the TTL the key is no longer remembered: a republished record passes again.
        harness.setStateTtlProcessingTime(Duration.ofDays(8).toMillis());
        harness.processElement(envelopes.counterparty(TestFeeds.trade("T-1"), 3), 0L);
        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(rejects()).isEmpty();
    }

    private List<RecordTally> batchTallies() {
        return Harnesses.sideOutput(harness, Tags.BATCH_TALLIES);
    }

    private ValidRecord theirs(String tradeId, String volume, int page, String batch) {
        ValidRecord r = envelopes.counterparty(TestFeeds.trade(tradeId).put("volume_mwh", new BigDecimal(volume)), page);
        r.batchId = batch;
        return r;
    }

    private static String summary(RecordTally t) {
        BigDecimal control = new BigDecimal(new BigInteger(t.getControlUnscaled().array()), t.getControlScale());
        return t.getBatchId() + " " + t.getRecords() + " " + control.stripTrailingZeros().toPlainString() + " " + t.getValid() + " '" + t.getDistinctKey() + "'";
    }

    @Test
    void validCounterpartyRecordsAreCountedOncePerBatchAndSentAsOneSumPerBatchAtTheWatermark() throws Exception {
        harness.processElement(theirs("T-1", "10.25", 1, "B-1"), 0L);
        harness.processElement(theirs("T-1", "10.25", 4, "B-1"), 0L);   // the same record again: not counted again
        harness.processElement(theirs("T-1", "99.00", 5, "B-1"), 0L);   // a conflict: its key was counted
        harness.processElement(theirs("T-2", "0.000000000000000001", 5, "B-1"), 0L);
        harness.processElement(envelopes.internal(TestFeeds.trade("T-3"), 1), 0L); // ours: never counted
        assertThat(batchTallies()).as("held until the watermark").isEmpty();

        harness.processWatermark(new Watermark(1_000L));
        assertThat(batchTallies()).extracting(DeduplicateRecordsTest::summary)
                .containsExactly("B-1 2 10.250000000000000001 true ''");
        assertThat(harness.getOutput()).last().isEqualTo(new Watermark(1_000L));

        // The same record in another batch counts for that one, once; the sums start again.
        harness.processElement(theirs("T-1", "10.25", 1, "B-2"), 0L);
        harness.processElement(theirs("T-1", "10.25", 2, "B-2"), 0L);
        harness.processElement(theirs("T-1", "10.25", 3, "B-1"), 0L);
        harness.processWatermark(new Watermark(2_000L));
        assertThat(batchTallies()).extracting(DeduplicateRecordsTest::summary)
                .containsExactly("B-1 2 10.250000000000000001 true ''", "B-2 1 10.25 true ''");
        assertThat(Harnesses.sideOutput(harness, Tags.TALLIES)).as("no record's own tally").isEmpty();
        assertThat(harness.extractOutputValues()).extracting(e -> e.matchKey).containsExactly("T-1", "T-2", "T-3");
    }

    @Test
    void sumsAreSentBeforeACheckpointBarrierAndAtTheEndOfInputSoThatNoneIsOnlyInMemory() throws Exception {
        harness.processElement(theirs("T-1", "1", 1, "B-1"), 0L);
        harness.prepareSnapshotPreBarrier(1L);
        assertThat(batchTallies()).extracting(DeduplicateRecordsTest::summary).containsExactly("B-1 1 1 true ''");
        // Nothing counted since: nothing sent.
        harness.prepareSnapshotPreBarrier(2L);
        harness.processWatermark(new Watermark(1_000L));
        assertThat(batchTallies()).hasSize(1);

        harness.processElement(theirs("T-2", "2", 1, "B-1"), 0L);
        harness.processElement(theirs("T-3", "3", 1, "B-9"), 0L);
        harness.getOperator().finish();
        assertThat(batchTallies()).extracting(DeduplicateRecordsTest::summary)
                .containsExactly("B-1 1 1 true ''", "B-1 1 2 true ''", "B-9 1 3 true ''");
    }
}
