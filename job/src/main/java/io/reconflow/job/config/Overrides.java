package io.reconflow.job.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.reconflow.job.ConfigException;

/** {@code --set key=value} (README "Configuration reference"): a value read as YAML, laid into the tree before binding. */
final class Overrides {
    private Overrides() {
    }

    static void apply(ObjectMapper yaml, ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + override, "must be key=value, e.g. fetch.capacity=32");
        }
        String key = override.substring(0, eq).trim();
        JsonNode value = value(yaml, override.substring(eq + 1));
        // "a.b[0].c" and "a.b.0.c" both address the first element of list b.
        String[] parts = key.replace("[", ".").replace("]", "").split("\\.");
        JsonNode node = root;
        for (int i = 0; i < parts.length; i++) {
            boolean last = i == parts.length - 1;
            String part = parts[i];
            if (node instanceof ObjectNode obj) {
                if (last) {
                    obj.set(part, value);
                } else {
                    JsonNode next = obj.get(part);
                    if (next == null || !next.isContainerNode()) {
                        next = isIndex(parts[i + 1]) ? obj.putArray(part) : obj.putObject(part);
                    }
                    node = next;
                }
            } else if (node instanceof ArrayNode arr && isIndex(part)) {
                int index = Integer.parseInt(part);
                if (index > arr.size()) {
                    throw new ConfigException(key, "list has " + arr.size() + " entries; index " + index + " skips some");
                }
                if (last) {
                    if (index == arr.size()) {
                        arr.add(value);
                    } else {
                        arr.set(index, value);
                    }
                } else {
                    if (index == arr.size()) {
                        arr.add(JsonNodeFactory.instance.objectNode());
                    }
                    node = arr.get(index);
                }
            } else {
                throw new ConfigException(key, "'" + part + "' does not address anything here");
            }
        }
    }

    /** The value as YAML ({@code [a, b]}, {@code {k: v}}, numbers), or as text when it is not YAML. */
    private static JsonNode value(ObjectMapper yaml, String text) {
        if (text.isEmpty()) {
            return TextNode.valueOf("");
        }
        try {
            JsonNode value = yaml.readTree(text);
            return value == null || value.isMissingNode() ? TextNode.valueOf(text) : value;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }

    private static boolean isIndex(String part) {
        return !part.isEmpty() && part.chars().allMatch(Character::isDigit);
    }
}
