package io.reconflow.operators;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys a validated record for deduplication: its side, its source counterparty (internal records
 * from any file count as one source), its business date and its idempotency key.
 */
public class DedupKey implements KeySelector<GenericRecord, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(GenericRecord envelope) {
        String side = Envelope.str(envelope, Envelope.SIDE);
        String source = "INTERNAL".equals(side) ? "" : Envelope.str(envelope, Envelope.SOURCE);
        return side + '|' + source + '|' + Envelope.str(envelope, Envelope.BUSINESS_DATE) + '|'
                + Envelope.str(envelope, Envelope.IDEMPOTENCY_KEY);
    }
}
