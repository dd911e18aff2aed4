package io.reconflow.operators.dedup;

import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Arrays;
import java.util.Map;

/**
 * What deduplication keeps per idempotency key: the content hash of the record kept, and (with
 * revisions) the batch it came in. Nothing else of the record.
 */
public class SeenContent {
    /** SHA-256 of the record's content ({@link ValidRecord#contentHash}). */
    public byte[] hash;
    /** The batch of the record kept, only when revisions are on; else null. */
    public String batchId;

    public SeenContent() {}

    public SeenContent(byte[] hash, String batchId) {
        this.hash = hash;
        this.batchId = batchId;
    }

    public boolean sameContent(byte[] other) {
        return Arrays.equals(hash, other);
    }

    public static TypeInformation<SeenContent> typeInfo() {
        @SuppressWarnings("unchecked")
        TypeInformation<SeenContent> type = (TypeInformation<SeenContent>) (TypeInformation<?>) Types.POJO(SeenContent.class,
                Map.of("hash", Types.PRIMITIVE_ARRAY(Types.BYTE), "batchId", Types.STRING));
        return type;
    }
}
