package io.reconflow.operators.fetch;

import io.reconflow.events.FetchEnumeratorState;
import io.reconflow.events.FetchSplitState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

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

    static final class Enumerator implements SimpleVersionedSerializer<List<FetchSplit>> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(List<FetchSplit> pending) throws IOException {
            List<FetchSplitState> states = new ArrayList<>(pending.size());
            pending.forEach(s -> states.add(s.toState()));
            return bytes(FetchEnumeratorState.newBuilder().setPending(states).build().toByteBuffer());
        }

        @Override
        public List<FetchSplit> deserialize(int version, byte[] serialized) throws IOException {
            requireVersion(version);
            List<FetchSplit> pending = new ArrayList<>();
            FetchEnumeratorState.fromByteBuffer(ByteBuffer.wrap(serialized)).getPending()
                    .forEach(s -> pending.add(FetchSplit.fromState(s)));
            return pending;
        }
    }
}
