package io.reconflow.sim;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.Map;

/**
 * One JSON value as the generator writes it. Numbers keep their exact text ({@code 12.500} stays
 * {@code 12.500}), which a tree model would normalise; {@link Verbatim} is any JSON text.
 */
sealed interface Json permits Json.Str, Json.Num, Json.Bool, Json.Null, Json.Verbatim {

    record Str(String value) implements Json {}

    record Num(String text) implements Json {}

    record Bool(boolean value) implements Json {}

    record Null() implements Json {}

    record Verbatim(String json) implements Json {}

    Json NULL = new Null();

    /** The CSV cell text of the value; null for JSON null (an empty cell). */
    static String cell(Json j) {
        if (j instanceof Str s) {
            return s.value();
        } else if (j instanceof Num n) {
            return n.text();
        } else if (j instanceof Bool b) {
            return Boolean.toString(b.value());
        } else if (j instanceof Verbatim v) {
            return v.json();
        }
        return null;
    }

    /** A JSON object with the given members, in map order. */
    static String object(Map<String, Json> members) {
        return Scenario.json(g -> {
            g.writeStartObject();
            for (Map.Entry<String, Json> e : members.entrySet()) {
                g.writeFieldName(e.getKey());
                write(g, e.getValue());
            }
            g.writeEndObject();
        });
    }

    private static void write(JsonGenerator g, Json j) throws IOException {
        if (j instanceof Str s) {
            g.writeString(s.value());
        } else if (j instanceof Num n) {
            g.writeNumber(n.text());
        } else if (j instanceof Bool b) {
            g.writeBoolean(b.value());
        } else if (j instanceof Verbatim v) {
            g.writeRawValue(v.json());
        } else {
            g.writeNull();
        }
    }
}
