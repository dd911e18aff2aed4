package io.reconflow.operators.ledger;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * Flink's at-least-once {@link JdbcSink}, unchanged but for closing its writer. The connector's
 * writer flushes what it holds when it is closed and throws if that fails; when the task is
 * already failing (the database is down), that second exception escapes Flink's failure handler,
 * which then kills the TaskManager. Here closing never waits for the database and never throws:
 * the rows it could not write came after the last checkpoint, so the restart writes them again.
 * A normal end of input has written everything before the writer is closed ({@code flush(true)}).
 */
public final class LedgerSink<T> implements Sink<T>, SupportsWriterState<T, JdbcWriterState>, SupportsCommitter<JdbcCommitable> {
    private static final long serialVersionUID = 1L;

    private final JdbcSink<T> jdbc;
    /** The same object as the one inside {@code jdbc}: serialized together, so they stay one. */
    private final EnvCredentialsConnectionProvider connections;

    LedgerSink(JdbcSink<T> jdbc, EnvCredentialsConnectionProvider connections) {
        this.jdbc = jdbc;
        this.connections = connections;
    }

    @Override
    public Writer<T> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(jdbc.createWriter(context), connections);
    }

    @Override
    public Writer<T> restoreWriter(WriterInitContext context, Collection<JdbcWriterState> state) throws IOException {
        return new Writer<>(jdbc.restoreWriter(context, state), connections);
    }

    @Override
    public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
        return jdbc.getWriterStateSerializer();
    }

    @Override
    public Committer<JdbcCommitable> createCommitter(CommitterInitContext context) throws IOException {
        return jdbc.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
        return jdbc.getCommittableSerializer();
    }

    /** The connector's writer, closed safely. */
    public static final class Writer<T> implements StatefulSinkWriter<T, JdbcWriterState>, CommittingSinkWriter<T, JdbcCommitable> {
        private static final Logger LOG = LoggerFactory.getLogger(LedgerSink.class);

        private final JdbcWriter<T> writer;
        private final EnvCredentialsConnectionProvider connections;

        Writer(JdbcWriter<T> writer, EnvCredentialsConnectionProvider connections) {
            this.writer = writer;
            this.connections = connections;
        }

        @Override
        public void write(T element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public List<JdbcWriterState> snapshotState(long checkpointId) throws IOException {
            return writer.snapshotState(checkpointId);
        }

        @Override
        public Collection<JdbcCommitable> prepareCommit() throws IOException, InterruptedException {
            return writer.prepareCommit();
        }

        @Override
        public void close() {
            connections.stopWaiting();
            try {
                writer.close();
            } catch (Exception e) {
                LOG.warn("The ledger writer could not write its last rows while closing; the restart from the last "
                        + "checkpoint writes them again: {}", e.toString());
            }
        }
    }
}
