package io.reconflow.job;

import io.reconflow.events.BatchOutcome;
import io.reconflow.events.FetchTask;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.operators.batch.BatchKey;
import io.reconflow.operators.batch.CheckBatchCompleteness;
import io.reconflow.operators.batch.FirstTallies;
import io.reconflow.operators.dedup.DedupKey;
import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.operators.dedup.DeduplicateRecordsOperator;
import io.reconflow.operators.match.MatchBySecondaryKey;
import io.reconflow.operators.match.MatchKey;
import io.reconflow.operators.match.SecondaryKey;
import io.reconflow.operators.match.MatchRecords;
import io.reconflow.operators.Tags;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.operators.validate.ValidateRecords;
import io.reconflow.domain.feed.AvroSchemas;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.operators.fetch.FetchPage;
import io.reconflow.operators.fetch.RouteFetchTasks;
import io.reconflow.operators.ledger.LedgerSinks;
import io.reconflow.domain.match.MatchPass;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import javax.annotation.Nullable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The reconciliation dataflow, assembled from the sources and sinks it is given, so that tests and
 * the demo plug in their own and {@code main} plugs in the real ones.
 *
 * <pre>
 * counterparty batches (source: manifests, then page requests) ─ route ─ fetch pages ─ validate ─┐
 *                                                                 │                       │      ├─ deduplicate ─ match ─ results
 * internal files ─────────────────────────────────────────────────┼──────────── validate ─┼──────┘        │         │
 *                                                                 │                       │  │            └─────────┴── rejects
 *                                                                 └─ manifests ── check batch completeness ─ batches
 *                                                                                         (tallies)
 * </pre>
 * Each validate is chained to its producer (one vertex with it), so that no raw record is serialized.
 */
public final class ReconPipeline {
    private ReconPipeline() {}

    /** The streams the dataflow ends in, for callers that attach more (or other) sinks. */
    public record Outputs(DataStream<GenericRecord> results, DataStream<Reject> rejects,
                          DataStream<BatchOutcome> batches, Schema resultSchema, ResultParts resultParts) {}

    /**
     * The streams {@code results} is the union of: match by key's rows, and each secondary-key
     * pass's (by pass name). Written apart so that match's own writer chains to it.
     */
    public record ResultParts(DataStream<GenericRecord> byMatchKey, Map<String, DataStream<GenericRecord>> byPass) {}

    /**
     * Where each output goes.
     *
     * @param results result rows ({@link AvroSchemas#result} of the feed)
     * @param rejects rejects
     * @param batches one outcome per counterparty batch
     * @param ledger the PostgreSQL exceptions ledger, or null for none
     */
    public record Sinks(Sink<GenericRecord> results, Sink<Reject> rejects, Sink<BatchOutcome> batches,
                        @Nullable LedgerSinks ledger) {}

    /**
     * @param internalRecords our records, from files
     * @param fetchTasks the counterparty source's manifests and page requests ({@link Sources#counterpartyBatches})
     */
    public static Outputs assemble(ReconConfig config, DataStream<RawRecord> internalRecords,
                                   DataStream<FetchTask> fetchTasks, Sinks sinks) {
        Outputs outputs = assemble(config, internalRecords, fetchTasks);
        // Each part to a writer of its own on the same dataset (part files are named by a random id
        // per writer): a writer with the union as its input could not chain to match, and every
        // result row was serialized to it over the network.
        outputs.resultParts().byMatchKey().sinkTo(sinks.results()).uid("results-sink").name("Write results (Parquet)");
        outputs.resultParts().byPass().forEach((pass, rows) -> rows.sinkTo(sinks.results())
                .uid("results-sink-pass-" + pass).name("Write results (Parquet), pass " + pass));
        outputs.rejects().sinkTo(sinks.rejects()).uid("rejects-sink").name("Write rejects (Parquet)");
        outputs.batches().sinkTo(sinks.batches()).uid("batches-sink").name("Write batch outcomes (Parquet)");
        if (sinks.ledger() != null) {
            // Results leave the keyed matcher with the sink's parallelism, so each key's outcomes reach
            // the ledger in the order they were decided.
            outputs.results().sinkTo(sinks.ledger().outcomes(config.feed()))
                    .uid("ledger-exceptions").name("Ledger: exceptions (PostgreSQL)");
            outputs.rejects().sinkTo(sinks.ledger().rejects())
                    .uid("ledger-rejects").name("Ledger: rejects (PostgreSQL)");
            outputs.batches().sinkTo(sinks.ledger().batches())
                    .uid("ledger-batches").name("Ledger: batches (PostgreSQL)");
        }
        return outputs;
    }

