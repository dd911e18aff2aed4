package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FetchManifestTest {

    StubCounterparty stub;
    OneInputStreamOperatorTestHarness<BatchRequest, BatchManifest> harness;

    @BeforeEach
    void start() throws Exception {
        stub = new StubCounterparty();
        FetchManifest fn = new FetchManifest(
                Map.of("acme", new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN")), settings(),
                endpoint -> TOKEN);
        harness = AsyncHarness.open(fn, BatchRequest.class);
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
        stub.close();
    }

    static BatchRequest request(String counterparty) {
        return BatchRequest.newBuilder().setCounterparty(counterparty).setFeed(FEED).setBusinessDate(DATE).build();
    }

    List<BatchManifest> run(BatchRequest... requests) throws Exception {
        for (BatchRequest r : requests) {
            harness.processElement(r, 0);
        }
        harness.endInput();
        return harness.extractOutputValues();
    }

    @Test
    void emitsTheManifestWithTheAnsweringRequestsId() throws Exception {
        stub.on(MANIFEST_PATH, status(502), json(200, MANIFEST));

        List<BatchManifest> out = run(request("acme"));

        assertThat(out).hasSize(1);
        BatchManifest m = out.get(0);
        assertThat(m.getFailure()).isNull();
        assertThat(m.getCounterparty()).isEqualTo("acme");
        assertThat(m.getFeed()).isEqualTo(FEED);
        assertThat(m.getBusinessDate()).isEqualTo(DATE);
        assertThat(m.getBatchId()).isEqualTo("B-1");
        assertThat(m.getRecordCount()).isEqualTo(3L);
        assertThat(m.getPageCount()).isEqualTo(2);
        assertThat(m.getControlTotal()).isEqualTo("150.500");
        assertThat(m.getPublishedAt()).isEqualTo("2024-03-02T00:00:00Z");
        assertThat(m.getCorrelationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(1).requestId());
    }

    @Test
    void aFailedFetchBecomesAFailedManifestNotAJobFailure() throws Exception {
        stub.on(MANIFEST_PATH, status(403));

        List<BatchManifest> out = run(request("acme"));

        assertThat(out).hasSize(1);
        BatchManifest m = out.get(0);
        assertThat(m.getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(m.getFailure().getHttpStatus()).isEqualTo(403);
        assertThat(m.getFailure().getAttempts()).isEqualTo(1);
        assertThat(m.getCorrelationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(0).requestId());
        assertThat(m.getBatchId()).isNull();
        assertThat(m.getPageCount()).isNull();
    }

    @Test
    void anUnknownCounterpartyBecomesAFailedManifest() throws Exception {
        List<BatchManifest> out = run(request("nobody"));

        assertThat(out).hasSize(1);
        assertThat(out.get(0).getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(out.get(0).getFailure().getMessage()).contains("unknown counterparty nobody");
        assertThat(stub.seen()).isEmpty();
    }

    @Test
    void theOperatorTimeoutYieldsAFailedManifestNamingTheLastRequest() throws Exception {
        stub.on(MANIFEST_PATH, stub.stallBody());

        harness.processElement(request("acme"), 0);
        while (stub.seen(MANIFEST_PATH).isEmpty()) {
            Thread.onSpinWait();
        }
        harness.setProcessingTime(AsyncHarness.TIMEOUT_MS + 1);
        harness.endInput();

        List<BatchManifest> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        BatchManifest m = out.get(0);
        assertThat(m.getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(m.getFailure().getMessage()).startsWith("timed out after ");
        assertThat(m.getCorrelationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(0).requestId());
    }

    @Test
    void answersManyRequestsAtOnce() throws Exception {
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        BatchRequest[] requests = new BatchRequest[12];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = request(i % 3 == 0 ? "nobody" : "acme");
        }

        List<BatchManifest> out = run(requests);

        assertThat(out).hasSize(12);
        assertThat(out.stream().filter(m -> m.getFailure() == null)).hasSize(8);
        assertThat(out.stream().map(BatchManifest::getCorrelationId).filter(id -> !id.isEmpty()).distinct()).hasSize(8);
    }

    @Test
    void aMissingTokenStopsTheJobAtOpenNamingTheVariable() throws Exception {
        String variable = "RECONFLOW_TEST_TOKEN_THAT_IS_NOT_SET_7D1F";
        FetchManifest fn = new FetchManifest(
                Map.of("acme", new CounterpartyEndpoint("acme", stub.baseUrl(), variable)), settings());

        assertThatThrownBy(() -> AsyncHarness.open(fn, BatchRequest.class))
                .hasStackTraceContaining(variable);
    }
}
