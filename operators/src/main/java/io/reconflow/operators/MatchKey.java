package io.reconflow.operators;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys a validated record for matching: its business date and its match key. */
public class MatchKey implements KeySelector<GenericRecord, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(GenericRecord envelope) {
        return Envelope.str(envelope, Envelope.BUSINESS_DATE) + '|' + Envelope.str(envelope, Envelope.MATCH_KEY);
    }
}
