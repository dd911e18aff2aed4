package io.reconflow.operators.fetch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cuts a page body ({@code {"batch_id":…, "page":…, "records":[…]}}) into the exact text of each
 * record. Records are sliced from the body bytes rather than re-serialised so that the validator
 * sees them as the counterparty wrote them: {@code 12.500} stays {@code 12.500}, key order and
 * whitespace are kept.
 *
 * <p>Only the page's own structure is read strictly: one object, a {@code records} array, strings
 * and brackets that close. Each element is cut out by {@link JsonFraming} without being read, so
 * whatever is wrong inside one record (bytes that are not UTF-8, {@code NaN}, a raw control
 * character, a huge number, deep nesting, a repeated key) is that record's alone to be rejected
 * for, by the validator; the rest of the page goes on.
 */
public final class PageParser {

    /**
     * One parsed page.
     *
     * @param batchId the body's batch_id, or null when the body has none
     * @param page the body's page number, or null when the body has none
     * @param records each element of {@code records}, exactly as received (where not UTF-8, with
     *     each bad byte replaced by U+FFFD)
     * @param undecodable by index into {@code records}: why that element's bytes are not UTF-8
     */
    public record ParsedPage(String batchId, Integer page, List<String> records, Map<Integer, String> undecodable) {
        public ParsedPage {
            records = List.copyOf(records);
            undecodable = Map.copyOf(undecodable);
        }

        public ParsedPage(String batchId, Integer page, List<String> records) {
            this(batchId, page, records, Map.of());
        }
    }

