package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.PageRequest;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.operators.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExpandManifestTest {

    OneInputStreamOperatorTestHarness<BatchManifest, PageRequest> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new ExpandManifest("energy-recon"));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    static BatchManifest.Builder manifest() {
        return BatchManifest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                .setBusinessDate("2024-03-01").setCorrelationId("req-1");
    }

    static BatchManifest ok(int pages) {
        return manifest().setBatchId("B-1").setRecordCount(10L).setPageCount(pages).setControlTotal("1.5").build();
    }

    <T> List<T> side(org.apache.flink.util.OutputTag<T> tag) {
        Queue<StreamRecord<T>> q = harness.getSideOutput(tag);
        List<T> out = new ArrayList<>();
        if (q != null) {
            q.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    @Test
    void requestsEveryPageOfAnOkManifest() throws Exception {
        BatchManifest m = ok(3);

        harness.processElement(m, 0);

        assertThat(harness.extractOutputValues()).containsExactly(
                PageRequest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                        .setBusinessDate("2024-03-01").setBatchId("B-1").setPage(1).setPageCount(3).build(),
                PageRequest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                        .setBusinessDate("2024-03-01").setBatchId("B-1").setPage(2).setPageCount(3).build(),
                PageRequest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                        .setBusinessDate("2024-03-01").setBatchId("B-1").setPage(3).setPageCount(3).build());
        assertThat(side(Tags.MANIFESTS)).containsExactly(m);
        assertThat(side(Tags.REJECTS)).isEmpty();
    }

    @Test
    void anEmptyBatchHasNoPages() throws Exception {
        BatchManifest m = ok(0);

        harness.processElement(m, 0);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(side(Tags.MANIFESTS)).containsExactly(m);
        assertThat(side(Tags.REJECTS)).isEmpty();
    }

    @Test
    void aFailedManifestIsRejectedAndStillReported() throws Exception {
        BatchManifest m = manifest().setFailure(FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(503).setMessage("gave up after 6 attempts: HTTP 503").setAttempts(6).build()).build();

        harness.processElement(m, 0);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(side(Tags.MANIFESTS)).containsExactly(m);
        assertThat(side(Tags.REJECTS)).containsExactly(Reject.newBuilder()
                .setRecon("energy-recon")
                .setFeed("energy-confirmations")
                .setBusinessDate("2024-03-01")
                .setSide(Side.COUNTERPARTY)
                .setSource("acme")
                .setCorrelationId("req-1")
                .setErrorCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(503)
                .setMessage("gave up after 6 attempts: HTTP 503")
                .setBatchId(null)
                .setPage(null)
                .setRaw(null)
                .build());
    }
}
