package io.reconflow.operators.dedup;

import io.reconflow.operators.keys.StringKeyType;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys a validated record for deduplication: its side, its source counterparty (internal records
 * from any file count as one source), its business date and its idempotency key.
 */
public class DedupKey implements KeySelector<ValidRecord, String>, ResultTypeQueryable<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeInformation<String> getProducedType() {
        return StringKeyType.INSTANCE;
    }

    @Override
    public String getKey(ValidRecord r) {
        String source = r.isInternal() ? "" : r.source;
        return r.side.name() + '|' + source + '|' + r.businessDate + '|' + r.idempotencyKey;
    }
}
