package io.reconflow.operators.keys;

import io.reconflow.operators.batch.BatchKey;
import io.reconflow.operators.dedup.DedupKey;
import io.reconflow.operators.match.MatchKey;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class StringKeySerializerTest {

    /** Lengths across each boundary of the length header's 7-bit groups; chars of one, two and three groups. */
    private static List<String> samples() {
        List<String> samples = new ArrayList<>(List.of("", "a", "COUNTERPARTY|northpool-energy|2026-11-20|" + "ab12".repeat(16),
                "2026-11-20|T-000123", "é", "\u007f\u0080\u3fff\u4000\uffff", "\ud83d\ude00 surrogate pair", "\u0000"));
        for (int length : new int[] {126, 127, 128, 16_382, 16_383, 16_384, 2_097_151, 2_097_152}) {
            samples.add("k".repeat(length));
        }
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            char[] chars = new char[random.nextInt(300)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = (char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0x10000));
            }
            samples.add(new String(chars));
        }
        return samples;
    }

    private static byte[] bytes(org.apache.flink.api.common.typeutils.TypeSerializer<String> serializer, String s) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(s, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void writesTheBytesOfFlinksStringSerializer() throws IOException {
        for (String s : samples()) {
            byte[] flinks = bytes(StringSerializer.INSTANCE, s);
            assertThat(bytes(StringKeySerializer.INSTANCE, s)).as("length %d", s.length()).isEqualTo(flinks);
        }
        assertThat(StringKeySerializer.encode(null)).isEqualTo(bytes(StringSerializer.INSTANCE, null));
    }

    @Test
    void readsBackWhatItWrote() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        List<String> samples = samples();
        for (String s : samples) {
            StringKeySerializer.INSTANCE.serialize(s, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (String s : samples) {
            assertThat(StringKeySerializer.INSTANCE.deserialize(in)).isEqualTo(s);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void keysOfFlinksStringSerializerRestoreAsTheyAre() throws IOException {
        TypeSerializerSnapshot<String> ours = StringKeySerializer.INSTANCE.snapshotConfiguration();
        assertThat(ours.resolveSchemaCompatibility(StringSerializer.INSTANCE.snapshotConfiguration()).isCompatibleAsIs()).isTrue();
        assertThat(ours.resolveSchemaCompatibility(roundTrip(ours)).isCompatibleAsIs()).isTrue();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<String> ints = (TypeSerializerSnapshot) IntSerializer.INSTANCE.snapshotConfiguration();
        assertThat(ours.resolveSchemaCompatibility(ints).isIncompatible()).isTrue();
        // Flink's own serializer does not read ours: a savepoint of this version does not go back.
        assertThat(StringSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(ours).isIncompatible()).isTrue();
    }

    private static TypeSerializerSnapshot<String> roundTrip(TypeSerializerSnapshot<String> snapshot) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<String> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), StringKeySerializerTest.class.getClassLoader());
        assertThat(read.restoreSerializer()).isSameAs(StringKeySerializer.INSTANCE);
        return read;
    }

    @Test
    void theJobsKeySelectorsKeyWithIt() {
        assertThat(Arrays.asList(new DedupKey().getProducedType(), new MatchKey().getProducedType(),
                new BatchKey.OfManifest().getProducedType(), new BatchKey.OfTally().getProducedType(),
                new BatchKey.OfDistinctRecord().getProducedType())).containsOnly(StringKeyType.INSTANCE);
        assertThat(StringKeyType.INSTANCE).isNotEqualTo(Types.STRING);
        // What keyBy asks for the key's type.
        assertThat(TypeExtractor.getKeySelectorTypes(new MatchKey(), Types.GENERIC(ValidRecord.class)))
                .isEqualTo(StringKeyType.INSTANCE);
    }
}
