package io.reconflow.operators.validate;

import io.reconflow.operators.RejectCounters;
import io.reconflow.operators.Rejects;
import io.reconflow.operators.RunTotals;
import io.reconflow.operators.Tags;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.RawRecord;
import io.reconflow.events.RecordDefect;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.RecordJson;
import io.reconflow.domain.feed.RecordKeys;
import io.reconflow.domain.feed.RecordSlots;
import io.reconflow.domain.feed.FieldSpec;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.domain.feed.Sha256;
import io.reconflow.domain.feed.Violation;
import org.apache.flink.types.Row;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;
import java.nio.ByteBuffer;

/**
 * Checks every record at the boundary against its feed's schema. A valid record goes on in an
 * {@link ValidRecord} with its keys; an invalid one, or a page or request that failed, goes alone to
 * {@link Tags#REJECTS} with a code, the field, a message and the record exactly as received.
 * Every rejected counterparty record is also tallied to {@link Tags#TALLIES} for the batch
 * completeness check; valid ones are counted by deduplication, which knows whether a key was seen.
 */
public class ValidateRecords extends ProcessFunction<RawRecord, ValidRecord> {
    private static final long serialVersionUID = 1L;

    private final String recon;
    private final FeedSpec feed;

    private transient RecordValidator validator;
    private transient RecordSlots slots;
    private transient RecordKeys keys;
    private transient ObjectMapper canonicalJson;
    private transient int controlPosition;
    private transient Counter[] valid;
    private transient Counter[] rejected;
    private transient RejectCounters byCode;
    /** Per side, made on first use (an accumulator appears in the summary only once it counts). */
    private transient LongCounter[] validTotals;

    public ValidateRecords(String recon, FeedSpec feed) {
        this.recon = recon;
        this.feed = feed;
    }

