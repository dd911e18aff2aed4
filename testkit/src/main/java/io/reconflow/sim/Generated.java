package io.reconflow.sim;

import io.reconflow.events.ErrorCode;

import java.util.Map;
import java.util.Set;

/** The records the generator holds while it makes a batch. */
final class Generated {
    private Generated() {}

    /** A valid record: typed values, how they are written, the text, and its match key. */
    record Built(Map<String, Object> values, Map<String, Json> rendered, String text, String matchKey) {}

    record Pair(Built ours, Built theirs, Set<String> breakFields) {}

    record Conflict(Built copy, String field) {}

    record Invalid(ErrorCode code, String field, String matchKey, Map<String, Json> rendered, String text) {}

    /** A record on a page; twins (an exact duplicate and its original) share a group >= 0. */
    static final class Item {
        final String text;
        int group = -1;

        Item(String text) {
            this.text = text;
        }
    }
}
