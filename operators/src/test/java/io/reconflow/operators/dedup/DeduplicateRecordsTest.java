package io.reconflow.operators.dedup;

import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.operators.ValidRecords;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeduplicateRecordsTest {
    private final ValidRecords envelopes = new ValidRecords();
    private KeyedOneInputStreamOperatorTestHarness<String, ValidRecord, ValidRecord> harness;

    @BeforeEach
    void open() throws Exception {
        harness = Harnesses.keyed(new DeduplicateRecords("energy", "energy-confirmations", Duration.ofDays(7)),
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
}
