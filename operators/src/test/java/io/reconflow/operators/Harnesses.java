package io.reconflow.operators;

import io.reconflow.operators.validate.ValidRecord;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Flink's operator harnesses with the job's own output serializers (the POJO serializer of
 * {@link ValidRecord#typeInfo}, Avro for result rows): left to type extraction, an output would
 * fall back to Kryo, which the job forbids.
 */
public final class Harnesses {
    private Harnesses() {}

    /** What a harness emitted to a side output (the harness has no queue until something is emitted). */
    public static <T> java.util.List<T> sideOutput(org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness<?> h,
                                                   org.apache.flink.util.OutputTag<T> tag) {
        java.util.Queue<org.apache.flink.streaming.runtime.streamrecord.StreamRecord<T>> q = h.getSideOutput(tag);
        return q == null ? java.util.List.of() : q.stream().map(org.apache.flink.streaming.runtime.streamrecord.StreamRecord::getValue).toList();
    }

    /** Opens a harness on empty state, or on {@code restore} (a snapshot of an earlier one). */
    public static <H extends org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness<?>> H open(
            H h, org.apache.flink.runtime.checkpoint.OperatorSubtaskState restore) throws Exception {
        if (restore != null) {
            h.initializeState(restore);
        } else {
            h.initializeEmptyState();
        }
        h.open();
        return h;
    }

    /** Snapshots the harness as a checkpoint would, and closes it: the operator is gone. */
    public static org.apache.flink.runtime.checkpoint.OperatorSubtaskState stop(
            org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness<?> h) throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot = h.snapshot(1L, 1L);
        h.close();
        return snapshot;
    }

    public static TypeSerializer<GenericRecord> avro(Schema schema) {
        return new GenericRecordAvroTypeInfo(schema).createSerializer(new SerializerConfigImpl());
    }

    public static TypeSerializer<ValidRecord> valid() {
        return serializer(ValidRecord.typeInfo(TestFeeds.energy()));
    }

    public static <T> TypeSerializer<T> serializer(TypeInformation<T> type) {
        return type.createSerializer(new SerializerConfigImpl());
    }

    public static <IN, OUT> OneInputStreamOperatorTestHarness<IN, OUT> process(
            ProcessFunction<IN, OUT> fn, TypeSerializer<OUT> out) throws Exception {
        OneInputStreamOperatorTestHarness<IN, OUT> h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(fn));
        h.setup(out);
        h.open();
        return h;
    }

    public static <IN, OUT> KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> keyed(
            KeyedProcessFunction<String, IN, OUT> fn, KeySelector<IN, String> key, TypeSerializer<OUT> out) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(fn), key, Types.STRING);
        h.setup(out);
        h.open();
        return h;
    }

    /** A keyed operator of the job's own (one that wraps its function), opened. */
    public static <IN, OUT> KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> keyed(
            org.apache.flink.streaming.api.operators.OneInputStreamOperator<IN, OUT> operator, KeySelector<IN, String> key,
            TypeSerializer<OUT> out) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, IN, OUT> h =
                new KeyedOneInputStreamOperatorTestHarness<>(operator, key, Types.STRING);
        h.setup(out);
        h.open();
        return h;
    }

    public static <IN1, IN2, OUT> KeyedTwoInputStreamOperatorTestHarness<String, IN1, IN2, OUT> keyedCo(
            KeyedCoProcessFunction<String, IN1, IN2, OUT> fn,
            KeySelector<IN1, String> key1, KeySelector<IN2, String> key2, TypeSerializer<OUT> out) throws Exception {
        return keyedCo(fn, key1, key2, out, null);
    }

    /** A keyed two-input harness restored from {@code state} (a harness snapshot), or fresh when it is null. */
    public static <IN1, IN2, OUT> KeyedTwoInputStreamOperatorTestHarness<String, IN1, IN2, OUT> keyedCo(
            KeyedCoProcessFunction<String, IN1, IN2, OUT> fn,
            KeySelector<IN1, String> key1, KeySelector<IN2, String> key2, TypeSerializer<OUT> out,
            org.apache.flink.runtime.checkpoint.OperatorSubtaskState state) throws Exception {
        KeyedTwoInputStreamOperatorTestHarness<String, IN1, IN2, OUT> h =
                new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(fn), key1, key2, Types.STRING);
        h.setup(out);
        if (state != null) {
            h.initializeState(state);
        }
        h.open();
        return h;
    }
}
