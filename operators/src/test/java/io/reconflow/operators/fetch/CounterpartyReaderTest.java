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
import io.reconflow.events.FetchTask;
import io.reconflow.events.PageRequest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.metrics.groups.InternalSourceReaderMetricGroup;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The counterparty source's reader against a stub counterparty on 127.0.0.1. */
class CounterpartyReaderTest {

    @RegisterExtension
    final SourceReaders readers = new SourceReaders();
    final StubCounterparty stub = readers.stub();
    TestingReaderContext context = new TestingReaderContext();
    final TestingReaderOutput<FetchTask> output = new TestingReaderOutput<>();

    static CounterpartySource source(StubCounterparty stub, long manifestTimeoutMs) {
        return new CounterpartySource(List.of(), stub.acme(), settings(), manifestTimeoutMs, endpoint -> TOKEN);
    }

    CounterpartySource source(long manifestTimeoutMs) {
        return source(stub, manifestTimeoutMs);
    }

    SourceReader<FetchTask, FetchSplit> reader() {
        return readers.started(source(60_000).createReader(context));
    }

    static BatchRequest batch(String counterparty) {
        return BatchRequest.newBuilder().setCounterparty(counterparty).setFeed(FEED).setBusinessDate(DATE).build();
    }

    /** Polls until {@code records} more were emitted, waiting on the availability future when told to. */
    static InputStatus poll(SourceReader<FetchTask, FetchSplit> reader, TestingReaderOutput<FetchTask> out, int records)
            throws Exception {
        int target = out.getEmittedRecords().size() + records;
        InputStatus status = InputStatus.MORE_AVAILABLE;
        while (out.getEmittedRecords().size() < target && status != InputStatus.END_OF_INPUT) {
            status = reader.pollNext(out);
            if (status == InputStatus.NOTHING_AVAILABLE) {
                reader.isAvailable().get(10, TimeUnit.SECONDS);
            }
        }
        return status;
    }

    /** Everything until the end of input. */
    static List<FetchTask> drain(SourceReader<FetchTask, FetchSplit> reader, TestingReaderOutput<FetchTask> out)
            throws Exception {
        while (poll(reader, out, Integer.MAX_VALUE / 2) != InputStatus.END_OF_INPUT) {
            Thread.onSpinWait();
        }
        return out.getEmittedRecords();
    }

    static PageRequest page(int n) {
        return PageRequest.newBuilder().setCounterparty("acme").setFeed(FEED).setBusinessDate(DATE)
                .setBatchId("B-1").setPage(n).setPageCount(2).build();
    }

    @Test
    void emitsTheManifestThenOnePageRequestPerPoll() throws Exception {
        stub.on(MANIFEST_PATH, status(502), json(200, MANIFEST));
        SourceReader<FetchTask, FetchSplit> reader = reader();
        reader.addSplits(List.of(FetchSplit.of(batch("acme"))));

        poll(reader, output, 1);
        BatchManifest m = output.getEmittedRecords().get(0).getManifest();
        assertThat(m.getFailure()).isNull();
        assertThat(m.getBatchId()).isEqualTo("B-1");
        assertThat(m.getPageCount()).isEqualTo(2);
        assertThat(m.getControlTotal()).isEqualTo("150.500");
        assertThat(m.getCorrelationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(1).requestId());

        assertThat(reader.pollNext(output)).isEqualTo(InputStatus.MORE_AVAILABLE);
        assertThat(output.getEmittedRecords()).hasSize(2);
        assertThat(output.getEmittedRecords().get(1).getPage()).isEqualTo(page(1));
        reader.pollNext(output);
        assertThat(output.getEmittedRecords()).hasSize(3);
        assertThat(output.getEmittedRecords().get(2).getPage()).isEqualTo(page(2));

        reader.notifyNoMoreSplits();
        assertThat(reader.pollNext(output)).isEqualTo(InputStatus.END_OF_INPUT);
        assertThat(stub.seen()).extracting(StubCounterparty.Seen::path).containsOnly(MANIFEST_PATH);
    }

    @Test
    void aCheckpointMidBatchRecordsExactlyThePagesEmittedAndARestoredReaderGoesOnFromThere() throws Exception {
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        SourceReader<FetchTask, FetchSplit> reader = reader();
        reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
        poll(reader, output, 2); // the manifest and page 1

        List<FetchSplit> snapshot = reader.snapshotState(1);
        assertThat(snapshot).singleElement().satisfies(s -> {
            assertThat(s.manifest()).isEqualTo(output.getEmittedRecords().get(0).getManifest());
            assertThat(s.nextPage()).isEqualTo(2);
        });

        SimpleVersionedSerializer<FetchSplit> serializer = source(1).getSplitSerializer();
        FetchSplit restored = serializer.deserialize(serializer.getVersion(), serializer.serialize(snapshot.get(0)));
        assertThat(restored).isEqualTo(snapshot.get(0));

        TestingReaderOutput<FetchTask> after = new TestingReaderOutput<>();
        SourceReader<FetchTask, FetchSplit> resumed = reader();
        resumed.addSplits(List.of(restored));
        resumed.notifyNoMoreSplits();
        assertThat(drain(resumed, after)).extracting(FetchTask::getPage).containsExactly(page(2));
        assertThat(stub.seen(MANIFEST_PATH)).hasSize(1); // the manifest is not fetched again
        assertThat(resumed.snapshotState(2)).isEmpty();
    }

