package io.reconflow.operators.fetch;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.functions.async.AsyncFunction;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.avro.specific.SpecificRecord;

/** An async function inside Flink's real AsyncWaitOperator, driven by the operator test harness. */
final class AsyncHarness {

    /** The operator's timeout in (test) processing time; tests fire it with setProcessingTime. */
    static final long TIMEOUT_MS = 60_000;

    private AsyncHarness() {}

    static <IN extends SpecificRecord, OUT> OneInputStreamOperatorTestHarness<IN, OUT> open(
            AsyncFunction<IN, OUT> fn, Class<IN> inType) throws Exception {
        TypeSerializer<IN> in = new AvroSerializer<>(inType);
        OneInputStreamOperatorTestHarness<IN, OUT> h = new OneInputStreamOperatorTestHarness<>(
                new AsyncWaitOperatorFactory<>(fn, TIMEOUT_MS, 16, AsyncDataStream.OutputMode.UNORDERED), in);
        h.open();
        h.setProcessingTime(0);
        return h;
    }
}
