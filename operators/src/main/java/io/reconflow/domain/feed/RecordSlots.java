package io.reconflow.domain.feed;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.reconflow.events.ErrorCode;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One record's feed fields, read straight from its JSON text into a slot per field (by
 * {@link FieldSpec#position()}) with no tree of the record: the validator's input on the hot path.
 * Reading is {@link RecordJson}'s, token for token, with the same bounds and the same violations in
 * the same order (its per-value code is shared); only the top-level object is not built. Unknown
 * fields are read and checked the same way, then dropped. A text that is not a JSON object reads
 * as {@link Read#NOT_OBJECT}: the caller goes the tree's way for it, which says what it is.
 *
 * <p>Reused record after record: one per function instance, not thread-safe.
 */
public final class RecordSlots implements RecordValidator.Values {
    /** How a read ended; on {@code VIOLATION}, {@link #violation()} says why. */
    public enum Read { OK, NOT_OBJECT, VIOLATION }

    private final Map<String, Integer> positions = new HashMap<>();
    private final JsonNode[] slots;
    private Violation violation;

    public RecordSlots(FeedSpec feed) {
        List<FieldSpec> fields = feed.fields();
        this.slots = new JsonNode[fields.size()];
        for (FieldSpec f : fields) {
            positions.put(f.name(), f.position());
        }
    }

    /** Reads one record's JSON text into the slots. */
    public Read read(String text) {
        Arrays.fill(slots, null);
        violation = null;
        try (JsonParser p = RecordJson.JSON.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is empty");
            }
            if (t != JsonToken.START_OBJECT) {
                return Read.NOT_OBJECT;
            }
            Set<String> unknown = null;
            for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                String name = p.currentName();
                RecordJson.checkText(name, name, "key");
                JsonNode v = RecordJson.value(p, p.nextToken(), 1, name);
                Integer position = positions.get(name);
                boolean repeated;
                if (position != null) {
                    repeated = slots[position] != null;
                    slots[position] = v;
                } else {
                    // Rare: a field the feed does not have, kept by name only to find a repeat.
                    unknown = unknown == null ? new HashSet<>() : unknown;
                    repeated = !unknown.add(name);
                }
                if (repeated) {
                    return invalid(ErrorCode.DUPLICATE_KEY, name, "key '" + Texts.abbreviate(name)
                            + "' appears more than once in one object");
                }
            }
            if (p.nextToken() != null) {
                return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is not valid JSON: trailing content after the value");
            }
            return Read.OK;
        } catch (RecordJson.Invalid e) {
            violation = e.violation;
            return Read.VIOLATION;
        } catch (JsonProcessingException e) {
            return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return invalid(ErrorCode.RECORD_UNPARSEABLE, null, "record could not be read: " + e.getMessage());
        }
    }

    /**
     * Takes a text-valued record's values (CSV) already in feed order, null where a cell is empty.
     * Nothing to parse or check: CSV text is strict UTF-8 (no lone surrogate), and a line or header
     * holding U+0000 comes as JSON instead, to be rejected by {@link #read}'s checks as before.
     */
    public void fill(List<String> cells) {
        for (int i = 0; i < slots.length; i++) {
            String cell = cells.get(i);
            slots[i] = cell == null ? null : TextNode.valueOf(cell);
        }
        violation = null;
    }

    private Read invalid(ErrorCode code, String field, String message) {
        violation = new Violation(code, field, message);
        return Read.VIOLATION;
    }

    @Override
    public JsonNode get(FieldSpec field) {
        return slots[field.position()];
    }

    public Violation violation() {
        return violation;
    }
}