    // No limits of Jackson's own: the body is already bounded by max_body_bytes, and a long
    // batch_id is a page mismatch to report, not a parse failure to retry.
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).maxNumberLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE).build())
            .build();

    private PageParser() {}

    /** The client's parser of a page body: uses the element ends the framing marked while the body arrived. */
    static final ResponseClassifier.BodyParser<ParsedPage> BODY = new ResponseClassifier.BodyParser<>() {
        @Override
        public ParsedPage parse(byte[] body, int length) throws UnparseableBodyException {
            return PageParser.parse(body, length);
        }

        @Override
        public ParsedPage parse(BoundedBodySubscriber.Body body) throws UnparseableBodyException {
            return PageParser.parse(body.bytes(), body.length(), body.elements());
        }
    };

    public static ParsedPage parse(byte[] body) throws UnparseableBodyException {
        return parse(body, body.length);
    }

    /** Parses the first {@code length} bytes of {@code body}. */
    public static ParsedPage parse(byte[] body, int length) throws UnparseableBodyException {
        return parse(body, length, null);
    }

    /**
     * As {@link #parse(byte[], int)}, cutting the records at the ends {@code elements} marked in these
     * same bytes (null: found by reading them).
     */
    static ParsedPage parse(byte[] body, int length, FramedElements elements) throws UnparseableBodyException {
        if (length < 0 || length > body.length) {
            throw new IllegalArgumentException("length " + length + " outside the body of " + body.length + " bytes");
        }
        try {
            return new Envelope(body, length, elements).read();
        } catch (JsonFraming.FramingException e) {
            throw new UnparseableBodyException("page body is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** A cursor over the page object's own members. */
    private static final class Envelope {
        private final byte[] body;
        private final int limit;
        private final FramedElements elements;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private int pos;

        Envelope(byte[] body, int limit, FramedElements elements) {
            this.body = body;
            this.limit = limit;
            this.elements = elements;
        }

        ParsedPage read() throws UnparseableBodyException, JsonFraming.FramingException {
            if (limit >= 3 && body[0] == (byte) 0xEF && body[1] == (byte) 0xBB && body[2] == (byte) 0xBF) {
                pos = 3;
            }
            if (next() != '{') {
                throw new UnparseableBodyException("page body is not a JSON object");
            }
            pos++;
            String batchId = null;
            Integer page = null;
            List<String> records = null;
            Map<Integer, String> undecodable = new TreeMap<>();
            Set<String> seen = new HashSet<>();
            if (next() == '}') {
                pos++;
            } else {
                while (true) {
                    String field = key();
                    if (!seen.add(field)) {
                        // Two records arrays (or two batch ids) leave no single answer to which one counts.
                        throw new UnparseableBodyException("page body repeats the field " + field);
                    }
                    expect(':');
                    next();
                    int start = pos;
                    switch (field) {
                        case "batch_id" -> batchId = batchId(value(start));
                        case "page" -> page = pageNumber(value(start));
                        case "records" -> records = records(undecodable);
                        default -> pos = JsonFraming.valueEnd(body, start, limit);
                    }
                    int c = next();
                    pos++;
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw new UnparseableBodyException(c < 0 ? "page body is cut short"
                                : "page body has '" + (char) c + "' where ',' or '}' belongs at byte " + (pos - 1));
                    }
                }
            }
            if (next() >= 0) {
                throw new UnparseableBodyException("trailing content after the page object");
            }
            if (records == null) {
                throw new UnparseableBodyException("page body has no records array");
            }
            return new ParsedPage(batchId, page, records, undecodable);
        }

        private List<String> records(Map<Integer, String> undecodable)
                throws UnparseableBodyException, JsonFraming.FramingException {
            if (next() != '[') {
                throw new UnparseableBodyException("records is not an array");
            }
            int open = pos;
            pos++;
            List<String> out = new ArrayList<>();
            int first = elements == null ? -1 : elements.elementsOf(open, body, limit);
            if (first >= 0) {
                return marked(first, out, undecodable);
            }
            if (next() == ']') {
                pos++;
                return out;
            }
            while (true) {
                if (next() < 0) {
                    throw new UnparseableBodyException("records array is cut short");
                }
                int start = pos;
                long span = JsonFraming.valueSpan(body, start, limit);
                int end = (int) span;
                add(start, end, (span & JsonFraming.NON_ASCII) != 0, out, undecodable);
                pos = end;
                int c = next();
                pos++;
                if (c == ']') {
                    return out;
                }
                if (c != ',') {
                    throw new UnparseableBodyException("records array is cut short");
                }
            }
        }

        /** The records between the marked element ends, from the first at mark {@code k}; no byte of theirs read again. */
        private List<String> marked(int k, List<String> out, Map<Integer, String> undecodable)
                throws JsonFraming.FramingException {
            for (int from = pos; ; k++) {
                int end = elements.position(k);
                pos = from;
                next();
                int start = pos;
                int stop = end;
                while (stop > start && JsonFraming.isWhitespace(body[stop - 1])) {
                    stop--;
                }
                if (start == stop) {
                    if (out.isEmpty() && body[end] == ']') {
                        pos = end + 1;
                        return out;
                    }
                    throw new JsonFraming.FramingException("empty value at byte " + end);
                }
                add(start, stop, elements.nonAscii(k), out, undecodable);
                if (body[end] == ']') {
                    pos = end + 1;
                    return out;
                }
                from = end + 1;
            }
        }

        private void add(int start, int end, boolean nonAscii, List<String> out, Map<Integer, String> undecodable) {
            if (!nonAscii) {
                // Plain ASCII (most records): valid UTF-8 as it is, copied once into a Latin-1 string.
                out.add(new String(body, start, end - start, StandardCharsets.ISO_8859_1));
                return;
            }
            String why = decode(start, end, out);
            if (why != null) {
                undecodable.put(out.size() - 1, why);
            }
        }

        /** Adds the element's text to {@code out}; the reason when its bytes are not UTF-8, else null. */
        private String decode(int start, int end, List<String> out) {
            try {
                out.add(utf8.reset().decode(ByteBuffer.wrap(body, start, end - start)).toString());
                return null;
            } catch (CharacterCodingException e) {
                // The String constructor replaces each malformed sequence with U+FFFD.
                out.add(new String(body, start, end - start, StandardCharsets.UTF_8));
                return "the record's bytes are not valid UTF-8 (first bad byte at " + firstBadByte(start, end)
                        + " of its " + (end - start) + "); each bad byte is shown as U+FFFD";
            }
        }

        private int firstBadByte(int start, int end) {
            CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            ByteBuffer in = ByteBuffer.wrap(body, start, end - start);
            d.decode(in, CharBuffer.allocate(end - start), true);
            return in.position() - start;
        }

        private byte[] value(int start) throws JsonFraming.FramingException {
            int end = JsonFraming.valueEnd(body, start, limit);
            pos = end;
            return java.util.Arrays.copyOfRange(body, start, end);
        }

        private String key() throws UnparseableBodyException, JsonFraming.FramingException {
            if (next() != '"') {
                throw new UnparseableBodyException(next() < 0 ? "page body is cut short"
                        : "page body has no field name at byte " + pos);
            }
            int start = pos;
            int end = JsonFraming.stringEnd(body, start, limit);
            pos = end;
            try (JsonParser p = JSON.createParser(body, start, end - start)) {
                String name = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                if (name == null || p.nextToken() != null) {
                    throw new UnparseableBodyException("page body has no field name at byte " + start);
                }
                return name;
            } catch (JsonProcessingException e) {
                throw new UnparseableBodyException("page body is not valid JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new UnparseableBodyException("page body could not be read: " + e.getMessage(), e);
            }
        }

        private void expect(char c) throws UnparseableBodyException {
            if (next() != c) {
                throw new UnparseableBodyException(next() < 0 ? "page body is cut short"
                        : "page body lacks '" + c + "' at byte " + pos);
            }
            pos++;
        }

        /** The next byte that is not whitespace (the cursor left on it), or -1 at the end. */
        private int next() {
            while (pos < limit && JsonFraming.isWhitespace(body[pos])) {
                pos++;
            }
            return pos < limit ? body[pos] & 0xFF : -1;
        }
    }

    private static String batchId(byte[] value) throws UnparseableBodyException {
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken t = p.nextToken();
            String out = t == JsonToken.VALUE_STRING ? p.getText() : null;
            if ((t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NULL) || p.nextToken() != null) {
                throw new UnparseableBodyException("batch_id is not a string");
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new UnparseableBodyException("batch_id is not a string: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UnparseableBodyException("batch_id could not be read: " + e.getMessage(), e);
        }
    }

    private static Integer pageNumber(byte[] value) throws UnparseableBodyException {
        if (value.length > 20) {
            throw new UnparseableBodyException("page is not an integer");
        }
        try (JsonParser p = JSON.createParser(value)) {
            JsonToken t = p.nextToken();
            Integer out = null;
            if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                out = p.getIntValue();
            } else if (t != JsonToken.VALUE_NULL) {
                throw new UnparseableBodyException("page is not an integer");
            }
            if (p.nextToken() != null) {
                throw new UnparseableBodyException("page is not an integer");
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new UnparseableBodyException("page is not an integer: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UnparseableBodyException("page could not be read: " + e.getMessage(), e);
        }
    }
}
