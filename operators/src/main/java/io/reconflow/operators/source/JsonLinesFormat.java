package io.reconflow.operators.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;

import javax.annotation.Nullable;
import java.io.IOException;

/**
 * JSON Lines: one JSON value per line, kept as its text for the validator. A line that is not
 * UTF-8, is longer than the cap, or has anything but white space after its value is one reject
 * naming its file and line; blank lines are skipped.
 */
final class JsonLinesFormat extends PerFileFormat {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();

    JsonLinesFormat(FileContext context) {
        super(context);
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen, long splitEnd) {
        ByteLines lines = new ByteLines(stream, MAX_RECORD_BYTES);
        return new Reader<>() {
            @Nullable
            @Override
            public RawRecord read() throws IOException {
                ByteLines.Line line = lines.nextNonBlank();
                if (line == null) {
                    return null;
                }
                if (line.overlong()) {
                    return context.failure(line.number(), ErrorCode.RECORD_UNPARSEABLE, null, overlong(), null);
                }
                int[] range = ByteLines.content(line);
                String text;
                try {
                    text = StrictUtf8.decode(line.bytes(), range[0], range[1]);
                } catch (StrictUtf8.Malformed e) {
                    return context.failure(line.number(), ErrorCode.RECORD_UNPARSEABLE, null,
                            CsvFormat.describe(e, line.bytes(), range[0], line.number()), null);
                }
                String trailing = trailingText(text);
                if (trailing != null) {
                    return context.failure(line.number(), ErrorCode.RECORD_UNPARSEABLE, null, trailing, text);
                }
                return context.record(line.number(), text, null);
            }

            @Override
            public void close() throws IOException {
                stream.close();
            }
        };
    }

    /**
     * Why the line has more than one JSON value, or null. A line that is not JSON at all passes:
     * the validator rejects it with the parser's own message.
     */
    @Nullable
    static String trailingText(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            try {
                if (p.nextToken() == null) {
                    return null;
                }
                p.skipChildren();
            } catch (JsonProcessingException e) {
                return null;
            }
            try {
                if (p.nextToken() == null) {
                    return null;
                }
            } catch (JsonProcessingException e) {
                // Not even a JSON token: still text after the value.
            }
            return "text after the JSON value at column " + p.currentLocation().getColumnNr() + " (one JSON object per line)";
        } catch (IOException e) {
            throw new IllegalStateException("reading a String cannot fail", e);
        }
    }
}
