package io.reconflow.operators.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.junit.jupiter.api.Test;

class QuietCloseSinkTest {

    /** A writer whose database is down: flushing and closing both fail. */
    static final class DownWriter implements StatefulSinkWriter<String, String>, CommittingSinkWriter<String, String> {
        final List<String> calls = new ArrayList<>();
        final Collection<String> restoredFrom;

        DownWriter(Collection<String> restoredFrom) {
            this.restoredFrom = restoredFrom;
        }

        @Override
        public void write(String element, Context context) {
            calls.add("write " + element);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            throw new IOException("connection refused");
        }

        @Override
        public List<String> snapshotState(long checkpointId) {
            return List.of("state-" + checkpointId);
        }

        @Override
        public Collection<String> prepareCommit() {
            return List.of("committable");
        }

        @Override
        public void close() {
            calls.add("close");
            throw new RuntimeException("Writing records to JDBC failed.");
        }
    }

    static final class DownSink implements Sink<String>, SupportsWriterState<String, String>, SupportsCommitter<String> {
        DownWriter last;

        @Override
        public SinkWriter<String> createWriter(WriterInitContext context) {
            throw new AssertionError("the wrapper restores from an empty state instead");
        }

        @Override
        public StatefulSinkWriter<String, String> restoreWriter(WriterInitContext context, Collection<String> state) {
            last = new DownWriter(state);
            return last;
        }

        @Override
        public SimpleVersionedSerializer<String> getWriterStateSerializer() {
            return null;
        }

        @Override
        public Committer<String> createCommitter(CommitterInitContext context) {
            return null;
        }

        @Override
        public SimpleVersionedSerializer<String> getCommittableSerializer() {
            return null;
        }
    }

    @Test
    void closeLogsInsteadOfThrowingWhileWriteFlushAndCommitGoThrough() throws Exception {
        DownSink down = new DownSink();
        QuietCloseSink<String, String, String> sink = new QuietCloseSink<>("ledger-test", down);

        StatefulSinkWriter<String, String> writer = sink.restoreWriter(null, List.of("saved"));
        writer.write("row", null);
        assertThat(writer.snapshotState(7)).containsExactly("state-7");
        @SuppressWarnings("unchecked")
        CommittingSinkWriter<String, String> committing = (CommittingSinkWriter<String, String>) writer;
        assertThat(committing.prepareCommit()).containsExactly("committable");
        assertThatThrownBy(() -> writer.flush(false)).isInstanceOf(IOException.class).hasMessage("connection refused");
        writer.close();

        assertThat(down.last.restoredFrom).containsExactly("saved");
        assertThat(down.last.calls).containsExactly("write row", "close");
        sink.createWriter(null);
        assertThat(down.last.restoredFrom).isEmpty();
    }
}
