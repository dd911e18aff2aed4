package io.reconflow.operators.validate;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.Arrays;

/** The type of a feed's {@link ValidRecord}s, serialized by {@link ValidRecordSerializer}. */
public final class ValidRecordTypeInfo extends TypeInformation<ValidRecord> {
    private static final long serialVersionUID = 1L;

    private final FieldKind[] kinds;

    ValidRecordTypeInfo(FeedSpec feed) {
        this.kinds = ValidRecordSerializer.kindsOf(feed);
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<ValidRecord> getTypeClass() {
        return ValidRecord.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
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
