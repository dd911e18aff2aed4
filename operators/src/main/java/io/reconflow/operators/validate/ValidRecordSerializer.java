package io.reconflow.operators.validate;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.events.Side;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.Row;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Serializer of {@link ValidRecord}s between operators and in match state: every String as its
 * UTF-8 bytes, read and written whole, and the feed's values by their kinds, with no reflection.
 *
 * <p>Why not Flink's POJO and Row serializers: they read and write a String one character per
 * call ({@code StringValue}), and set fields by reflection; with a dozen Strings per record
 * crossing two shuffles, that was a quarter of a 1 M-record day's CPU samples (docs/performance-history.md,
 * "Record path after fetching: third profile"). The snapshot keeps the feed's field kinds: a restore with a feed
 * whose kinds changed is incompatible, as it was with the Row serializer.
 */
public final class ValidRecordSerializer extends TypeSerializer<ValidRecord> {
    private static final long serialVersionUID = 1L;
    private static final Side[] SIDES = Side.values();

    // Presence bits of the envelope's nullable fields.
    private static final int SIDE = 1, SOURCE = 1 << 1, DATE = 1 << 2, BATCH = 1 << 3, PAGE = 1 << 4, LINE = 1 << 5,
            CORRELATION = 1 << 6, IDEMPOTENCY = 1 << 7, CONTENT = 1 << 8, MATCH = 1 << 9, RAW = 1 << 10, VALUES = 1 << 11;

    /** The feed's field kinds by position. */
    private final FieldKind[] kinds;

    public ValidRecordSerializer(FeedSpec feed) {
        this(kindsOf(feed));
    }

    ValidRecordSerializer(FieldKind[] kinds) {
        this.kinds = kinds;
    }

