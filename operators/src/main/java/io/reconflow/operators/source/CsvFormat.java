package io.reconflow.operators.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.RawRecord;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldSpec;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;

import javax.annotation.Nullable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * RFC 4180 CSV with a header row. A record ends at the line break after which its quotes are
 * balanced, so a quoted cell may hold line breaks and doubled quotes; the record's cells are then
 * read by Jackson's CSV parser and passed on as the cells of the feed's fields, in feed order. Each record that cannot be read (an unbalanced quote, bytes that
 * are not UTF-8, more or fewer cells than the header) is one reject naming its file and line, and
 * reading goes on: after a quote that never closes properly, at the line after the one it opened
 * on. A header that is unreadable, repeats a column or lacks a feed field fails the whole file
 * ({@code FILE_UNREADABLE}).
 */
final class CsvFormat extends PerFileFormat {
    private static final long serialVersionUID = 1L;
    private static final ObjectReader CELLS = new CsvMapper().readerFor(String[].class)
            .with(CsvParser.Feature.WRAP_AS_ARRAY);

    private final FeedSpec feed;

    CsvFormat(FileContext context, FeedSpec feed) {
        super(context);
        this.feed = feed;
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen, long splitEnd) {
        return new CsvReader(new ByteLines(stream, MAX_RECORD_BYTES), stream);
    }

    /** One record: where it starts, its text (null if it cannot be decoded) and cells, or why it cannot be read. */
    private record Assembled(long line, @Nullable String text, @Nullable String[] cells, @Nullable String problem) {}

    private final class CsvReader implements Reader<RawRecord> {
        private final ByteLines lines;
        private final FSDataInputStream stream;
        private String[] header;
        /** The column of each feed field, in feed order; null when the header holds a U+0000. */
        @Nullable
        private int[] feedColumns;
        private boolean done;

        CsvReader(ByteLines lines, FSDataInputStream stream) {
            this.lines = lines;
            this.stream = stream;
        }

        @Nullable
        @Override
        public RawRecord read() throws IOException {
            if (done) {
                return null;
            }
            if (header == null) {
                RawRecord failure = readHeader();
                if (failure != null || header == null) {
                    done = true;
                    return failure;
                }
            }
            Assembled next = assemble();
            if (next == null) {
                done = true;
                return null;
            }
            if (next.problem() != null) {
                return context.failure(next.line(), ErrorCode.RECORD_UNPARSEABLE, null, next.problem(), next.text());
            }
            String[] cells = next.cells();
            if (cells.length != header.length) {
                return context.failure(next.line(), ErrorCode.RECORD_UNPARSEABLE, null,
                        cells.length + " cells where the header has " + header.length, next.text());
            }
            if (feedColumns != null && next.text().indexOf('\u0000') < 0) {
                // The cells themselves, in feed order: validation reads them with no JSON in between.
                List<String> values = new ArrayList<>(feedColumns.length);
                for (int column : feedColumns) {
                    values.add(cells[column].isEmpty() ? null : cells[column]);
                }
                RawRecord record = context.record(next.line(), next.text(), null);
                record.setCells(values);
                return record;
            }
            // U+0000 is rejected by the JSON reader's checks of every key and value, known or not.
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < cells.length; i++) {
                if (!cells[i].isEmpty()) {
                    json.put(header[i], cells[i]);
                }
            }
            return context.record(next.line(), next.text(), json.toString());
        }

        /** Reads the header; returns the failure of the file when it cannot serve as one. */
        @Nullable
        private RawRecord readHeader() throws IOException {
            Assembled first = assemble();
            if (first == null) {
                return null;
            }
            if (first.problem() != null) {
                return context.failure(first.line(), ErrorCode.FILE_UNREADABLE, null,
                        "the header cannot be read: " + first.problem(), first.text());
            }
            String[] names = first.cells();
            Set<String> seen = new HashSet<>();
            for (String name : names) {
                if (!seen.add(name)) {
                    return context.failure(first.line(), ErrorCode.FILE_UNREADABLE, name,
                            "the header names column '" + name + "' twice", first.text());
                }
            }
            List<String> missing = new ArrayList<>();
            for (FieldSpec f : feed.fields()) {
                if (!seen.contains(f.name())) {
                    missing.add(f.name());
                }
            }
            if (!missing.isEmpty()) {
                return context.failure(first.line(), ErrorCode.FILE_UNREADABLE, missing.get(0),
                        "the header has no column " + String.join(", ", missing) + " of feed " + feed.name(), first.text());
            }
            header = names;
            if (Arrays.stream(names).noneMatch(n -> n.indexOf('\u0000') >= 0)) {
                List<String> columns = Arrays.asList(names);
                feedColumns = feed.fields().stream().mapToInt(f -> columns.indexOf(f.name())).toArray();
            }
            return null;
        }

