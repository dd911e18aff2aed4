package io.reconflow.operators.source;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchFailure;
import io.reconflow.events.RawRecord;
import io.reconflow.events.Side;

import javax.annotation.Nullable;

/**
 * The internal file being read, its business date and feed: makes the {@link RawRecord}s of its
 * lines, and the failures of lines or of the whole file, which the validator turns into rejects.
 * {@code unit} is what a file's records are called in messages: "line" (CSV, JSON Lines) or "row" (Parquet).
 */
record FileContext(String file, String businessDate, String feed, String unit) {
    /** The last segment of the path, for messages (the reject's {@code source} holds the whole path). */
    String fileName() {
        int slash = file.lastIndexOf('/');
        return slash < 0 ? file : file.substring(slash + 1);
    }

    RawRecord record(long line, String raw, @Nullable String json) {
        // The all-fields constructor: a builder copies and checks every field, once per line read.
        return new RawRecord(Side.INTERNAL, file, feed, businessDate, null, null, line, null, raw, json, null, null, null);
    }

    /**
     * A line (or with {@code line} null, the whole file) that could not be read. The message names
     * the file and the line; {@code raw} is the text as read when it could be decoded, else null.
     */
    RawRecord failure(@Nullable Long line, ErrorCode code, @Nullable String field, String message, @Nullable String raw) {
        String where = line == null ? fileName() : fileName() + " " + unit + " " + line;
        return builder(line)
                .setRaw(raw == null ? "" : raw)
                .setFailure(FetchFailure.newBuilder()
                        .setCode(code)
                        .setField(field)
                        .setMessage(where + ": " + message)
                        .build())
                .build();
    }

    private RawRecord.Builder builder(@Nullable Long line) {
        return RawRecord.newBuilder()
                .setSide(Side.INTERNAL)
                .setSource(file)
                .setFeed(feed)
                .setBusinessDate(businessDate)
                .setLine(line);
    }
}
