package io.reconflow.sim;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** An answer of the simulator before it leaves: status, extra headers, body. */
record SimReply(int status, Map<String, String> headers, byte[] body) {

    static SimReply ok(byte[] body) {
        return new SimReply(200, new HashMap<>(), body);
    }

    /** The contract's Error body. */
    static SimReply error(int status, String code, String message) {
        String body = Scenario.json(g -> {
            g.writeStartObject();
            g.writeStringField("error", code);
            g.writeStringField("message", message);
            g.writeEndObject();
        });
        return new SimReply(status, new HashMap<>(), body.getBytes(StandardCharsets.UTF_8));
    }

    /** A complete 200 body that is not JSON: the real one broken in the middle. */
    SimReply garbled() {
        byte[] broken = Arrays.copyOf(body, body.length / 2 + 3);
        broken[broken.length - 3] = '}';
        broken[broken.length - 2] = '{';
        broken[broken.length - 1] = ']';
        return new SimReply(200, headers, broken);
    }
}
