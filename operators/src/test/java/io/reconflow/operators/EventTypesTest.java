package io.reconflow.operators;

import io.reconflow.operators.dedup.SeenContent;
import io.reconflow.operators.match.MatchSides;
import io.reconflow.operators.match.ResultRows;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.PageRequest;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.AvroSchemas;
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
import io.reconflow.events.Side;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.types.PojoTestUtils;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every type that travels between operators or sits in state is serialized by Avro (events, result
 * rows) or by Flink's own POJO and Row serializers (validated records, dedup state), never by Kryo.
 */
class EventTypesTest {

    @ParameterizedTest
    @ValueSource(classes = {BatchRequest.class, BatchManifest.class, PageRequest.class, io.reconflow.events.FetchTask.class, RawRecord.class, Reject.class, FetchFailure.class})
    void eventTypesAreAvroTypes(Class<?> type) {
        assertThat(TypeInformation.of(type)).isInstanceOf(AvroTypeInfo.class);
    }

    @Test
    void validRecordHasItsOwnSerializer() {
        assertThat(ValidRecord.typeInfo(TestFeeds.energy())).isInstanceOf(io.reconflow.operators.validate.ValidRecordTypeInfo.class);
        assertThat(ValidRecord.typeInfo(TestFeeds.energy()).createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(io.reconflow.operators.validate.ValidRecordSerializer.class);
    }

    @Test
    void validRecordOfEarlierVersionsIsAPojoWithATypedRowAndNoGenericTypeAnywhere() {
        TypeInformation<ValidRecord> type = ValidRecord.pojoTypeInfo(TestFeeds.energy());
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        assertThat(genericTypes(type)).isEmpty();
        PojoTypeInfo<ValidRecord> pojo = (PojoTypeInfo<ValidRecord>) type;
        TypeInformation<?> values = pojo.getTypeAt(pojo.getFieldIndex("values"));
        assertThat(values).isInstanceOf(RowTypeInfo.class);
        assertThat(((RowTypeInfo) values).getFieldNames())
                .containsExactlyElementsOf(TestFeeds.energy().fields().stream().map(f -> f.name()).toList());
        assertThat(pojo.getTypeAt(pojo.getFieldIndex("side"))).isEqualTo(Types.ENUM(Side.class));
        // Exactly the earlier versions' type, so that the states their savepoints hold restore.
        assertThat(pojo.getTypeAt(pojo.getFieldIndex("raw"))).isEqualTo(Types.STRING);
    }

    @Test
    void validRecordAndResultRowRoundTripThroughTheirSerializers() throws Exception {
        ValidRecord record = new ValidRecords().counterparty(TestFeeds.trade("T-1"), 1);
        ValidRecord back = roundTrip(ValidRecord.typeInfo(TestFeeds.energy()), record);
        assertSame(back, record);
        assertThat(back.values.getField(TestFeeds.energy().field("price").position()))
                .isEqualTo(new java.math.BigDecimal("43.210000000000000000")).isNotSameAs(record.values.getField(TestFeeds.energy().field("price").position()));

        GenericRecord row = new ResultRows("energy", TestFeeds.energy()).unmatched(record);
        assertThat(roundTrip(new GenericRecordAvroTypeInfo(AvroSchemas.result(TestFeeds.energy())), row)).isEqualTo(row);

        // The raw text travels whole, whatever its characters.
        record.raw = "{\"delivery_point\": \"Zürich — €\"}";
        assertThat(roundTrip(ValidRecord.typeInfo(TestFeeds.energy()), record).raw).isEqualTo("{\"delivery_point\": \"Zürich — €\"}");

        // Absent values and context survive as null.
        record.batchId = null;
        record.page = null;
        record.raw = null;
        record.values.setField(TestFeeds.energy().field("trade_time").position(), null);
        assertSame(roundTrip(ValidRecord.typeInfo(TestFeeds.energy()), record), record);
    }

    @Test
    void dedupStateIsAPojo() throws Exception {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(SeenContent.class);
        assertThat(genericTypes(SeenContent.typeInfo())).isEmpty();
        SeenContent seen = new SeenContent(new byte[] {1, 2, 3}, "B-1", new java.util.ArrayList<>(List.of("B-1", "B-2")));
        assertThat(roundTrip(SeenContent.typeInfo(), seen)).usingRecursiveComparison().isEqualTo(seen);
    }

    @Test
    void matchStateHoldsBothSidesInOneTypedPojo() throws Exception {
        TypeInformation<MatchSides> type = MatchSides.typeInfo(TestFeeds.energy());
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        assertThat(genericTypes(type)).isEmpty();
        MatchSides held = new MatchSides();
        held.internal = new ValidRecords().internal(TestFeeds.trade("T-1"), 1);
        MatchSides back = roundTrip(type, held);
        assertSame(back.internal, held.internal);
        assertThat(back.counterparty).isNull();
        assertThat(back.decided).isFalse();
        held.counterparty = new ValidRecords().counterparty(TestFeeds.trade("T-1"), 2);
        held.decided = true;
        back = roundTrip(type, held);
        assertSame(back.counterparty, held.counterparty);
        assertThat(back.decided).isTrue();
    }

    private static void assertSame(ValidRecord actual, ValidRecord expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("values").isEqualTo(expected);
        assertThat(actual.values).isEqualTo(expected.values);
    }

    /** Every GenericTypeInfo (a Kryo fallback) within a type, however deeply nested. */
    private static List<TypeInformation<?>> genericTypes(TypeInformation<?> type) {
        List<TypeInformation<?>> found = new ArrayList<>();
        if (type instanceof GenericTypeInfo<?>) {
            found.add(type);
        }
        if (type instanceof CompositeType<?> composite) {
            for (int i = 0; i < composite.getArity(); i++) {
                found.addAll(genericTypes(composite.getTypeAt(i)));
            }
        }
        return found;
    }

    private static <T> T roundTrip(TypeInformation<T> type, T value) throws Exception {
        TypeSerializer<T> s = type.createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(value, out);
        return s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
