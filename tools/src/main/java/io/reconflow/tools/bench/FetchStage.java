package io.reconflow.tools.bench;

import io.reconflow.events.RawRecord;
import io.reconflow.job.ReconConfig;
import io.reconflow.job.ReconPipeline;
import io.reconflow.job.ReconflowJob;
import io.reconflow.job.Sources;
import io.reconflow.sim.CounterpartySimulator;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job's fetch stage alone on a MiniCluster: the real counterparty source, route and async page
 * fetch, built as {@code ReconPipeline} builds them (same classes, settings, uids), their records
 * handed to a chained sink that counts and drops them. What the job could fetch if the stages after it
 * kept up; the whole job's figure is measured apart.
 */
final class FetchStage {

    /**
     * @param pages pages fetched whole; {@code failedPages} those the fetch gave up
     * @param millis from the first page request to the last record in the sink
     */
    record Result(long pages, long records, long failedPages, long millis) {
        double pagesPerSecond() {
            return pages * 1000.0 / Math.max(1, millis);
        }

        double recordsPerSecond() {
            return records * 1000.0 / Math.max(1, millis);
        }
    }

    // The MiniCluster runs in this JVM, so its sink can count into these.
    private static final AtomicLong RECORDS = new AtomicLong();
    private static final AtomicLong FAILURES = new AtomicLong();

    private FetchStage() {}

    /** Runs the stage twice over the simulator's batch (the first to warm up) and returns the second. */
    static Result run(ReconConfig config, CounterpartySimulator sim, int pages, int pageSize) throws Exception {
        once(config, sim, pages, pageSize);
        return once(config, sim, pages, pageSize);
    }

    private static Result once(ReconConfig config, CounterpartySimulator sim, int pages, int pageSize) throws Exception {
        sim.resetCounters();
        RECORDS.set(0);
        FAILURES.set(0);
        Configuration flink = ReconflowJob.flinkSettings(config);
        flink.addAll(ReconflowJob.localRunSettings());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(config.job().parallelism());
        plug(env, config);
        long expected = (long) pages * pageSize;
        JobClient job = env.executeAsync("reconflow fetch stage " + config.name());
        CompletableFuture<?> done = job.getJobExecutionResult();
        long start = 0;
        long end = 0;
        while (!done.isDone()) {
            if (start == 0 && sim.counters().totalRequests() >= 2) {
                start = System.nanoTime(); // the manifest, then the first page request
            }
            if (end == 0 && RECORDS.get() + FAILURES.get() * pageSize >= expected) {
                end = System.nanoTime();
            }
            Thread.sleep(1);
        }
        done.get();
        if (end == 0) {
            end = System.nanoTime();
        }
        long failed = FAILURES.get();
        return new Result(pages - failed, RECORDS.get(), failed, Math.max(1, (end - start) / 1_000_000));
    }

    /** The job's own counterparty side ({@link ReconPipeline#fetch}), up to the fetched records. */
    private static void plug(StreamExecutionEnvironment env, ReconConfig config) {
        DataStream<RawRecord> records = ReconPipeline.fetch(config, Sources.counterpartyBatches(env, config)).records();
        // Chained, like the seeds' pattern, which keeps its parsed pages in the process: the records are
        // handed on (copied, as between chained operators), not serialized to another task as the job does.
        records.sinkTo(new CountingDiscard()).uid("discard-records").name("Count and discard records");
    }

    /** Counts the records (and the failure records of pages given up) and keeps nothing. */
    private static final class CountingDiscard implements Sink<RawRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<RawRecord> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(RawRecord r, Context c) {
                    (r.getFailure() == null ? RECORDS : FAILURES).incrementAndGet();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
