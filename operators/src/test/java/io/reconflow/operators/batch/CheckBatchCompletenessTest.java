package io.reconflow.operators.batch;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchOutcome;
import io.reconflow.events.BatchStatus;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.RecordTally;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CheckBatchCompletenessTest {
    private KeyedTwoInputStreamOperatorTestHarness<String, BatchManifest, RecordTally, BatchOutcome> harness;

    @BeforeEach
    void open() throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new CheckBatchCompleteness("energy", true, Duration.ZERO)),
                new BatchKey.OfManifest(), new BatchKey.OfTally(), Types.STRING);
        harness.setup(new AvroTypeInfo<>(BatchOutcome.class).createSerializer(new SerializerConfigImpl()));
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static BatchManifest manifest(long count, String total) {
        return BatchManifest.newBuilder().setCounterparty("northpool").setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20").setCorrelationId("m-1").setBatchId("B-1")
                .setRecordCount(count).setPageCount(2).setControlTotal(total).build();
    }

    static RecordTally tally(String key, boolean valid, String control) {
        BigDecimal c = control == null ? null : new BigDecimal(control);
        return RecordTally.newBuilder().setCounterparty("northpool").setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20").setBatchId("B-1").setDistinctKey(key).setValid(valid)
                .setControlUnscaled(c == null ? null : ByteBuffer.wrap(c.unscaledValue().toByteArray()))
                .setControlScale(c == null ? 0 : c.scale()).build();
    }

    private BatchOutcome endOfInput() throws Exception {
        harness.processBothWatermarks(Watermark.MAX_WATERMARK);
        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).as("state cleared once decided").isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        return harness.extractOutputValues().get(0);
    }

    @Test
    void distinctRecordsValidAndRejectedAddUpToTheManifest() throws Exception {
        harness.processElement1(manifest(3, "30.25"), 0L);
        harness.processElement2(tally("idem-a", true, "10.5"), 0L);   // duplicates were dropped upstream (FirstTallies)
        harness.processElement2(tally("idem-b", true, "12.250"), 0L);
        harness.processElement2(tally("raw:x", false, "7.5"), 0L);    // rejected, but its control value parses
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(harness.extractOutputValues()).as("nothing decided before the deadline").isEmpty();

        BatchOutcome o = endOfInput();
        assertThat(o.getStatus()).isEqualTo(BatchStatus.COMPLETE);
        assertThat(o.getActualCount()).isEqualTo(3L);
        assertThat(o.getValidRecords()).isEqualTo(2L);
        assertThat(o.getRejectedRecords()).isEqualTo(1L);
        assertThat(o.getActualControlTotal()).isEqualByComparingTo("30.25");
        assertThat(o.getExpectedControlTotal()).isEqualByComparingTo("30.25");
        assertThat(o.getBatchId()).isEqualTo("B-1");
    }

    @Test
    void deduplicationsSumsOfValidRecordsCountEveryRecordTheySum() throws Exception {
        harness.processElement1(manifest(1_000_001, "5000.000000000000000001"), 0L);
        harness.processElement2(RecordTally.newBuilder(tally("", true, "2500")).setRecords(600_000L).build(), 0L);
        harness.processElement2(RecordTally.newBuilder(tally("", true, "2499.000000000000000001")).setRecords(400_000L).build(), 0L);
        harness.processElement2(tally("raw:x", false, "1"), 0L);

        BatchOutcome o = endOfInput();
        assertThat(o.getStatus()).isEqualTo(BatchStatus.COMPLETE);
        assertThat(o.getValidRecords()).isEqualTo(1_000_000L);
        assertThat(o.getRejectedRecords()).isEqualTo(1L);
        assertThat(o.getActualControlTotal()).isEqualByComparingTo("5000.000000000000000001");
    }

    @Test
    void aManifestThatLiesMakesTheBatchIncompleteWithBothFigures() throws Exception {
        harness.processElement2(tally("idem-a", true, "10"), 0L);
        harness.processElement1(manifest(2, "25"), 0L);
        BatchOutcome o = endOfInput();
        assertThat(o.getStatus()).isEqualTo(BatchStatus.INCOMPLETE);
        assertThat(o.getExpectedCount()).isEqualTo(2L);
        assertThat(o.getActualCount()).isEqualTo(1L);
        assertThat(o.getExpectedControlTotal()).isEqualByComparingTo("25");
        assertThat(o.getActualControlTotal()).isEqualByComparingTo("10");
        assertThat(o.getMessage()).contains("expected 2 distinct records, received 1").contains("control total expected 25, received 10");
    }

    @Test
    void aManifestThatCouldNotBeFetchedIsIncomplete() throws Exception {
        harness.processElement1(BatchManifest.newBuilder(manifest(0, "0")).setBatchId(null).setRecordCount(null)
                .setControlTotal(null).setFailure(FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED)
                        .setHttpStatus(404).setMessage("HTTP 404").setAttempts(1).build()).build(), 0L);
        BatchOutcome o = endOfInput();
        assertThat(o.getStatus()).isEqualTo(BatchStatus.INCOMPLETE);
        assertThat(o.getBatchId()).isEmpty();
        assertThat(o.getMessage()).contains("manifest could not be fetched");
    }

    @Test
    void figuresThatDoNotFitDecimal38x18AreReportedNotWrittenSoTheOutcomeStillEncodes() throws Exception {
        harness.processElement1(manifest(2, "1" + "0".repeat(100_000)), 0L);
        harness.processElement2(tally("raw:a", false, "1e999999"), 0L);
        harness.processElement2(tally("idem-b", true, "12.5"), 0L);

        BatchOutcome o = endOfInput();
        assertThat(o.getStatus()).isEqualTo(BatchStatus.INCOMPLETE);
        assertThat(o.getExpectedControlTotal()).isNull();
        assertThat(o.getActualControlTotal()).isNull();
        assertThat(o.getMessage()).contains("is not a decimal that fits DECIMAL(38,18)").hasSizeLessThan(1_000);
        // What crashed the job (AvroTypeException: Cannot encode decimal with precision 1000020) cannot happen.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new org.apache.avro.specific.SpecificDatumWriter<>(BatchOutcome.class)
                .write(o, org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null));
    }
}
