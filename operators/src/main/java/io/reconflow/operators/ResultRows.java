package io.reconflow.operators;

import io.reconflow.operators.feed.AvroSchemas;
import io.reconflow.operators.feed.FeedSpec;
import io.reconflow.operators.match.MatchPass;
import io.reconflow.operators.match.MatchStatus;
import io.reconflow.operators.match.RuleEvaluator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.List;

/** Builds result rows ({@link AvroSchemas#result}) from the envelopes of the records a key ended with. */
public final class ResultRows {
    private final String recon;
    private final Schema resultSchema;
    private final Schema breakSchema;
    private final Schema breaksArraySchema;
    private final Schema candidatesSchema;

    public ResultRows(String recon, FeedSpec feed) {
        this.recon = recon;
        this.resultSchema = AvroSchemas.result(feed);
        this.breaksArraySchema = resultSchema.getField("breaks").schema();
        this.breakSchema = breaksArraySchema.getElementType();
        this.candidatesSchema = resultSchema.getField("candidates").schema();
    }

    public Schema schema() {
        return resultSchema;
    }

    /** A pair decided by a pass: on the match key (PRIMARY) or on a secondary key (SECONDARY). */
    public GenericRecord pair(RuleEvaluator.Decision d, GenericRecord internal, GenericRecord counterparty, boolean secondary) {
        GenericData.Record row = base(d.status(), d.pass(), d.breaks(), internal, counterparty);
        row.put("match_type", secondary ? "SECONDARY" : "PRIMARY");
        row.put("counterparty_match_key", Envelope.str(counterparty, Envelope.MATCH_KEY));
        return row;
    }

    /** A record whose key found no counterpart in any pass. */
    public GenericRecord unmatched(GenericRecord envelope) {
        boolean internal = isInternal(envelope);
        MatchStatus status = internal ? MatchStatus.UNMATCHED_INTERNAL : MatchStatus.UNMATCHED_COUNTERPARTY;
        GenericData.Record row = base(status, null, List.of(), internal ? envelope : null, internal ? null : envelope);
        if (!internal) {
            row.put("counterparty_match_key", Envelope.str(envelope, Envelope.MATCH_KEY));
        }
        return row;
    }

    /** A record that a secondary key would pair with several records of the other side. */
    public GenericRecord ambiguous(GenericRecord envelope, MatchPass pass, List<String> candidates) {
        boolean internal = isInternal(envelope);
        GenericData.Record row = base(MatchStatus.AMBIGUOUS, pass, List.of(), internal ? envelope : null, internal ? null : envelope);
        if (!internal) {
            row.put("counterparty_match_key", Envelope.str(envelope, Envelope.MATCH_KEY));
        }
        row.put("candidates", new GenericData.Array<>(candidatesSchema, candidates));
        return row;
    }

    public static boolean isInternal(GenericRecord envelope) {
        return "INTERNAL".equals(Envelope.str(envelope, Envelope.SIDE));
    }

    private GenericData.Record base(MatchStatus status, MatchPass pass, List<RuleEvaluator.Break> breaks,
                                    GenericRecord internal, GenericRecord counterparty) {
        GenericRecord any = internal != null ? internal : counterparty;
        GenericData.Record row = new GenericData.Record(resultSchema);
        row.put("recon", recon);
        row.put("business_date", Envelope.str(any, Envelope.BUSINESS_DATE));
        row.put("match_key", Envelope.str(any, Envelope.MATCH_KEY));
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
            row.put("counterparty_name", Envelope.str(counterparty, Envelope.SOURCE));
            row.put("batch_id", Envelope.str(counterparty, Envelope.BATCH_ID));
            row.put("correlation_id", Envelope.str(counterparty, Envelope.CORRELATION_ID));
            row.put("counterparty", counterparty.get(Envelope.RECORD));
        }
        if (internal != null) {
            Object line = internal.get(Envelope.LINE);
            row.put("internal_source", Envelope.str(internal, Envelope.SOURCE) + (line == null ? "" : ":" + line));
            row.put("internal", internal.get(Envelope.RECORD));
        }
        return row;
    }
}
