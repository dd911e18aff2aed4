package io.reconflow.operators;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Reject;
import io.reconflow.operators.feed.AvroSchemas;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.formats.avro.typeutils.GenericRecordAvroTypeInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every type that travels between operators is serialized by Avro, never by Kryo. */
class EventTypesTest {

    @ParameterizedTest
    @ValueSource(classes = {BatchRequest.class, BatchManifest.class, PageRequest.class, io.reconflow.events.FetchTask.class, RawRecord.class, Reject.class, FetchFailure.class})
    void eventTypesAreAvroTypes(Class<?> type) {
        assertThat(TypeInformation.of(type)).isInstanceOf(AvroTypeInfo.class);
    }

    @Test
    void envelopeAndResultRoundTripThroughTheirAvroSerializer() throws Exception {
        Envelopes envelopes = new Envelopes();
        GenericRecord envelope = envelopes.counterparty(TestFeeds.trade("T-1"), 1);
        assertThat(roundTrip(new GenericRecordAvroTypeInfo(AvroSchemas.envelope(TestFeeds.energy())), envelope))
                .isEqualTo(envelope);
        GenericRecord row = new ResultRows("energy", TestFeeds.energy()).unmatched(envelope);
        assertThat(roundTrip(new GenericRecordAvroTypeInfo(AvroSchemas.result(TestFeeds.energy())), row)).isEqualTo(row);
    }

    private static <T> T roundTrip(TypeInformation<T> type, T value) throws Exception {
        TypeSerializer<T> s = type.createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(value, out);
        return s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
