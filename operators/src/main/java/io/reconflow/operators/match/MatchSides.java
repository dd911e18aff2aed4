package io.reconflow.operators.match;

import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

import java.util.Map;

/**
 * What matching keeps per match key: the side (or, in continuous mode after a decision, both
 * sides) that arrived, in one state value. One value rather than one state per side, so that an
 * arriving record costs one state read (RocksDB get), not two, and a decided key one delete.
 */
public class MatchSides {
    public ValidRecord internal;
    public ValidRecord counterparty;
    /** Continuous mode: the key was decided and keeps its sides only for revisions. */
    public boolean decided;

    public MatchSides() {}

    ValidRecord side(boolean internalSide) {
        return internalSide ? internal : counterparty;
    }

    void set(boolean internalSide, ValidRecord record) {
        if (internalSide) {
            internal = record;
        } else {
            counterparty = record;
        }
    }

    public static TypeInformation<MatchSides> typeInfo(FeedSpec feed) {
        TypeInformation<ValidRecord> record = ValidRecord.typeInfo(feed);
        @SuppressWarnings("unchecked")
        TypeInformation<MatchSides> type = (TypeInformation<MatchSides>) (TypeInformation<?>) Types.POJO(MatchSides.class,
                Map.of("internal", record, "counterparty", record, "decided", Types.BOOLEAN));
        return type;
    }
}
