package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.FetchTask;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.core.io.InputStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The counterparty source hands the chained page fetch a page request only when its queue has a
 * free place (so the task idles rather than waits busy in a full queue), and none of a paused
 * counterparty (so it never waits on a queue only a resume would free).
 */
class ReaderHoldsBackPagesTest {

    @RegisterExtension
    final SourceReaders readers = new SourceReaders();
    final StubCounterparty stub = readers.stub();
    final TestingReaderOutput<FetchTask> output = new TestingReaderOutput<>();

    SourceReader<FetchTask, FetchSplit> reader() {
        return readers.started(CounterpartyReaderTest.source(stub, 60_000).createReader(new TestingReaderContext()));
    }

    static io.reconflow.events.BatchRequest batch(String counterparty) {
        return CounterpartyReaderTest.batch(counterparty);
    }

    static io.reconflow.events.PageRequest page(int n) {
        return CounterpartyReaderTest.page(n);
    }

    static InputStatus poll(SourceReader<FetchTask, FetchSplit> reader, TestingReaderOutput<FetchTask> out, int records)
            throws Exception {
        return CounterpartyReaderTest.poll(reader, out, records);
    }

    @Test
    void noPageRequestWhileThePageFetchQueueIsFullAndAWakeUpWhenAPlaceFrees() throws Exception {
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        FetchSlots slots = FetchSlots.open(1); // as a page fetch chained on this (the task) thread
        try {
            SourceReader<FetchTask, FetchSplit> reader = reader();
            reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
            poll(reader, output, 2); // the manifest, then page 1
            assertThat(output.getEmittedRecords().get(1).getPage()).isEqualTo(page(1));
            slots.take();

            assertThat(reader.pollNext(output)).isEqualTo(InputStatus.NOTHING_AVAILABLE);
            CompletableFuture<Void> available = reader.isAvailable();
            assertThat(available).as("full: nothing to do until a place frees").isNotDone();
            assertThat(output.getEmittedRecords()).hasSize(2);

            slots.free();
            available.get(5, TimeUnit.SECONDS);
            reader.pollNext(output);
            assertThat(output.getEmittedRecords()).hasSize(3);
            assertThat(output.getEmittedRecords().get(2).getPage()).isEqualTo(page(2));
        } finally {
            slots.close();
        }
    }

    @Test
    void noPageRequestOfAPausedCounterpartyUntilItIsResumed() throws Exception {
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        PauseGate gate = PauseGate.of("acme");
        try {
            SourceReader<FetchTask, FetchSplit> reader = reader();
            reader.addSplits(List.of(FetchSplit.of(batch("acme"))));
            poll(reader, output, 1); // the manifest
            gate.pause("test");
            reader.pollNext(output);
            assertThat(reader.pollNext(output)).isEqualTo(InputStatus.NOTHING_AVAILABLE);
            CompletableFuture<Void> available = reader.isAvailable();
            assertThat(available).isNotDone();
            assertThat(output.getEmittedRecords()).hasSize(1);

            gate.resume();
            available.get(5, TimeUnit.SECONDS);
            poll(reader, output, 2);
            assertThat(output.getEmittedRecords()).extracting(FetchTask::getPage).containsExactly(null, page(1), page(2));
            assertThat(reader.snapshotState(1L)).isEmpty();
        } finally {
            gate.resume();
        }
    }
}
