package io.reconflow.operators.batch;

import io.reconflow.operators.keys.StringKeyType;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import io.reconflow.events.BatchManifest;
import io.reconflow.events.RecordTally;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys manifests and record tallies by the batch they belong to: counterparty, business date and batch id. */
public final class BatchKey {
    private BatchKey() {}

    public static String of(String counterparty, String businessDate, String batchId) {
        return counterparty + '|' + businessDate + '|' + (batchId == null ? "" : batchId);
    }

    public static class OfManifest implements KeySelector<BatchManifest, String>, ResultTypeQueryable<String> {
        private static final long serialVersionUID = 1L;

    @Override
    public TypeInformation<String> getProducedType() {
        return StringKeyType.INSTANCE;
    }

        @Override
        public String getKey(BatchManifest m) {
            return of(m.getCounterparty(), m.getBusinessDate(), m.getBatchId());
        }
    }

    public static class OfTally implements KeySelector<RecordTally, String>, ResultTypeQueryable<String> {
        private static final long serialVersionUID = 1L;

    @Override
    public TypeInformation<String> getProducedType() {
        return StringKeyType.INSTANCE;
    }

        @Override
        public String getKey(RecordTally t) {
            return of(t.getCounterparty(), t.getBusinessDate(), t.getBatchId());
        }
    }

    /** A record of a batch: the batch's key and the tally's distinct key (idempotency key, or its text's hash). */
    public static class OfDistinctRecord implements KeySelector<RecordTally, String>, ResultTypeQueryable<String> {
        private static final long serialVersionUID = 1L;

    @Override
    public TypeInformation<String> getProducedType() {
        return StringKeyType.INSTANCE;
    }

        @Override
        public String getKey(RecordTally t) {
            return of(t.getCounterparty(), t.getBusinessDate(), t.getBatchId()) + '|' + t.getDistinctKey();
        }
    }
}