    /** The page requests (with the manifests and request rejects as their side outputs) and the records fetched. */
    public record Fetched(SingleOutputStreamOperator<PageRequest> pageRequests, SingleOutputStreamOperator<RawRecord> records) {}

    /**
     * The counterparty side up to the fetched records: routing of the source's manifests and page
     * requests, then the asynchronous page fetch (also used alone by the benchmark's fetch stage).
     */
    public static Fetched fetch(ReconConfig config, DataStream<FetchTask> fetchTasks) {
        Map<String, CounterpartyEndpoint> endpoints = new LinkedHashMap<>();
        config.counterparties().forEach(c -> endpoints.put(c.name(), c));
        // Above the whole retry budget, so that the operator's own timeout never cuts a request mid-retry.
        long asyncTimeoutMs = config.fetchOperatorTimeout().toMillis();
        // Chained to the source (the async operator chains with anything), so that page requests wait in
        // no network buffer: a barrier waits at most for one free place in the page fetch's queue.
        SingleOutputStreamOperator<PageRequest> pageRequests = fetchTasks
                .process(new RouteFetchTasks(config.name()))
                .returns(new AvroTypeInfo<>(PageRequest.class))
                .uid("route-fetch-tasks").name("Manifests and page requests");
        SingleOutputStreamOperator<RawRecord> records = AsyncDataStream.unorderedWait(pageRequests,
                        new FetchPage(endpoints, config.fetch()).pausedBy(config.pause()),
                        asyncTimeoutMs, TimeUnit.MILLISECONDS, config.fetch().capacity())
                .returns(new AvroTypeInfo<>(RawRecord.class))
                .uid("fetch-pages").name("Fetch pages");
        return new Fetched(pageRequests, records);
    }

