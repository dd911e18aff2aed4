package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.connector.testutils.source.reader.TestingSplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;

class BatchEnumeratorTest {

    static BatchRequest batch(String counterparty, String date) {
        return BatchRequest.newBuilder().setCounterparty(counterparty).setFeed("energy-confirmations").setBusinessDate(date).build();
    }

    static final List<BatchRequest> BATCHES = List.of(
            batch("acme", "2024-03-01"), batch("zenith", "2024-03-01"), batch("acme", "2024-03-02"));

    final CounterpartySource source = new CounterpartySource(BATCHES,
            Map.of("acme", new CounterpartyEndpoint("acme", "http://127.0.0.1:1", "ACME_TOKEN")), FetchSettings.defaults(), 1000);

    static List<FetchSplit> assigned(TestingSplitEnumeratorContext<FetchSplit> context, int subtask) {
        return context.getSplitAssignments().containsKey(subtask)
                ? context.getSplitAssignments().get(subtask).getAssignedSplits() : List.of();
    }

    @Test
    void assignsOneBatchPerRequestThenSignalsNoMore() throws Exception {
        TestingSplitEnumeratorContext<FetchSplit> context = new TestingSplitEnumeratorContext<>(2);
        context.registerReader(0, "localhost");
        context.registerReader(1, "localhost");
        SplitEnumerator<FetchSplit, EnumeratorCheckpoint> enumerator = source.createEnumerator(context);
        enumerator.start();

        enumerator.handleSplitRequest(0, "localhost");
        enumerator.handleSplitRequest(1, "localhost");
        enumerator.handleSplitRequest(0, "localhost");
        assertThat(context.getSplitAssignments().get(0).hasReceivedNoMoreSplitsSignal()).isFalse();
        enumerator.handleSplitRequest(0, "localhost");
        enumerator.handleSplitRequest(1, "localhost");

        assertThat(assigned(context, 0)).extracting(FetchSplit::batch).containsExactly(BATCHES.get(0), BATCHES.get(2));
        assertThat(assigned(context, 1)).extracting(FetchSplit::batch).containsExactly(BATCHES.get(1));
        assertThat(assigned(context, 0)).allSatisfy(s -> assertThat(s.manifest()).isNull());
        assertThat(context.getSplitAssignments().get(0).hasReceivedNoMoreSplitsSignal()).isTrue();
        assertThat(context.getSplitAssignments().get(1).hasReceivedNoMoreSplitsSignal()).isTrue();
    }

    @Test
    void restoresItsPendingBatchesAndTakesBackAFailedReadersSplitsWithTheirCursor() throws Exception {
        TestingSplitEnumeratorContext<FetchSplit> context = new TestingSplitEnumeratorContext<>(1);
        context.registerReader(0, "localhost");
        SplitEnumerator<FetchSplit, EnumeratorCheckpoint> enumerator = source.createEnumerator(context);
        enumerator.handleSplitRequest(0, "localhost");

        SimpleVersionedSerializer<EnumeratorCheckpoint> serializer = source.getEnumeratorCheckpointSerializer();
        EnumeratorCheckpoint pending = serializer.deserialize(serializer.getVersion(), serializer.serialize(enumerator.snapshotState(1)));
        assertThat(pending.pending()).extracting(FetchSplit::batch).containsExactly(BATCHES.get(1), BATCHES.get(2));

        TestingSplitEnumeratorContext<FetchSplit> after = new TestingSplitEnumeratorContext<>(1);
        SplitEnumerator<FetchSplit, EnumeratorCheckpoint> restored = source.restoreEnumerator(after, pending);
        BatchManifest manifest = BatchManifest.newBuilder().setCounterparty("acme").setFeed("energy-confirmations")
                .setBusinessDate("2024-03-01").setCorrelationId("req-1").setBatchId("B-1").setPageCount(9).build();
        FetchSplit midBatch = new FetchSplit(BATCHES.get(0), manifest, 5);
        restored.addSplitsBack(List.of(midBatch), 0);
        restored.handleSplitRequest(0, "localhost"); // before the reader registered: served when it does
        assertThat(assigned(after, 0)).isEmpty();
        after.registerReader(0, "localhost");
        restored.addReader(0);
        for (int i = 0; i < 3; i++) {
            restored.handleSplitRequest(0, "localhost");
        }

        assertThat(assigned(after, 0)).containsExactly(midBatch, FetchSplit.of(BATCHES.get(1)), FetchSplit.of(BATCHES.get(2)));
        assertThat(after.getSplitAssignments().get(0).hasReceivedNoMoreSplitsSignal()).isTrue();
    }
}
