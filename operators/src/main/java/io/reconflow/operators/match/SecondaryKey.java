package io.reconflow.operators.match;

import io.reconflow.operators.keys.StringKeyType;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FeedValues;
import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.match.MatchPass;
import org.apache.flink.types.Row;
import org.apache.flink.api.java.functions.KeySelector;

import java.util.List;

/**
 * Keys an unmatched record for a secondary-key pass: its business date and the canonical values
 * of the pass's key. A record missing a key field takes no part: it gets a key of its own.
 */
public class SecondaryKey implements KeySelector<ValidRecord, String>, ResultTypeQueryable<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeInformation<String> getProducedType() {
        return StringKeyType.INSTANCE;
    }
    static final String NO_KEY = "\u2205|";

    private final FeedSpec feed;
    private final List<String> fields;
    private transient List<FieldSpec> specs;

    public SecondaryKey(FeedSpec feed, MatchPass pass) {
        this.feed = feed;
        this.fields = pass.key();
    }

    @Override
    public String getKey(ValidRecord r) {
        if (specs == null) {
            specs = fields.stream().map(feed::field).toList();
        }
        Row record = r.values;
        for (FieldSpec f : specs) {
            if (FeedValues.canonical(record, f) == null) {
                return NO_KEY + r.side.name() + '|' + r.idempotencyKey;
            }
        }
        return r.businessDate + '|' + RecordKeys.joinValues(record, specs);
    }
}
