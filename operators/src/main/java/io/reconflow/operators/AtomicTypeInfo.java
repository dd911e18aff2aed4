package io.reconflow.operators;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The type of a value the job serializes with a serializer of its own, as one field (no nested
 * fields for Flink to see): subclasses give the serializer, equality and name.
 */
public abstract class AtomicTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final boolean key;

    /** @param key whether streams may be keyed by it */
    protected AtomicTypeInfo(Class<T> type, boolean key) {
        this.type = type;
        this.key = key;
    }

    @Override
    public final boolean isBasicType() {
        return false;
    }

    @Override
    public final boolean isTupleType() {
        return false;
    }

    @Override
    public final int getArity() {
        return 1;
    }

    @Override
    public final int getTotalFields() {
        return 1;
    }

    @Override
    public final Class<T> getTypeClass() {
        return type;
    }

    @Override
    public final boolean isKeyType() {
        return key;
    }
}
