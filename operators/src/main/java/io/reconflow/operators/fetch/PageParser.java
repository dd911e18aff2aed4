package io.reconflow.operators.fetch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Cuts a page body ({@code {"batch_id":…, "page":…, "records":[…]}}) into the exact text of each
 * record. Records are sliced from the body bytes rather than re-serialised so that the validator
 * sees them as the counterparty wrote them: {@code 12.500} stays {@code 12.500}, key order and
 * whitespace are kept. Elements that are not objects are kept too; rejecting them is the
 * validator's job, not the page's.
 */
public final class PageParser {

    /**
     * One parsed page.
     *
     * @param batchId the body's batch_id, or null when the body has none
     * @param page the body's page number, or null when the body has none
     * @param records each element of {@code records}, exactly as received
     */
    public record ParsedPage(String batchId, Integer page, List<String> records) {
        public ParsedPage {
            records = List.copyOf(records);
        }
    }

    // No STRICT_DUPLICATE_DETECTION: it would also fire inside records, and a record with a repeated
    // key is the validator's to reject alone. Top-level duplicates are caught below.
    private static final JsonFactory JSON = new JsonFactory();

    private PageParser() {}

    public static ParsedPage parse(byte[] body) throws UnparseableBodyException {
        return parse(body, body.length);
    }

    /** Parses the first {@code length} bytes of {@code body}. */
    public static ParsedPage parse(byte[] body, int length) throws UnparseableBodyException {
        if (length < 0 || length > body.length) {
            throw new IllegalArgumentException("length " + length + " outside the body of " + body.length + " bytes");
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new UnparseableBodyException("page body is not a JSON object");
            }
            String batchId = null;
            Integer page = null;
            List<String> records = null;
            Set<String> seen = new HashSet<>();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new UnparseableBodyException("page body is cut short");
                }
                String field = p.currentName();
                if (!seen.add(field)) {
                    // Two records arrays (or two batch ids) leave no single answer to which one counts.
                    throw new UnparseableBodyException("page body repeats the field " + field);
                }
                JsonToken value = p.nextToken();
                switch (field) {
                    case "batch_id" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            batchId = p.getText();
                        } else if (value != JsonToken.VALUE_NULL) {
                            throw new UnparseableBodyException("batch_id is not a string");
                        }
                    }
                    case "page" -> {
                        if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                            page = p.getIntValue();
                        } else if (value != JsonToken.VALUE_NULL) {
                            throw new UnparseableBodyException("page is not an integer");
                        }
                    }
                    case "records" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw new UnparseableBodyException("records is not an array");
                        }
                        records = sliceElements(p, body, utf8);
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new UnparseableBodyException("trailing content after the page object");
            }
            if (records == null) {
                throw new UnparseableBodyException("page body has no records array");
            }
            return new ParsedPage(batchId, page, records);
        } catch (JsonProcessingException e) {
            throw new UnparseableBodyException("page body is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            // Only reachable on a byte[] source through a malformed body, never a real I/O fault.
            throw new UnparseableBodyException("page body could not be read: " + e.getMessage(), e);
        }
    }

    private static List<String> sliceElements(JsonParser p, byte[] body, CharsetDecoder utf8)
            throws IOException, UnparseableBodyException {
        List<String> out = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new UnparseableBodyException("records array is cut short");
            }
            long start = p.currentTokenLocation().getByteOffset();
            if (t.isStructStart()) {
                p.skipChildren();
            } else {
                // Strings are decoded lazily; finishing the token moves the location past its closing quote.
                p.finishToken();
            }
            long end = p.currentLocation().getByteOffset();
            if (start < 0 || end < start || end > body.length) {
                // Offsets are only known for UTF-8 byte input; anything else cannot be sliced exactly.
                throw new UnparseableBodyException("page body is not UTF-8 JSON");
            }
            out.add(decode(utf8, body, (int) start, (int) (end - start)));
        }
        return out;
    }

    private static String decode(CharsetDecoder utf8, byte[] body, int offset, int length)
            throws UnparseableBodyException {
        try {
            return utf8.reset().decode(ByteBuffer.wrap(body, offset, length)).toString();
        } catch (CharacterCodingException e) {
            throw new UnparseableBodyException("record at byte " + offset + " is not valid UTF-8");
        }
    }
}
