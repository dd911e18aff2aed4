package io.reconflow.operators.keys;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

import java.io.IOException;

/**
 * The serializer of the job's String keys: the very bytes of Flink's {@link StringSerializer}, written
 * in one call instead of one call per character.
 *
 * <p>Why: RocksDB keeps every state and timer under its key's serialized bytes, so each record's key
 * is serialized as it arrives at a keyed operator (and again for each timer). Flink's serializer
 * writes a String one {@code write(int)} per character; on a 100-character deduplication key that was
 * 3 % of a 1 M-record day's CPU samples, and 20 % in a run where the JIT left that loop uncompiled.
 *
 * <p>Savepoints: the bytes are the same, so keys written by {@link StringSerializer} are found by
 * this one, and its snapshot declares the two compatible as they are. (A savepoint taken with this
 * serializer cannot be restored by a version that keys with Flink's own.)
 */
public final class StringKeySerializer extends TypeSerializerSingleton<String> {
    private static final long serialVersionUID = 1L;

    public static final StringKeySerializer INSTANCE = new StringKeySerializer();

    private StringKeySerializer() {}

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public String createInstance() {
        return "";
    }

    @Override
    public String copy(String from) {
        return from;
    }

    @Override
    public String copy(String from, String reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1; // as StringSerializer's: RocksDB lays out keys and namespaces by it
    }

    @Override
    public void serialize(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.write(0);
            return;
        }
        byte[] bytes = new byte[5 + 3 * s.length()];
        out.write(bytes, 0, fill(s, bytes));
    }

    /** The bytes {@link #serialize} writes, as an array of their length. */
    static byte[] encode(String s) {
        if (s == null) {
            return new byte[] {0};
        }
        byte[] bytes = new byte[5 + 3 * s.length()];
        return java.util.Arrays.copyOf(bytes, fill(s, bytes));
    }

    /**
     * {@link StringValue#writeString}'s encoding into {@code bytes} (room for 5 + 3 × length): the
     * length plus one in 7-bit groups, low group first, then each UTF-16 char in one to three 7-bit
     * groups. Returns how many bytes it wrote.
     */
    private static int fill(String s, byte[] bytes) {
        int length = s.length();
        int n = 0;
        int header = length + 1;
        while (header >= 0x80) {
            bytes[n++] = (byte) (header | 0x80);
            header >>>= 7;
        }
        bytes[n++] = (byte) header;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else if (c < 0x4000) {
                bytes[n++] = (byte) (c | 0x80);
                bytes[n++] = (byte) (c >>> 7);
            } else {
                bytes[n++] = (byte) (c | 0x80);
                bytes[n++] = (byte) ((c >>> 7) | 0x80);
                bytes[n++] = (byte) (c >>> 14);
            }
        }
        return n;
    }

    @Override
    public String deserialize(DataInputView in) throws IOException {
        return StringValue.readString(in);
    }

    @Override
    public String deserialize(String reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        StringValue.copyString(source, target);
    }

    @Override
    public TypeSerializerSnapshot<String> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Compatible as is with its own snapshots and with {@link StringSerializer}'s (the same bytes). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<String> {
        public Snapshot() {
            super(() -> INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<String> resolveSchemaCompatibility(TypeSerializerSnapshot<String> old) {
            return old instanceof Snapshot || old instanceof StringSerializer.StringSerializerSnapshot
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
