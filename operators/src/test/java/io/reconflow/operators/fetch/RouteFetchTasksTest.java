package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
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

class RouteFetchTasksTest {

    OneInputStreamOperatorTestHarness<FetchTask, PageRequest> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new RouteFetchTasks("energy-recon"));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    static BatchManifest.Builder manifest() {
        return BatchManifest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                .setBusinessDate("2024-03-01").setCorrelationId("req-1");
    }

    static FetchTask of(BatchManifest m) {
        return FetchTask.newBuilder().setManifest(m).setPage(null).build();
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
    void pageRequestsGoOnAndManifestsGoToTheCompletenessCheck() throws Exception {
        BatchManifest m = manifest().setBatchId("B-1").setRecordCount(10L).setPageCount(1).setControlTotal("1.5").build();
        PageRequest page = PageRequest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                .setBusinessDate("2024-03-01").setBatchId("B-1").setPage(1).setPageCount(1).build();

        harness.processElement(of(m), 0);
        harness.processElement(FetchTask.newBuilder().setManifest(null).setPage(page).build(), 0);

        assertThat(harness.extractOutputValues()).containsExactly(page);
        assertThat(side(Tags.MANIFESTS)).containsExactly(m);
        assertThat(side(Tags.REJECTS)).isEmpty();
    }

    @Test
    void aFailedManifestIsRejectedAndStillReported() throws Exception {
        BatchManifest m = manifest().setFailure(FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED)
                .setHttpStatus(503).setMessage("gave up after 6 attempts: HTTP 503").setAttempts(6).build()).build();

        harness.processElement(of(m), 0);

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
