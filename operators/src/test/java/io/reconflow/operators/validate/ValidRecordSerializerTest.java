package io.reconflow.operators.validate;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.events.Side;
import io.reconflow.operators.TestFeeds;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ValidRecordSerializer}: every field kind of every feed, nulls, copies, snapshots. */
class ValidRecordSerializerTest {

    private static FeedSpec feed(String name) {
        String schema = TestFeeds.schemaText(name);
        FeedSpec any = FeedSpec.of(name, schema, List.of(firstField(schema)), null, null);
        return any;
    }

    private static String firstField(String schema) {
        return new org.apache.avro.Schema.Parser().parse(schema).getFields().get(0).name();
    }

    /** A value of each field's kind, far from the simple cases: non-ASCII text, 38 digits, negatives. */
    private static Row valuesOf(FeedSpec feed, boolean everyOtherNull) {
        Row row = new Row(feed.fields().size());
        for (FieldSpec f : feed.fields()) {
            if (everyOtherNull && f.position() % 2 == 1) {
                continue;
            }
            row.setField(f.position(), switch (f.kind()) {
                case STRING, ENUM -> "Zürich — € " + f.name();
                case INT, DATE -> -20_000 - f.position();
                case LONG, TIMESTAMP -> -1_795_000_000_000_000L - f.position();
                case BOOLEAN -> f.position() % 3 == 0;
                case DECIMAL -> new BigDecimal("-12345678901234567890.123456789012345678");
            });
        }
        return row;
    }

    private static ValidRecord record(FeedSpec feed, boolean withNulls) {
        ValidRecord r = new ValidRecord();
        r.side = Side.COUNTERPARTY;
        r.source = "northpool-energy";
        r.businessDate = "2026-11-20";
        r.batchId = withNulls ? null : "batch-1";
        r.page = withNulls ? null : 7;
        r.line = withNulls ? null : 12_345_678_901L;
        r.correlationId = "req-ü";
        r.idempotencyKey = "a".repeat(64);
        r.contentHash = withNulls ? null : new byte[] {1, -2, 3};
        r.matchKey = "T-1\u0000x";
        r.raw = withNulls ? null : "{\"a\": \"é\"}";
        r.values = valuesOf(feed, withNulls);
        return r;
    }

    private static ValidRecord roundTrip(TypeSerializer<ValidRecord> s, ValidRecord r) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(r, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        ValidRecord back = s.deserialize(in);
        assertThat(in.available()).as("every byte read back").isZero();
        return back;
    }

    private static void assertSameRecord(ValidRecord actual, ValidRecord expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("values").isEqualTo(expected);
        assertThat(actual.values).isEqualTo(expected.values);
    }

    @ParameterizedTest
    @ValueSource(strings = {"energy-confirmations", "supply-invoices", "rebate-claims", "meter-intervals", "broadcast-spots"})
    void everyFieldOfEveryFeedRoundTripsWithAndWithoutNulls(String name) throws Exception {
        FeedSpec feed = feed(name);
        TypeSerializer<ValidRecord> s = ValidRecord.typeInfo(feed).createSerializer(new SerializerConfigImpl());
        for (boolean withNulls : new boolean[] {false, true}) {
            ValidRecord r = record(feed, withNulls);
            assertSameRecord(roundTrip(s, r), r);
            assertSameRecord(s.copy(r), r);
        }
        ValidRecord empty = new ValidRecord();
        assertThat(roundTrip(s, empty)).usingRecursiveComparison().isEqualTo(empty);
    }

    @Test
    void aCopyIsIndependentOfItsOriginal() {
        FeedSpec feed = TestFeeds.energy();
        ValidRecord r = record(feed, false);
        ValidRecord copy = new ValidRecordSerializer(feed).copy(r);
        r.contentHash[0] = 9;
        r.values.setField(0, "changed");
        assertThat(copy.contentHash[0]).isEqualTo((byte) 1);
        assertThat(copy.values.getField(0)).isNotEqualTo("changed");
    }

    @Test
    void aSnapshotRestoresTheSameSerializerAndRefusesAFeedWithOtherKinds() throws Exception {
        FeedSpec energy = TestFeeds.energy();
        TypeSerializerSnapshot<ValidRecord> written = new ValidRecordSerializer(energy).snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, written);
        TypeSerializerSnapshot<ValidRecord> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        assertThat(read.restoreSerializer()).isEqualTo(new ValidRecordSerializer(energy));
        assertThat(new ValidRecordSerializer(energy).snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs()).isTrue();
        assertThat(new ValidRecordSerializer(feed("meter-intervals")).snapshotConfiguration().resolveSchemaCompatibility(read)
                .isIncompatible()).isTrue();
        @SuppressWarnings("unchecked")
        TypeSerializerSnapshot<ValidRecord> pojo = (TypeSerializerSnapshot<ValidRecord>) ValidRecord.pojoTypeInfo(energy)
                .createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
        assertThat(new ValidRecordSerializer(energy).snapshotConfiguration().resolveSchemaCompatibility(pojo).isIncompatible()).isTrue();
    }
}