        /** The next record (skipping blank lines), or null at the end of the file. */
        @Nullable
        private Assembled assemble() throws IOException {
            ByteLines.Line first = lines.nextNonBlank();
            if (first == null) {
                return null;
            }
            if (first.overlong()) {
                return new Assembled(first.number(), null, null, overlong());
            }
            List<ByteLines.Line> parts = new ArrayList<>();
            parts.add(first);
            long quotes = quotes(first.bytes());
            int size = first.length();
            while (quotes % 2 == 1) {
                ByteLines.Line more = lines.next();
                if (more == null || more.overlong() || size + 1 + more.length() > MAX_RECORD_BYTES) {
                    if (more != null) {
                        parts.add(more);
                    }
                    String why = more == null ? "the file ends" : "the record passes " + MAX_RECORD_BYTES + " bytes";
                    return unbalanced(parts, "a quoted cell opened on this line is not closed before " + why);
                }
                parts.add(more);
                quotes += quotes(more.bytes());
                size += 1 + more.length();
            }
            byte[] joined = join(parts, size);
            int[] range = ByteLines.content(new ByteLines.Line(first.number(), joined));
            String text;
            try {
                text = StrictUtf8.decode(joined, range[0], range[1]);
            } catch (StrictUtf8.Malformed e) {
                return new Assembled(first.number(), null, null, describe(e, joined, range[0], first.number()));
            }
            String[] cells;
            try {
                cells = parse(text);
            } catch (IOException e) {
                if (parts.size() > 1) {
                    return unbalanced(parts, "a quoted cell opened on this line does not close properly (" + message(e) + ")");
                }
                return new Assembled(first.number(), text, null, "not CSV: " + message(e));
            }
            if (cells == null) {
                String why = "a '\"' inside a cell that is not quoted (RFC 4180: quote the whole cell and double the '\"')";
                return parts.size() > 1 ? unbalanced(parts, why)
                        : new Assembled(first.number(), text, null, "more than one record on the line: " + why + " or a bare carriage return");
            }
            return new Assembled(first.number(), text, cells, null);
        }

        /** The first line alone is rejected; the lines after it are read again as records of their own. */
        private Assembled unbalanced(List<ByteLines.Line> parts, String why) {
            lines.pushBack(parts.subList(1, parts.size()));
            ByteLines.Line line = parts.get(0);
            int[] range = ByteLines.content(line);
            String text;
            try {
                text = StrictUtf8.decode(line.bytes(), range[0], range[1]);
            } catch (StrictUtf8.Malformed e) {
                text = null;
            }
            return new Assembled(line.number(), text, null, "unbalanced quote: " + why);
        }

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    /**
     * The cells of one record, or null when the text holds more than one record. Throws when it
     * is not CSV (an unbalanced quote, a character after a closing quote).
     */
    @Nullable
    private static String[] parse(String text) throws IOException {
        try (MappingIterator<String[]> rows = CELLS.readValues(text)) {
            String[] first = rows.hasNextValue() ? rows.nextValue() : new String[] {""};
            return rows.hasNextValue() ? null : first;
        } catch (RuntimeJsonMappingException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    private static String message(IOException e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static long quotes(byte[] bytes) {
        long n = 0;
        for (byte b : bytes) {
            if (b == '"') {
                n++;
            }
        }
        return n;
    }

    private static byte[] join(List<ByteLines.Line> parts, int size) {
        byte[] out = new byte[size];
        int at = 0;
        for (ByteLines.Line l : parts) {
            if (at > 0) {
                out[at++] = '\n';
            }
            System.arraycopy(l.bytes(), 0, out, at, l.length());
            at += l.length();
        }
        return out;
    }

    /** Which physical line and column of a record the bad bytes are on. */
    static String describe(StrictUtf8.Malformed e, byte[] bytes, int from, long firstLine) {
        long line = firstLine;
        int lineStart = from;
        for (int i = from; i < from + e.offset; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "not UTF-8: " + e.bytes + " at line " + line + ", byte " + (from + e.offset - lineStart + 1)
                + " (internal files must be UTF-8)";
    }
}