    static FieldKind[] kindsOf(FeedSpec feed) {
        List<FieldSpec> fields = feed.fields();
        FieldKind[] kinds = new FieldKind[fields.size()];
        for (FieldSpec f : fields) {
            kinds[f.position()] = f.kind();
        }
        return kinds;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<ValidRecord> duplicate() {
        return this; // stateless
    }

    @Override
    public ValidRecord createInstance() {
        return new ValidRecord();
    }

    @Override
    public ValidRecord copy(ValidRecord from) {
        ValidRecord to = new ValidRecord();
        to.side = from.side;
        to.source = from.source;
        to.businessDate = from.businessDate;
        to.batchId = from.batchId;
        to.page = from.page;
        to.line = from.line;
        to.correlationId = from.correlationId;
        to.idempotencyKey = from.idempotencyKey;
        to.contentHash = from.contentHash == null ? null : from.contentHash.clone();
        to.matchKey = from.matchKey;
        to.raw = from.raw;
        if (from.values != null) {
            // Every value kind is immutable (String, Integer, Long, Boolean, BigDecimal).
            Row values = new Row(from.values.getKind(), from.values.getArity());
            for (int i = 0; i < values.getArity(); i++) {
                values.setField(i, from.values.getField(i));
            }
            to.values = values;
        }
        return to;
    }

    @Override
    public ValidRecord copy(ValidRecord from, ValidRecord reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ValidRecord r, DataOutputView out) throws IOException {
        int present = (r.side != null ? SIDE : 0) | (r.source != null ? SOURCE : 0) | (r.businessDate != null ? DATE : 0)
                | (r.batchId != null ? BATCH : 0) | (r.page != null ? PAGE : 0) | (r.line != null ? LINE : 0)
                | (r.correlationId != null ? CORRELATION : 0) | (r.idempotencyKey != null ? IDEMPOTENCY : 0)
                | (r.contentHash != null ? CONTENT : 0) | (r.matchKey != null ? MATCH : 0) | (r.raw != null ? RAW : 0)
                | (r.values != null ? VALUES : 0);
        out.writeShort(present);
        if (r.side != null) {
            out.writeByte(r.side.ordinal());
        }
        writeString(r.source, out);
        writeString(r.businessDate, out);
        writeString(r.batchId, out);
        if (r.page != null) {
            out.writeInt(r.page);
        }
        if (r.line != null) {
            out.writeLong(r.line);
        }
        writeString(r.correlationId, out);
        writeString(r.idempotencyKey, out);
        writeBytes(r.contentHash, out);
        writeString(r.matchKey, out);
        writeString(r.raw, out);
        if (r.values != null) {
            writeValues(r.values, out);
        }
    }

    @Override
    public ValidRecord deserialize(DataInputView in) throws IOException {
        ValidRecord r = new ValidRecord();
        int present = in.readUnsignedShort();
        if ((present & SIDE) != 0) {
            r.side = SIDES[in.readUnsignedByte()];
        }
        r.source = (present & SOURCE) != 0 ? readString(in) : null;
        r.businessDate = (present & DATE) != 0 ? readString(in) : null;
        r.batchId = (present & BATCH) != 0 ? readString(in) : null;
        r.page = (present & PAGE) != 0 ? in.readInt() : null;
        r.line = (present & LINE) != 0 ? in.readLong() : null;
        r.correlationId = (present & CORRELATION) != 0 ? readString(in) : null;
        r.idempotencyKey = (present & IDEMPOTENCY) != 0 ? readString(in) : null;
        r.contentHash = (present & CONTENT) != 0 ? readBytes(in) : null;
        r.matchKey = (present & MATCH) != 0 ? readString(in) : null;
        r.raw = (present & RAW) != 0 ? readString(in) : null;
        r.values = (present & VALUES) != 0 ? readValues(in) : null;
        return r;
    }

    @Override
    public ValidRecord deserialize(ValidRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    private void writeValues(Row row, DataOutputView out) throws IOException {
        int arity = kinds.length;
        if (row.getArity() != arity) {
            throw new IOException("a row of " + row.getArity() + " values for a feed of " + arity + " fields");
        }
        // Null bits first, then each present value by its kind.
        for (int base = 0; base < arity; base += 8) {
            int bits = 0;
            for (int i = base; i < Math.min(base + 8, arity); i++) {
                if (row.getField(i) == null) {
                    bits |= 1 << (i - base);
                }
            }
            out.writeByte(bits);
        }
        for (int i = 0; i < arity; i++) {
            Object v = row.getField(i);
            if (v == null) {
                continue;
            }
            switch (kinds[i]) {
                case STRING, ENUM -> writeString((String) v, out);
                case INT, DATE -> out.writeInt((Integer) v);
                case LONG, TIMESTAMP -> out.writeLong((Long) v);
                case BOOLEAN -> out.writeBoolean((Boolean) v);
                case DECIMAL -> {
                    BigDecimal d = (BigDecimal) v;
                    out.writeInt(d.scale());
                    writeBytes(d.unscaledValue().toByteArray(), out);
                }
            }
        }
    }

    private Row readValues(DataInputView in) throws IOException {
        int arity = kinds.length;
        byte[] nulls = new byte[(arity + 7) / 8];
        in.readFully(nulls);
        Row row = new Row(arity);
        for (int i = 0; i < arity; i++) {
            if ((nulls[i >> 3] & (1 << (i & 7))) != 0) {
                continue;
            }
            row.setField(i, switch (kinds[i]) {
                case STRING, ENUM -> readString(in);
                case INT, DATE -> in.readInt();
                case LONG, TIMESTAMP -> in.readLong();
                case BOOLEAN -> in.readBoolean();
                case DECIMAL -> {
                    int scale = in.readInt();
                    yield new BigDecimal(new BigInteger(readBytes(in)), scale);
                }
            });
        }
        return row;
    }

    private static void writeString(String s, DataOutputView out) throws IOException {
        if (s != null) {
            writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
        }
    }

    private static String readString(DataInputView in) throws IOException {
        return new String(readBytes(in), StandardCharsets.UTF_8);
    }

    private static void writeBytes(byte[] b, DataOutputView out) throws IOException {
        if (b != null) {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputView in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValidRecordSerializer other && Arrays.equals(kinds, other.kinds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kinds);
    }

    @Override
    public TypeSerializerSnapshot<ValidRecord> snapshotConfiguration() {
        return new Snapshot(kinds);
    }

    /** The feed's field kinds: a restore is compatible as long as they are the same. */
    public static final class Snapshot implements TypeSerializerSnapshot<ValidRecord> {
        private FieldKind[] kinds;

        /** For Flink, which reads the kinds back with {@link #readSnapshot}. */
        public Snapshot() {}

        Snapshot(FieldKind[] kinds) {
            this.kinds = kinds;
        }

        @Override
        public int getCurrentVersion() {
            return 1;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(kinds.length);
            for (FieldKind k : kinds) {
                out.writeUTF(k.name());
            }
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
            kinds = new FieldKind[in.readInt()];
            for (int i = 0; i < kinds.length; i++) {
                kinds[i] = FieldKind.valueOf(in.readUTF());
            }
        }

        @Override
        public TypeSerializer<ValidRecord> restoreSerializer() {
            return new ValidRecordSerializer(kinds);
        }

        @Override
        public TypeSerializerSchemaCompatibility<ValidRecord> resolveSchemaCompatibility(TypeSerializerSnapshot<ValidRecord> oldSnapshot) {
            return oldSnapshot instanceof Snapshot old && Arrays.equals(old.kinds, kinds)
                    ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                    : TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
