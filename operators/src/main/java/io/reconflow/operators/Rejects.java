package io.reconflow.operators;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;

import javax.annotation.Nullable;

/**
 * The one place a {@link Reject} is built: where the record came from, why it is rejected, and its
 * text, with the message and the raw text bounded by {@link RejectTexts}.
 */
public final class Rejects {
    private Rejects() {}

    /** Where a rejected record, page or request came from within its run. */
    public record Origin(String feed, String businessDate, Side side, String source, @Nullable String batchId,
                         @Nullable Integer page, @Nullable Long line, @Nullable String correlationId) {

        public static Origin of(RawRecord raw) {
            return new Origin(raw.getFeed(), raw.getBusinessDate(), raw.getSide(), raw.getSource(), raw.getBatchId(),
                    raw.getPage(), raw.getLine(), raw.getCorrelationId());
        }
    }

    /** A reject without an HTTP status or idempotency key. */
    public static Reject of(String recon, Origin origin, ErrorCode code, @Nullable String field, String message,
                            @Nullable String raw) {
        return of(recon, origin, code, field, message, null, null, raw);
    }

    /**
     * @param raw the record's whole text as received (null for a failed request): stored cut to
     *     {@link RejectTexts#MAX_RAW_CHARS} with its SHA-256
     */
    public static Reject of(String recon, Origin origin, ErrorCode code, @Nullable String field, String message,
                            @Nullable Integer httpStatus, @Nullable String idempotencyKey, @Nullable String raw) {
        Reject.Builder b = Reject.newBuilder()
                .setRecon(recon)
                .setFeed(origin.feed())
                .setBusinessDate(origin.businessDate())
                .setSide(origin.side())
                .setSource(origin.source())
                .setBatchId(origin.batchId())
                .setPage(origin.page())
                .setLine(origin.line())
                .setCorrelationId(origin.correlationId())
                .setErrorCode(code)
                .setField(field)
                .setMessage(RejectTexts.message(message))
                .setHttpStatus(httpStatus)
                .setIdempotencyKey(idempotencyKey);
        return RejectTexts.raw(b, raw).build();
    }
}
