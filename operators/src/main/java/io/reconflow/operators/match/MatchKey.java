package io.reconflow.operators.match;

import io.reconflow.operators.keys.StringKeyType;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys a validated record for matching: its business date and its match key. */
public class MatchKey implements KeySelector<ValidRecord, String>, ResultTypeQueryable<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeInformation<String> getProducedType() {
        return StringKeyType.INSTANCE;
    }

    @Override
    public String getKey(ValidRecord r) {
        return r.businessDate + '|' + r.matchKey;
    }
}
