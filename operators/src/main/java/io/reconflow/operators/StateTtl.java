package io.reconflow.operators;

import java.time.Duration;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;

/**
 * The safety net of a continuous run's keyed state: a key is cleared when it is decided, and this
 * TTL (processing time) drops whatever a missed timer would leave behind. Off in bounded runs, whose
 * state stays as it was (savepoint compatible).
 */
public final class StateTtl {
    private StateTtl() {}

    public static <S extends StateDescriptor<?, ?>> S on(S descriptor, @Nullable Duration ttl) {
        if (ttl != null) {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                    .updateTtlOnCreateAndWrite()
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .build());
        }
        return descriptor;
    }
}
