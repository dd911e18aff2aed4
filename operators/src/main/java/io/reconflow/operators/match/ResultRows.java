package io.reconflow.operators.match;

import io.reconflow.operators.validate.ValidRecord;
import io.reconflow.domain.feed.AvroSchemas;
import io.reconflow.domain.feed.FeedRows;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.domain.match.RuleEvaluator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds result rows ({@link AvroSchemas#result}) from the validated records a key ended with: the
 * one place where a record's values become the feed's Avro record, on the way to the sinks.
 */
public final class ResultRows {
    private final String recon;
    private final FeedSpec feed;
    private final Schema resultSchema;
    private final Schema breakSchema;
    private final Schema breaksArraySchema;
    private final Schema candidatesSchema;

    public ResultRows(String recon, FeedSpec feed) {
        this.recon = recon;
        this.feed = feed;
        this.resultSchema = AvroSchemas.result(feed);
        this.breaksArraySchema = resultSchema.getField("breaks").schema();
        this.breakSchema = breaksArraySchema.getElementType();
        this.candidatesSchema = resultSchema.getField("candidates").schema();
    }

    public Schema schema() {
        return resultSchema;
    }

    /** A pair decided by a pass: on the match key (PRIMARY) or on a secondary key (SECONDARY). */
    public GenericRecord pair(RuleEvaluator.Decision d, ValidRecord internal, ValidRecord counterparty, boolean secondary) {
        GenericData.Record row = base(d.status(), d.pass(), d.breaks(), internal, counterparty);
        row.put("match_type", secondary ? "SECONDARY" : "PRIMARY");
        row.put("counterparty_match_key", counterparty.matchKey);
        return row;
    }

    /** A record whose key found no counterpart in any pass. */
    public GenericRecord unmatched(ValidRecord envelope) {
        boolean internal = envelope.isInternal();
        MatchStatus status = unmatchedStatus(envelope);
        GenericData.Record row = base(status, null, List.of(), internal ? envelope : null, internal ? null : envelope);
        if (!internal) {
            row.put("counterparty_match_key", envelope.matchKey);
        }
        return row;
    }

    /** A record that a secondary key would pair with several records of the other side. */
    public GenericRecord ambiguous(ValidRecord envelope, MatchPass pass, List<String> candidates) {
        boolean internal = envelope.isInternal();
        GenericData.Record row = base(MatchStatus.AMBIGUOUS, pass, List.of(), internal ? envelope : null, internal ? null : envelope);
        if (!internal) {
            row.put("counterparty_match_key", envelope.matchKey);
        }
        row.put("candidates", new GenericData.Array<>(candidatesSchema, candidates));
        return row;
    }

    public static MatchStatus unmatchedStatus(ValidRecord record) {
        return record.isInternal() ? MatchStatus.UNMATCHED_INTERNAL : MatchStatus.UNMATCHED_COUNTERPARTY;
    }

    private GenericData.Record base(MatchStatus status, MatchPass pass, List<RuleEvaluator.Break> breaks,
                                    ValidRecord internal, ValidRecord counterparty) {
        ValidRecord any = internal != null ? internal : counterparty;
        GenericData.Record row = new GenericData.Record(resultSchema);
        row.put("recon", recon);
        row.put("business_date", any.businessDate);
        row.put("match_key", any.matchKey);
        row.put("status", status.name());
        row.put("pass", pass == null ? null : pass.number());
        row.put("pass_name", pass == null ? null : pass.name());
        List<GenericRecord> breakRows = new ArrayList<>(breaks.size());
        for (RuleEvaluator.Break b : breaks) {
            GenericData.Record br = new GenericData.Record(breakSchema);
            br.put("field", b.field());
            br.put("rule", b.rule());
            br.put("internal_value", b.internalValue());
            br.put("counterparty_value", b.counterpartyValue());
            breakRows.add(br);
        }
        row.put("breaks", new GenericData.Array<>(breaksArraySchema, breakRows));
        row.put("candidates", new GenericData.Array<>(candidatesSchema, List.of()));
        if (counterparty != null) {
            row.put("counterparty_name", counterparty.source);
            row.put("batch_id", counterparty.batchId);
            row.put("correlation_id", counterparty.correlationId);
            row.put("counterparty", FeedRows.toAvro(feed, counterparty.values));
        }
        if (internal != null) {
            Long line = internal.line;
            row.put("internal_source", internal.source + (line == null ? "" : ":" + line));
            row.put("internal", FeedRows.toAvro(feed, internal.values));
        }
        return row;
    }
}
