package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.RECORD_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.RECORD_2;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.FetchTask;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.operators.Tags;
import java.util.List;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The functions travel in the job graph as Java-serialized bytes: the copy a task manager
 * deserializes must still reach the counterparty, with its settings and token, and do the work.
 */
class FetchFunctionsSerializationTest {

    @RegisterExtension
    final StubCounterparty stub = StubCounterparty.started();

    @Test
    void aDeserializedFetchPageFetchesThePageWithItsToken() throws Exception {
        stub.on(PAGE_1, json(200, PAGE));
        FetchPage copy = InstantiationUtil.clone(new FetchPage(stub.acme(), settings(), endpoint -> TOKEN));

        OneInputStreamOperatorTestHarness<PageRequest, RawRecord> harness = AsyncHarness.open(copy, PageRequest.class);
        try {
            harness.processElement(PageRequest.newBuilder().setCounterparty("acme").setFeed(FEED).setBusinessDate(DATE)
                    .setBatchId("B-1").setPage(1).setPageCount(2).build(), 0);
            harness.endInput();
            assertThat(harness.extractOutputValues()).extracting(RawRecord::getRaw).containsExactly(RECORD_1, RECORD_2);
        } finally {
            harness.close();
        }
        assertThat(stub.seen(PAGE_1)).singleElement()
                .satisfies(s -> assertThat(s.authorization()).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void aDeserializedCounterpartySourceReadsTheManifest() throws Exception {
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        BatchRequest batch = BatchRequest.newBuilder().setCounterparty("acme").setFeed(FEED).setBusinessDate(DATE).build();
        CounterpartySource copy = InstantiationUtil.clone(
                new CounterpartySource(List.of(batch), stub.acme(), settings(), 60_000, endpoint -> TOKEN));

        TestingReaderOutput<FetchTask> out = new TestingReaderOutput<>();
        SourceReader<FetchTask, FetchSplit> reader = copy.createReader(new TestingReaderContext());
        try {
            reader.start();
            reader.addSplits(List.of(FetchSplit.of(batch)));
            CounterpartyReaderTest.poll(reader, out, 1);
        } finally {
            reader.close();
        }
        assertThat(out.getEmittedRecords()).singleElement().satisfies(t -> {
            assertThat(t.getManifest().getFailure()).isNull();
            assertThat(t.getManifest().getBatchId()).isEqualTo("B-1");
            assertThat(t.getManifest().getPageCount()).isEqualTo(2);
        });
        assertThat(stub.seen(MANIFEST_PATH)).singleElement()
                .satisfies(s -> assertThat(s.authorization()).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void aDeserializedRouterKeepsItsReconName() throws Exception {
        RouteFetchTasks copy = InstantiationUtil.clone(new RouteFetchTasks("energy-recon"));
        BatchManifest failed = BatchManifest.newBuilder().setCounterparty("acme").setFeed(FEED).setBusinessDate(DATE)
                .setCorrelationId("req-1").setFailure(FetchFailure.newBuilder().setCode(ErrorCode.FETCH_FAILED)
                        .setHttpStatus(503).setMessage("HTTP 503").setAttempts(6).build()).build();
        OneInputStreamOperatorTestHarness<FetchTask, PageRequest> harness = ProcessFunctionTestHarnesses.forProcessFunction(copy);
        try {
            harness.processElement(FetchTask.newBuilder().setManifest(failed).setPage(null).build(), 0);
            assertThat(harness.getSideOutput(Tags.REJECTS)).singleElement().satisfies(r -> {
                assertThat(r.getValue().getRecon()).isEqualTo("energy-recon");
                assertThat(r.getValue().getErrorCode()).isEqualTo(ErrorCode.FETCH_FAILED);
            });
        } finally {
            harness.close();
        }
    }
}
