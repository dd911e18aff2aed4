package io.reconflow.operators.ledger;

import java.io.IOException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink whose writer's {@code close()} logs instead of throwing. The JDBC writer flushes what it
 * still holds on close; when the database is down that throws, and Flink 2.3 treats an exception
 * while a failed task cleans up as fatal to the whole TaskManager. Nothing is lost by not throwing:
 * a close with rows still pending only happens on the failure path, after which the job restarts
 * from its last checkpoint and writes those rows again (idempotent upserts). A failure while
 * writing or flushing on a checkpoint or at the end of input still fails the job.
 */
final class QuietCloseSink<IN, S, C> implements Sink<IN>, SupportsWriterState<IN, S>, SupportsCommitter<C> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(QuietCloseSink.class);

    private final String name;
    private final Sink<IN> sink;

    /** @param sink a sink with writer state and a committer, as Flink's JdbcSink */
    <T extends Sink<IN> & SupportsWriterState<IN, S> & SupportsCommitter<C>> QuietCloseSink(String name, T sink) {
        this.name = name;
        this.sink = sink;
    }

    @SuppressWarnings("unchecked")
    private SupportsWriterState<IN, S> stateful() {
        return (SupportsWriterState<IN, S>) sink;
    }

    @SuppressWarnings("unchecked")
    private SupportsCommitter<C> committing() {
        return (SupportsCommitter<C>) sink;
    }

    @Override
    public SinkWriter<IN> createWriter(WriterInitContext context) throws IOException {
        return new Writer(stateful().restoreWriter(context, List.of()));
    }

    @Override
    public StatefulSinkWriter<IN, S> restoreWriter(WriterInitContext context, Collection<S> recoveredState) throws IOException {
        return new Writer(stateful().restoreWriter(context, recoveredState));
    }

    @Override
    public SimpleVersionedSerializer<S> getWriterStateSerializer() {
        return stateful().getWriterStateSerializer();
    }

    @Override
    public Committer<C> createCommitter(CommitterInitContext context) throws IOException {
        return committing().createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<C> getCommittableSerializer() {
        return committing().getCommittableSerializer();
    }

    private final class Writer implements StatefulSinkWriter<IN, S>, CommittingSinkWriter<IN, C> {
        private final StatefulSinkWriter<IN, S> delegate;

        Writer(StatefulSinkWriter<IN, S> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(IN element, Context context) throws IOException, InterruptedException {
            delegate.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            delegate.flush(endOfInput);
        }

        @Override
        public List<S> snapshotState(long checkpointId) throws IOException {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Collection<C> prepareCommit() throws IOException, InterruptedException {
            return ((CommittingSinkWriter<IN, C>) delegate).prepareCommit();
        }

        @Override
        public void close() {
            try {
                delegate.close();
            } catch (Exception e) {
                LOG.warn("{}: closing the writer failed ({}); the rows it held are written again after the restart",
                        name, e.toString());
            }
        }
    }
}
