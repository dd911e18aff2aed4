package io.reconflow.operators.fetch;

import io.reconflow.events.FetchEnumeratorState;
import io.reconflow.events.FetchSplitState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Checkpoint forms of the counterparty source's splits and enumerator: Avro, as every other type of the job. */
final class FetchSplitSerializers {
    private FetchSplitSerializers() {}

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void requireVersion(int version) throws IOException {
        if (version != 1) {
            throw new IOException("unknown version " + version + " of the counterparty source's checkpoint");
        }
    }

    static final class Split implements SimpleVersionedSerializer<FetchSplit> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(FetchSplit split) throws IOException {
            return bytes(split.toState().toByteBuffer());
        }

        @Override
        public FetchSplit deserialize(int version, byte[] serialized) throws IOException {
            requireVersion(version);
            return FetchSplit.fromState(FetchSplitState.fromByteBuffer(ByteBuffer.wrap(serialized)));
        }
    }

    /** Version 1 held the pending splits only; version 2 adds the dates a continuous run opened. */
    static final class Enumerator implements SimpleVersionedSerializer<EnumeratorCheckpoint> {
        @Override
        public int getVersion() {
            return 2;
        }

        @Override
        public byte[] serialize(EnumeratorCheckpoint checkpoint) throws IOException {
            List<FetchSplitState> states = new ArrayList<>(checkpoint.pending().size());
            checkpoint.pending().forEach(s -> states.add(s.toState()));
            byte[] pending = bytes(FetchEnumeratorState.newBuilder().setPending(states).build().toByteBuffer());
            DataOutputSerializer out = new DataOutputSerializer(pending.length + 16 + 12 * checkpoint.opened().size());
            out.writeInt(pending.length);
            out.write(pending);
            out.writeInt(checkpoint.opened().size());
            for (LocalDate d : checkpoint.opened()) {
                out.writeUTF(d.toString());
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public EnumeratorCheckpoint deserialize(int version, byte[] serialized) throws IOException {
            if (version == 1) {
                return new EnumeratorCheckpoint(pending(serialized), List.of());
            }
            if (version != 2) {
                requireVersion(version);
            }
            DataInputDeserializer in = new DataInputDeserializer(serialized);
            byte[] pending = new byte[in.readInt()];
            in.readFully(pending);
            int n = in.readInt();
            List<LocalDate> opened = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                opened.add(LocalDate.parse(in.readUTF()));
            }
            return new EnumeratorCheckpoint(pending(pending), opened);
        }

        private static List<FetchSplit> pending(byte[] avro) throws IOException {
            List<FetchSplit> pending = new ArrayList<>();
            FetchEnumeratorState.fromByteBuffer(ByteBuffer.wrap(avro)).getPending()
                    .forEach(s -> pending.add(FetchSplit.fromState(s)));
            return pending;
        }
    }
}
