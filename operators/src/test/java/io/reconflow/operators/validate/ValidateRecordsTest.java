package io.reconflow.operators.validate;

import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ValidateRecordsTest extends ValidateRecordsHarness {
    @Test
    void validRecordGoesOnTypedWithItsKeysAndContext() throws Exception {
        String raw = TestFeeds.theirView(TestFeeds.trade("T-1")).toString();
        harness.processElement(TestFeeds.counterpartyRaw(raw, 3), 0L);

        assertThat(rejects()).isEmpty();
        List<ValidRecord> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        ValidRecord envelope = out.get(0);
        assertThat(envelope.side).isEqualTo(io.reconflow.events.Side.COUNTERPARTY);
        assertThat(envelope.matchKey).isEqualTo("T-1");
        assertThat(envelope.idempotencyKey).hasSize(64);
        assertThat(envelope.page).isEqualTo(3);
        assertThat(envelope.correlationId).isEqualTo("req-3");
        assertThat(envelope.raw).isEqualTo(raw);
        assertThat(envelope.values.getField(TestFeeds.energy().field("side").position())).isEqualTo("SELL");
        assertThat(envelope.contentHash).hasSize(32);
    }

    @Test
    void badRecordIsRejectedAloneWithCodeFieldContextAndRawText() throws Exception {
        String bad = "{\"trade_id\": \"T-2\",  \"volume_mwh\": \"lots\"}";
        harness.processElement(TestFeeds.counterpartyRaw(TestFeeds.trade("T-1").toString(), 1), 0L);
        harness.processElement(TestFeeds.counterpartyRaw(bad, 2), 0L);
        harness.processElement(TestFeeds.counterpartyRaw("{not json", 2), 0L);

        assertThat(harness.extractOutputValues()).hasSize(1);
        List<Reject> rejects = rejects();
        assertThat(rejects).extracting(Reject::getErrorCode)
                .containsExactly(ErrorCode.MISSING_FIELD, ErrorCode.RECORD_UNPARSEABLE);
        Reject r = rejects.get(0);
        assertThat(r.getRaw()).isEqualTo(bad);
        assertThat(r.getField()).isEqualTo("counterparty_id");
        assertThat(r.getRecon()).isEqualTo("energy");
        assertThat(r.getFeed()).isEqualTo("energy-confirmations");
        assertThat(r.getBusinessDate()).isEqualTo("2026-11-20");
        assertThat(r.getBatchId()).isEqualTo("B-1");
        assertThat(r.getPage()).isEqualTo(2);
        assertThat(r.getCorrelationId()).isEqualTo("req-2");
        assertThat(r.getSide()).isEqualTo(Side.COUNTERPARTY);
    }

    @Test
    void failedRequestBecomesAFetchFailedRejectWithItsStatus() throws Exception {
        RawRecord failed = RawRecord.newBuilder(TestFeeds.counterpartyRaw("", 5))
                .setFailure(FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED).setHttpStatus(503)
                        .setMessage("503 after 6 attempts").setAttempts(6).build())
                .build();
        harness.processElement(failed, 0L);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(rejects()).singleElement().satisfies(r -> {
            assertThat(r.getErrorCode()).isEqualTo(ErrorCode.FETCH_FAILED);
            assertThat(r.getHttpStatus()).isEqualTo(503);
            assertThat(r.getPage()).isEqualTo(5);
            assertThat(r.getRaw()).isNull();
        });
    }

    @Test
    void csvRecordsAreCheckedFromTheirCellsAndRejectedWithTheLine() throws Exception {
        RawRecord csv = RawRecord.newBuilder(TestFeeds.internalRaw("T-9,CP-7,POWER", 7))
                .setJson("{\"trade_id\":\"T-9\",\"counterparty_id\":\"CP-7\",\"product\":\"POWER\"}")
                .build();
        harness.processElement(csv, 0L);
        assertThat(rejects()).singleElement().satisfies(r -> {
            assertThat(r.getErrorCode()).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(r.getSide()).isEqualTo(Side.INTERNAL);
            assertThat(r.getLine()).isEqualTo(7L);
            assertThat(r.getRaw()).isEqualTo("T-9,CP-7,POWER");
        });
    }

    @Test
    void everyRejectedCounterpartyRecordIsTalliedForTheCompletenessCheckAndAValidOneIsLeftToDeduplication() throws Exception {
        harness.processElement(TestFeeds.counterpartyRaw(TestFeeds.trade("T-1").put("volume_mwh", "12.50").toString(), 1), 0L);
        harness.processElement(TestFeeds.counterpartyRaw("{\"volume_mwh\": \"3.5\", \"trade_id\": \"T-2\"}", 1), 0L);
        harness.processElement(TestFeeds.counterpartyRaw("{\"trade_id\": \"T-2\", \"volume_mwh\": \"3.5\"}", 2), 0L);
        harness.processElement(TestFeeds.internalRaw(TestFeeds.trade("T-9").toString(), 1), 0L);

        assertThat(harness.extractOutputValues()).hasSize(2);
        List<io.reconflow.events.RecordTally> tallies = Harnesses.sideOutput(harness, Tags.TALLIES);
        // A rejected record is told apart by its canonical JSON: the same fields in another order are the same record.
        assertThat(tallies).hasSize(2).allSatisfy(t -> {
            assertThat(t.getValid()).isFalse();
            assertThat(t.getRecords()).isEqualTo(1L);
            assertThat(t.getControlScale()).isEqualTo(1);
        });
        assertThat(tallies.get(0).getDistinctKey()).startsWith("raw:").isEqualTo(tallies.get(1).getDistinctKey());
    }
}