    @Test
    void aSplitCheckpointedBeforeItsManifestArrivedFetchesItAgain() throws Exception {
        stub.on(MANIFEST_PATH, stub.stallBody());
        SourceReader<FetchTask, FetchSplit> reader = reader();
        reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
        while (stub.seen(MANIFEST_PATH).isEmpty()) {
            Thread.onSpinWait();
        }
        assertThat(reader.pollNext(output)).isEqualTo(InputStatus.NOTHING_AVAILABLE);
        assertThat(reader.isAvailable()).isNotDone();
        List<FetchSplit> snapshot = reader.snapshotState(1);
        assertThat(snapshot).containsExactly(FetchSplit.of(batch("acme")));

        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        TestingReaderOutput<FetchTask> after = new TestingReaderOutput<>();
        SourceReader<FetchTask, FetchSplit> resumed = reader();
        resumed.addSplits(snapshot);
        resumed.notifyNoMoreSplits();
        List<FetchTask> out = drain(resumed, after);
        assertThat(out).hasSize(3);
        assertThat(out.get(0).getManifest().getBatchId()).isEqualTo("B-1");
        assertThat(out.subList(1, 3)).extracting(FetchTask::getPage).containsExactly(page(1), page(2));
    }

    @Test
    void aFailedFetchBecomesAFailedManifestAndTheBatchEnds() throws Exception {
        stub.on(MANIFEST_PATH, status(403));
        SourceReader<FetchTask, FetchSplit> reader = reader();
        reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
        reader.notifyNoMoreSplits();

        List<FetchTask> out = drain(reader, output);

        assertThat(out).hasSize(1);
        BatchManifest m = out.get(0).getManifest();
        assertThat(m.getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(m.getFailure().getHttpStatus()).isEqualTo(403);
        assertThat(m.getFailure().getAttempts()).isEqualTo(1);
        assertThat(m.getCorrelationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(0).requestId());
        assertThat(m.getBatchId()).isNull();
        assertThat(m.getPageCount()).isNull();
    }

    @Test
    void anUnknownCounterpartyBecomesAFailedManifest() throws Exception {
        SourceReader<FetchTask, FetchSplit> reader = reader();
        reader.addSplits(List.of(FetchSplit.of(batch("nobody"))));
        reader.notifyNoMoreSplits();

        List<FetchTask> out = drain(reader, output);

        assertThat(out).singleElement().satisfies(t -> {
            assertThat(t.getManifest().getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
            assertThat(t.getManifest().getFailure().getMessage()).contains("unknown counterparty nobody");
        });
        assertThat(stub.seen()).isEmpty();
    }

    @Test
    void theBackstopTimeoutYieldsAFailedManifestNamingTheLastRequest() throws Exception {
        stub.on(MANIFEST_PATH, stub.stallBody());
        SourceReader<FetchTask, FetchSplit> reader = source(300).createReader(context);
        readers.add(reader);
        reader.start();
        reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
        reader.notifyNoMoreSplits();

        List<FetchTask> out = drain(reader, output);

        BatchManifest m = out.get(0).getManifest();
        assertThat(m.getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(m.getFailure().getMessage()).startsWith("timed out after ");
        assertThat(m.getCorrelationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(0).requestId());
    }

    @Test
    void asksForOneBatchAtATimeWhileItHasRoomForMore() throws Exception {
        SourceReader<FetchTask, FetchSplit> reader = reader();
        assertThat(context.getNumSplitRequests()).isEqualTo(1);
        for (int i = 1; i <= CounterpartyReader.OPEN_BATCHES; i++) {
            BatchRequest b = BatchRequest.newBuilder(batch("nobody")).setBusinessDate("2024-03-0" + i).build();
            reader.addSplits(List.of(FetchSplit.of(b)));
            assertThat(context.getNumSplitRequests()).isEqualTo(Math.min(i + 1, CounterpartyReader.OPEN_BATCHES));
        }
        poll(reader, output, 1); // one batch done: room for another
        assertThat(context.getNumSplitRequests()).isEqualTo(CounterpartyReader.OPEN_BATCHES + 1);
        reader.notifyNoMoreSplits();
        assertThat(drain(reader, output)).hasSize(CounterpartyReader.OPEN_BATCHES);
        assertThat(context.getNumSplitRequests()).isEqualTo(CounterpartyReader.OPEN_BATCHES + 1);
    }

    @Test
    void reportsPagesKnownAndRequestedPerCounterpartyButNotTheSharedGauges() throws Exception {
        Map<String, Metric> metrics = new TreeMap<>();
        context = new TestingReaderContext(new Configuration(),
                InternalSourceReaderMetricGroup.mock(new FetchMetricsTest.Capturing("", metrics)));
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        SourceReader<FetchTask, FetchSplit> reader = reader();
        reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
        poll(reader, output, 2);

        assertThat(((Counter) metrics.get("counterparty.acme.pagesKnown")).getCount()).isEqualTo(2);
        assertThat(((Counter) metrics.get("counterparty.acme.pagesRequested")).getCount()).isEqualTo(1);
        assertThat(metrics).containsKey("counterparty.acme.requests")
                .doesNotContainKeys("counterparty.acme.inFlight", "counterparty.acme.circuitState");
    }

    @Test
    void aMissingTokenFailsTheReaderAtCreationNamingTheVariable() {
        String variable = "RECONFLOW_TEST_TOKEN_THAT_IS_NOT_SET_7D1F";
        CounterpartySource source = new CounterpartySource(List.of(),
                Map.of("acme", new CounterpartyEndpoint("acme", stub.baseUrl(), variable)), settings(), 60_000);

        assertThatThrownBy(() -> source.createReader(context))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("environment variable " + variable + " (bearer token of counterparty acme) is not set or empty");
    }
}
