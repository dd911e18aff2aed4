package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.RECORD_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.RECORD_2;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FetchPageTest {

    @RegisterExtension
    final StubCounterparty stub = StubCounterparty.started();
    OneInputStreamOperatorTestHarness<PageRequest, RawRecord> harness;

    @BeforeEach
    void start() throws Exception {
        harness = AsyncHarness.open(new FetchPage(stub.acme(), settings(), endpoint -> TOKEN), PageRequest.class);
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    static PageRequest request(String counterparty, int page) {
        return PageRequest.newBuilder().setCounterparty(counterparty).setFeed(FEED).setBusinessDate(DATE)
                .setBatchId("B-REQ").setPage(page).setPageCount(3).build();
    }

    List<RawRecord> run(PageRequest... requests) throws Exception {
        for (PageRequest r : requests) {
            harness.processElement(r, 0);
        }
        harness.endInput();
        return harness.extractOutputValues();
    }

    @Test
    void emitsEachRecordExactlyAsReceived() throws Exception {
        stub.on(PAGE_1, status(503), json(200, PAGE));

        List<RawRecord> out = run(PageRequest.newBuilder(request("acme", 1)).setBatchId("B-1").build());

        String id = stub.seen(PAGE_1).get(1).requestId();
        assertThat(out).extracting(RawRecord::getRaw).containsExactly(RECORD_1, RECORD_2);
        assertThat(out).allSatisfy(r -> {
            assertThat(r.getSide()).isEqualTo(Side.COUNTERPARTY);
            assertThat(r.getSource()).isEqualTo("acme");
            assertThat(r.getFeed()).isEqualTo(FEED);
            assertThat(r.getBusinessDate()).isEqualTo(DATE);
            assertThat(r.getBatchId()).isEqualTo("B-1");
            assertThat(r.getDefect()).isNull();
            assertThat(r.getPage()).isEqualTo(1);
            assertThat(r.getCorrelationId()).isEqualTo(id);
            assertThat(r.getJson()).isNull();
            assertThat(r.getLine()).isNull();
            assertThat(r.getFailure()).isNull();
        });
    }

    @Test
    void aPageWithoutBatchIdOrPageHasEachRecordMarkedAndCountedForTheManifestsBatch() throws Exception {
        stub.on("/v1/feeds/" + FEED + "/batches/" + DATE + "/pages/2", json(200, "{\"records\":[{\"a\":1}]}"));

        List<RawRecord> out = run(request("acme", 2));

        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.getBatchId()).isEqualTo("B-REQ");
            assertThat(r.getPage()).isEqualTo(2);
            assertThat(r.getRaw()).isEqualTo("{\"a\":1}");
            assertThat(r.getDefect().getCode()).isEqualTo(ErrorCode.PAGE_MISMATCH);
            assertThat(r.getDefect().getMessage()).contains("says page null, but page 2 was asked for");
        });
    }

    @Test
    void aPageOfAnotherNumberOrBatchHasEachRecordMarked() throws Exception {
        String base = "/v1/feeds/" + FEED + "/batches/" + DATE + "/pages/";
        stub.on(base + "1", json(200, "{\"batch_id\":\"B-REQ\",\"page\":3,\"records\":[{\"a\":1},{\"a\":2}]}"));
        stub.on(base + "2", json(200, "{\"batch_id\":\"B-OLD\",\"page\":2,\"records\":[{\"a\":3}]}"));
        stub.on(base + "3", json(200, "{\"batch_id\":null,\"page\":3,\"records\":[{\"a\":4}]}"));
        stub.on(base + "4", json(200, "{\"batch_id\":\"B-REQ\",\"page\":4,\"records\":[{\"a\":5},\"\\ud800\"]}"));

        List<RawRecord> out = run(request("acme", 1), request("acme", 2), request("acme", 3), request("acme", 4));

        assertThat(out).hasSize(6).allSatisfy(r -> assertThat(r.getBatchId()).isEqualTo("B-REQ"));
        assertThat(out).filteredOn(r -> r.getPage() == 1).hasSize(2).allSatisfy(r ->
                assertThat(r.getDefect().getMessage()).contains("says page 3, but page 1 was asked for"));
        assertThat(out).filteredOn(r -> r.getPage() == 2).singleElement().satisfies(r ->
                assertThat(r.getDefect().getMessage()).contains("is of batch 'B-OLD', not the manifest's B-REQ"));
        assertThat(out).filteredOn(r -> r.getPage() == 3).singleElement().satisfies(r ->
                assertThat(r.getDefect().getMessage()).contains("has no batch_id"));
        assertThat(out).filteredOn(r -> r.getPage() <= 3)
                .allSatisfy(r -> assertThat(r.getDefect().getCode()).isEqualTo(ErrorCode.PAGE_MISMATCH));
        // The page that is the one asked for: no defect (the lone surrogate is the validator's to judge).
        assertThat(out).filteredOn(r -> r.getPage() == 4).allSatisfy(r -> assertThat(r.getDefect()).isNull());
    }

    @Test
    void aRecordWhoseBytesAreNotUtf8IsMarkedAloneAndItsPageGoesOn() throws Exception {
        byte[] body = "{\"batch_id\":\"B-REQ\",\"page\":1,\"records\":[{\"a\":\"x\"},{\"a\":2}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        body[new String(body, java.nio.charset.StandardCharsets.UTF_8).indexOf("x")] = (byte) 0xFF;
        stub.on(PAGE_1, ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (java.io.OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });

        List<RawRecord> out = run(request("acme", 1));

        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(out).hasSize(2);
        assertThat(out.get(0).getDefect().getCode()).isEqualTo(ErrorCode.BAD_ENCODING);
        assertThat(out.get(0).getRaw()).isEqualTo("{\"a\":\"\uFFFD\"}");
        assertThat(out.get(1).getDefect()).isNull();
        assertThat(out.get(1).getRaw()).isEqualTo("{\"a\":2}");
    }

    @Test
    void aFailedPageIsOneFailureRecord() throws Exception {
        stub.on(PAGE_1, status(404));

        List<RawRecord> out = run(request("acme", 1));

        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.getRaw()).isEmpty();
            assertThat(r.getPage()).isEqualTo(1);
            assertThat(r.getBatchId()).isEqualTo("B-REQ");
            assertThat(r.getSource()).isEqualTo("acme");
            assertThat(r.getCorrelationId()).isEqualTo(stub.seen(PAGE_1).get(0).requestId());
            assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
            assertThat(r.getFailure().getHttpStatus()).isEqualTo(404);
        });
    }

    @Test
    void anUnparseablePageIsOneFailureRecord() throws Exception {
        stub.on(PAGE_1, json(200, "{\"records\":[{\"a\":"));

        List<RawRecord> out = run(request("acme", 1));

        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.getRaw()).isEmpty();
            assertThat(r.getFailure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
            assertThat(r.getFailure().getAttempts()).isEqualTo(4);
        });
    }

    @Test
    void theOperatorTimeoutYieldsOneFailureRecord() throws Exception {
        stub.on(PAGE_1, stub.stallBody());

        harness.processElement(request("acme", 1), 0);
        while (stub.seen(PAGE_1).isEmpty()) {
            Thread.onSpinWait();
        }
        harness.setProcessingTime(AsyncHarness.TIMEOUT_MS + 1);
        harness.endInput();

        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(r.getRaw()).isEmpty();
            assertThat(r.getPage()).isEqualTo(1);
            assertThat(r.getFailure().getMessage()).startsWith("timed out after ");
            assertThat(r.getCorrelationId()).isEqualTo(stub.seen(PAGE_1).get(0).requestId());
        });
    }

    @Test
    void anUnknownCounterpartyIsOneFailureRecord() throws Exception {
        assertThat(run(request("nobody", 1))).singleElement()
                .satisfies(r -> assertThat(r.getFailure().getMessage()).contains("unknown counterparty nobody"));
    }

    @Test
    void fetchesManyPagesConcurrently() throws Exception {
        for (int p = 1; p <= 6; p++) {
            stub.on("/v1/feeds/" + FEED + "/batches/" + DATE + "/pages/" + p,
                    json(200, "{\"batch_id\":\"B-1\",\"records\":[{\"p\":" + p + ",\"i\":1},{\"p\":" + p + ",\"i\":2}]}"));
        }
        PageRequest[] requests = new PageRequest[6];
        for (int p = 1; p <= 6; p++) {
            requests[p - 1] = request("acme", p);
        }

        List<RawRecord> out = run(requests);

        assertThat(out).hasSize(12);
        assertThat(out).allSatisfy(r -> assertThat(r.getRaw()).startsWith("{\"p\":" + r.getPage() + ","));
    }
}
