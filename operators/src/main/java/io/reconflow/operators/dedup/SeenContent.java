package io.reconflow.operators.dedup;

import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What deduplication keeps per idempotency key: the content hash of the record kept, (with
 * revisions) the batch it came in, and for a counterparty record the batches it was counted in
 * for the completeness check. Nothing else of the record.
 */
public class SeenContent {
    /** SHA-256 of the record's content ({@link ValidRecord#contentHash}). */
    public byte[] hash;
    /** The batch of the record kept, only when revisions are on; else null. */
    public String batchId;
    /**
     * The batches whose completeness check this counterparty record was counted in (one, unless
     * it came again in another batch). Empty for our records. Null in state restored from a version
     * that counted records in {@code FirstTallies} only: such a key's tallies still go there.
     */
    public List<String> talliedBatches;

    public SeenContent() {}

    public SeenContent(byte[] hash, String batchId, List<String> talliedBatches) {
        this.hash = hash;
        this.batchId = batchId;
        this.talliedBatches = talliedBatches;
    }

    /** A key's first record: counted in its batch when it is the counterparty's. */
    public static SeenContent first(byte[] hash, String batchId, boolean counterparty, String tallyBatch) {
        List<String> tallied = new ArrayList<>(1);
        if (counterparty) {
            tallied.add(tallyBatch);
        }
        return new SeenContent(hash, batchId, tallied);
    }

    /** Whether this key was kept by a version that did not record the batches it was counted in. */
    public boolean talliedElsewhere() {
        return talliedBatches == null;
    }

    /** Records that the key was counted in {@code batch}; false when it already was. */
    public boolean tallyIn(String batch) {
        if (talliedBatches.contains(batch)) {
            return false;
        }
        talliedBatches.add(batch);
        return true;
    }

    public boolean sameContent(byte[] other) {
        return Arrays.equals(hash, other);
    }

    public static TypeInformation<SeenContent> typeInfo() {
        @SuppressWarnings("unchecked")
        TypeInformation<SeenContent> type = (TypeInformation<SeenContent>) (TypeInformation<?>) Types.POJO(SeenContent.class,
                Map.of("hash", Types.PRIMITIVE_ARRAY(Types.BYTE), "batchId", Types.STRING,
                        "talliedBatches", Types.LIST(Types.STRING)));
        return type;
    }
}
