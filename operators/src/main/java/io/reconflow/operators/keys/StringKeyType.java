package io.reconflow.operators.keys;

import io.reconflow.operators.AtomicTypeInfo;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of the job's String keys (the key selectors return it through
 * {@code ResultTypeQueryable}): Strings serialized by {@link StringKeySerializer}.
 */
public final class StringKeyType extends AtomicTypeInfo<String> {
    private static final long serialVersionUID = 1L;

    public static final StringKeyType INSTANCE = new StringKeyType();

    private StringKeyType() {
        super(String.class, true);
    }

    @Override
    public TypeSerializer<String> createSerializer(SerializerConfig config) {
        return StringKeySerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "String (key)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StringKeyType;
    }

    @Override
    public int hashCode() {
        return StringKeyType.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof StringKeyType;
    }
}
