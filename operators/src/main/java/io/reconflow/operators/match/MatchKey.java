package io.reconflow.operators.match;

import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys a validated record for matching: its business date and its match key. */
public class MatchKey implements KeySelector<ValidRecord, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(ValidRecord r) {
        return r.businessDate + '|' + r.matchKey;
    }
}
