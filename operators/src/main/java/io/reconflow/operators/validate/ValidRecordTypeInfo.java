package io.reconflow.operators.validate;

import io.reconflow.operators.AtomicTypeInfo;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.Arrays;

/** The type of a feed's {@link ValidRecord}s, serialized by {@link ValidRecordSerializer}. */
public final class ValidRecordTypeInfo extends AtomicTypeInfo<ValidRecord> {
    private static final long serialVersionUID = 1L;

    private final FieldKind[] kinds;

    ValidRecordTypeInfo(FeedSpec feed) {
        super(ValidRecord.class, false);
        this.kinds = ValidRecordSerializer.kindsOf(feed);
    }

    @Override
    public TypeSerializer<ValidRecord> createSerializer(SerializerConfig config) {
        return new ValidRecordSerializer(kinds);
    }

    @Override
    public String toString() {
        return "ValidRecord" + Arrays.toString(kinds);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValidRecordTypeInfo other && Arrays.equals(kinds, other.kinds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kinds);
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof ValidRecordTypeInfo;
    }
}