    /** The dataflow without sinks. */
    public static Outputs assemble(ReconConfig config, DataStream<RawRecord> internalRecords,
                                   DataStream<FetchTask> fetchTasks) {
        // Continuous runs: keyed state carries a TTL as a safety net (bounded runs' state is unchanged).
        java.time.Duration stateTtl = config.isContinuous() ? config.continuous().stateTtl() : null;

        Fetched fetched = fetch(config, fetchTasks);
        SingleOutputStreamOperator<PageRequest> pageRequests = fetched.pageRequests();
        SingleOutputStreamOperator<RawRecord> counterpartyRecords = fetched.records();

        // Each side validated in an operator of its own, chained to its producer: validation after a
        // union of both had two inputs, could chain to neither, and every RawRecord crossed a
        // network edge (Avro-serialized). Stateless, so splitting it left no state behind.
        TypeInformation<ValidRecord> validType = ValidRecord.typeInfo(config.feed());
        SingleOutputStreamOperator<ValidRecord> validInternal = internalRecords
                .process(new ValidateRecords(config.name(), config.feed()))
                .returns(validType)
                .uid("validate-internal").name("Validate internal records");
        SingleOutputStreamOperator<ValidRecord> validCounterparty = counterpartyRecords
                .process(new ValidateRecords(config.name(), config.feed()))
                .returns(validType)
                .uid("validate-counterparty").name("Validate counterparty records");

        SingleOutputStreamOperator<ValidRecord> distinct = validInternal.union(validCounterparty)
                .keyBy(new DedupKey())
                // An operator around the function: it sends the function's per-batch counts of valid
                // records before each watermark and checkpoint barrier.
                .transform("Deduplicate by idempotency key", validType, new DeduplicateRecordsOperator(
                        new DeduplicateRecords(config.name(), config.feed(), config.dedupTtl(), config.isContinuous())))
                .uid("deduplicate");

        DataStream<ValidRecord> ours = distinct.filter(new OnSide(Side.INTERNAL))
                .returns(validType).uid("internal-side").name("Internal side");
        DataStream<ValidRecord> theirs = distinct.filter(new OnSide(Side.COUNTERPARTY))
                .returns(validType).uid("counterparty-side").name("Counterparty side");

        Schema resultSchema = AvroSchemas.result(config.feed());
        GenericRecordAvroTypeInfo resultType = new GenericRecordAvroTypeInfo(resultSchema);
        SingleOutputStreamOperator<GenericRecord> byMatchKey = ours.connect(theirs)
                .keyBy(new MatchKey(), new MatchKey())
                .process(new MatchRecords(config.name(), config.feed(), config.matching(), config.matchGrace(), stateTtl))
                .returns(resultType)
                .uid("match").name("Match by key");

        // Each secondary-key pass takes what the passes before it left unmatched.
        DataStream<GenericRecord> results = byMatchKey;
        Map<String, DataStream<GenericRecord>> byPass = new LinkedHashMap<>();
        SingleOutputStreamOperator<GenericRecord> previous = byMatchKey;
        List<MatchPass> keyedPasses = config.matching().keyedPasses();
        for (int i = 0; i < keyedPasses.size(); i++) {
            MatchPass pass = keyedPasses.get(i);
            SingleOutputStreamOperator<GenericRecord> next = previous.getSideOutput(Tags.unmatched(config.feed()))
                    .keyBy(new SecondaryKey(config.feed(), pass))
                    .process(new MatchBySecondaryKey(config.name(), config.feed(), config.matching(), pass.number(),
                            i == keyedPasses.size() - 1, config.matchGrace()).withStateTtl(stateTtl))
                    .returns(resultType)
                    // Short and stable: Flink cuts operator names in metric scopes at 80 characters.
                    .uid("match-pass-" + pass.name()).name("Match pass " + pass.number() + " (" + pass.name() + ")");
            results = results.union(next);
            byPass.put(pass.name(), next);
            previous = next;
        }

        // Only counterparty records are tallied: valid ones by deduplication, in sums per batch, which
        // go straight to the batch check; rejected ones by validation, one tally per record, which go
        // through FirstTallies to drop the same record's later tallies, spread over every subtask
        // before the batch check (a whole batch reaches that on one subtask). Our side's (empty)
        // tallies still bring its watermark, which holds the batch check's timers.
        DataStream<RecordTally> firstTallies = validInternal.getSideOutput(Tags.TALLIES)
                .union(validCounterparty.getSideOutput(Tags.TALLIES), distinct.getSideOutput(Tags.TALLIES))
                .keyBy(new BatchKey.OfDistinctRecord())
                .process(new FirstTallies(config.matchGrace(), stateTtl))
                .returns(new AvroTypeInfo<>(RecordTally.class))
                .uid("distinct-tallies").name("First tally per batch record");
        DataStream<RecordTally> distinctTallies = firstTallies.union(distinct.getSideOutput(Tags.BATCH_TALLIES));
        SingleOutputStreamOperator<BatchOutcome> batches = pageRequests.getSideOutput(Tags.MANIFESTS)
                .connect(distinctTallies)
                .keyBy(new BatchKey.OfManifest(), new BatchKey.OfTally())
                .process(new CheckBatchCompleteness(config.name(), config.feed().controlField() != null, config.matchGrace()).withStateTtl(stateTtl))
                .returns(new AvroTypeInfo<>(BatchOutcome.class))
                .uid("check-batches").name("Check batch completeness");

        DataStream<Reject> rejects = pageRequests.getSideOutput(Tags.REJECTS)
                .union(validInternal.getSideOutput(Tags.REJECTS), validCounterparty.getSideOutput(Tags.REJECTS),
                        distinct.getSideOutput(Tags.REJECTS));
        return new Outputs(results, rejects, batches, resultSchema, new ResultParts(byMatchKey, byPass));
    }

    /** Keeps the records of one side. */
    static final class OnSide implements FilterFunction<ValidRecord> {
        private static final long serialVersionUID = 1L;
        private final Side side;

        OnSide(Side side) {
            this.side = side;
        }

        @Override
        public boolean filter(ValidRecord record) {
            return record.side == side;
        }
    }
}