    @Override
    public void open(OpenContext openContext) {
        // Sorted keys: the same record written with its fields in another order is the same record.
        canonicalJson = new ObjectMapper().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);
        controlPosition = feed.controlField() == null ? -1 : feed.field(feed.controlField()).position();
        validator = new RecordValidator(feed);
        slots = new RecordSlots(feed);
        keys = new RecordKeys(feed);
        MetricGroup group = getRuntimeContext().getMetricGroup();
        valid = new Counter[Side.values().length];
        rejected = new Counter[Side.values().length];
        for (Side side : Side.values()) {
            MetricGroup sideGroup = group.addGroup("side", side.name().toLowerCase());
            valid[side.ordinal()] = sideGroup.counter("recordsValid");
            rejected[side.ordinal()] = sideGroup.counter("recordsRejected");
        }
        byCode = new RejectCounters(getRuntimeContext());
        validTotals = new LongCounter[Side.values().length];
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ValidRecord> out) {
        FetchFailure failure = raw.getFailure();
        if (failure != null) {
            // A line of our files that could not be read keeps its text; a failed request has none.
            String text = raw.getRaw() == null || raw.getRaw().isEmpty() ? null : raw.getRaw();
            reject(ctx, raw, failure.getCode(), failure.getField(), failure.getMessage(), failure.getHttpStatus(), text);
            if (raw.getSide() == Side.COUNTERPARTY && raw.getPage() != null) {
                getRuntimeContext().getLongCounter(RunTotals.PAGES_FAILED).add(1L);
            }
            return;
        }
        RecordDefect defect = raw.getDefect();
        if (defect != null && defect.getCode() == ErrorCode.BAD_ENCODING) {
            // Its text is not what was sent: nothing in it is read.
            tallyRejected(ctx, raw, null);
            reject(ctx, raw, defect.getCode(), null, defect.getMessage(), null, raw.getRaw());
            return;
        }
        boolean textValues = raw.getJson() != null || raw.getCells() != null;
        if (defect != null) {
            // A record of a page that is not the one asked for: counted for its batch, judged by the page.
            tallyRejected(ctx, raw, tree(raw));
            reject(ctx, raw, defect.getCode(), null, defect.getMessage(), null, raw.getRaw());
            return;
        }
        // The one parse of a record that passes: straight into its fields, no tree.
        RecordValidator.Outcome outcome;
        if (raw.getCells() != null) {
            slots.fill(raw.getCells());
            outcome = validator.validate(slots, true);
        } else {
            String text = textValues ? raw.getJson() : raw.getRaw();
            RecordSlots.Read read = slots.read(text);
            Violation unreadable = read == RecordSlots.Read.VIOLATION ? slots.violation() : null;
            JsonNode notObject = null;
            if (read == RecordSlots.Read.NOT_OBJECT) {
                // Rare: the tree's way reads all of it and says what it is.
                RecordJson.Result parsed = RecordJson.read(text);
                unreadable = parsed.violation();
                notObject = parsed.node();
            }
            if (unreadable != null) {
                tallyRejected(ctx, raw, null);
                reject(ctx, raw, unreadable.code(), unreadable.field(), unreadable.message(), null, raw.getRaw());
                return;
            }
            outcome = notObject == null ? validator.validate(slots, textValues) : validator.validate(notObject, textValues);
        }
        if (outcome.violation() != null) {
            Violation v = outcome.violation();
            // Rejects are rare: the tree for the tally is read again only for them.
            tallyRejected(ctx, raw, tree(raw));
            reject(ctx, raw, v.code(), v.field(), v.message(), null, raw.getRaw());
            return;
        }
        Row record = outcome.record();
        String idempotencyKey = keys.idempotencyKey(record);
        // A valid record is counted for its batch by deduplication, which knows whether its key was seen.
        ValidRecord valid = ValidRecord.of(raw, record, keys, idempotencyKey);
        this.valid[raw.getSide().ordinal()].inc();
        validTotal(raw.getSide()).add(1L);
        out.collect(valid);
    }

    /** The record as a tree (null when it cannot be read): for the rare paths that need it. */
    private JsonNode tree(RawRecord raw) {
        if (raw.getCells() != null) {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            for (FieldSpec f : feed.fields()) {
                String cell = raw.getCells().get(f.position());
                if (cell != null) {
                    node.put(f.name(), cell);
                }
            }
            return node;
        }
        return RecordJson.read(raw.getJson() != null ? raw.getJson() : raw.getRaw()).node();
    }

    private LongCounter validTotal(Side side) {
        LongCounter c = validTotals[side.ordinal()];
        if (c == null) {
            c = getRuntimeContext().getLongCounter(RunTotals.RECORDS_VALID + side.name());
            validTotals[side.ordinal()] = c;
        }
        return c;
    }

    /**
     * A rejected counterparty record is told apart from its duplicates by its canonical JSON (by its
     * text when it could not be read).
     */
    private void tallyRejected(Context ctx, RawRecord raw, JsonNode node) {
        if (raw.getSide() != Side.COUNTERPARTY) {
            return;
        }
        String canonical;
        try {
            canonical = node == null ? raw.getRaw() : canonicalJson.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            canonical = raw.getRaw();
        }
        String key = "raw:" + Sha256.hex(canonical);
        tally(ctx, raw, key, node == null || controlPosition < 0 || !node.isObject() ? null
                : RecordValidator.exactDecimal(feed.fields().get(controlPosition), node.get(feed.controlField())));
    }

    private void tally(Context ctx, RawRecord raw, String distinctKey, BigDecimal control) {
        ctx.output(Tags.TALLIES, RecordTally.newBuilder()
                .setCounterparty(raw.getSource())
                .setFeed(raw.getFeed())
                .setBusinessDate(raw.getBusinessDate())
                .setBatchId(raw.getBatchId() == null ? "" : raw.getBatchId())
                .setDistinctKey(distinctKey)
                .setValid(false)
                .setControlUnscaled(control == null ? null : ByteBuffer.wrap(control.unscaledValue().toByteArray()))
                .setControlScale(control == null ? 0 : control.scale())
                .build());
    }

    private void reject(Context ctx, RawRecord raw, ErrorCode code, String field, String message, Integer status,
                        String rawText) {
        rejected[raw.getSide().ordinal()].inc();
        byCode.inc(code);
        getRuntimeContext().getLongCounter(RunTotals.RECORDS_REJECTED + raw.getSide().name()).add(1L);
        ctx.output(Tags.REJECTS, Rejects.of(recon, Rejects.Origin.of(raw), code, field, message, status, null, rawText));
    }
}
