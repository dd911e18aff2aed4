package io.reconflow.job.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.reconflow.job.ConfigException;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a reconciliation YAML into {@link ReconYaml} with Jackson, and turns Jackson's binding
 * errors into {@link ConfigException}s that start with the key at fault ({@code fetch.capacity:},
 * {@code matching.rules[0].window:}).
 */
final class YamlBinding {
    static final String DURATION_HELP = "a duration (PT5S, P2D, 500ms, 5s, 2m, 1h, 7d)";
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private static final ObjectMapper YAML = mapper();

    private YamlBinding() {
    }

    /** The YAML file with the overrides laid over it, bound. */
    static ReconYaml read(Path yaml, List<String> overrides) {
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml.toFile());
        } catch (StreamReadException e) {
            if (e.getProcessor() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
                // Without this, the later of two equal keys would win without a word.
                throw new ConfigException(key(e.getProcessor().getParsingContext()), "is set twice in " + yaml);
            }
            throw new ConfigException("--config", "cannot read " + yaml + ": " + e.getMessage());
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + yaml + ": " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException("--config", yaml + " is not a YAML mapping");
        }
        ObjectNode root = (ObjectNode) tree;
        for (String o : overrides) {
            Overrides.apply(YAML, root, o);
        }
        try {
            return YAML.treeToValue(root, ReconYaml.class);
        } catch (JsonMappingException e) {
            throw translate(e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("--config", e.getOriginalMessage());
        }
    }

    private static ObjectMapper mapper() {
        ObjectMapper m = new ObjectMapper(new YAMLFactory());
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        // Decimals stay exact in the tree (tolerances); 1.5 is not a whole number, "" not a default.
        m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.coercionConfigDefaults().setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        SimpleModule scalars = new SimpleModule("reconflow-config");
        scalars.addDeserializer(Duration.class, new Scalar<>(Duration.class, YamlBinding::duration));
        scalars.addDeserializer(LocalDate.class, new Scalar<>(LocalDate.class, LocalDate::parse));
        m.registerModule(scalars);
        return m;
    }

    /** ISO-8601 ({@code PT5S}, {@code P2D}) or short ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 7d}). */
    static Duration duration(String text) {
        String s = text.trim();
        Matcher m = SHORT_DURATION.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        Duration d = Duration.parse(s);
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative");
        }
        return d;
    }

    /** A value written as one YAML scalar and parsed from its text; anything else is a binding error. */
    private static final class Scalar<T> extends StdScalarDeserializer<T> {
        private static final long serialVersionUID = 1L;
        private final transient Function<String, T> parse;

        Scalar(Class<T> type, Function<String, T> parse) {
            super(type);
            this.parse = parse;
        }

        @Override
        @SuppressWarnings("unchecked")
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isScalarValue()) {
                return (T) ctxt.handleUnexpectedToken(handledType(), p);
            }
            String text = p.getText();
            try {
                return parse.apply(text.trim());
            } catch (DateTimeParseException | IllegalArgumentException e) {
                return (T) ctxt.handleWeirdStringValue(handledType(), text, "cannot parse");
            }
        }
    }

    /** Jackson's error as the key at fault and what it must be. */
    static ConfigException translate(JsonMappingException e) {
        String key = key(e.getPath());
        if (e instanceof UnrecognizedPropertyException u) {
            return new ConfigException(key, "unknown key; known here: " + known(u.getReferringClass(), u.getKnownPropertyIds()));
        }
        if (e instanceof InvalidFormatException f) {
            String value = String.valueOf(f.getValue());
            Class<?> type = f.getTargetType();
            if (type == Duration.class) {
                return new ConfigException(key, "'" + value + "' is not " + DURATION_HELP);
            }
            if (type == LocalDate.class) {
                return new ConfigException(key, "'" + value + "' is not a YYYY-MM-DD date");
            }
            return new ConfigException(key, "must be " + expected(type) + ", not '" + value + "'");
        }
        if (e.getCause() instanceof InputCoercionException c) {
            return new ConfigException(key, "must be a whole number up to "
                    + (c.getTargetType() == Integer.TYPE ? Integer.MAX_VALUE : Long.MAX_VALUE));
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return new ConfigException(key, "must be " + expected(m.getTargetType()));
        }
        return new ConfigException(key, e.getOriginalMessage());
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == BigDecimal.class) {
            return "a decimal number";
        }
        if (type == Duration.class) {
            return DURATION_HELP;
        }
        if (type == LocalDate.class) {
            return "a YYYY-MM-DD date";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a mapping";
        }
        return "a single value";
    }

    /** {@code matching.rules[0].window} from Jackson's reference chain. */
    private static String key(List<JsonMappingException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.isEmpty() ? "(top level)" : b.toString();
    }

    /** The keys of the block, in the order {@link ReconYaml} (and the README) lists them. */
    /** {@code counterparties[0].name} from the parser's position. */
    private static String key(JsonStreamContext at) {
        StringBuilder b = new StringBuilder();
        for (JsonStreamContext c = at; c != null && !c.inRoot(); c = c.getParent()) {
            String part = c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName();
            b.insert(0, b.isEmpty() || b.charAt(0) == '[' ? part : part + ".");
        }
        return b.isEmpty() ? "(top level)" : b.toString();
    }

    private static String known(Class<?> type, Collection<Object> ids) {
        if (type != null && type.isRecord()) {
            PropertyNamingStrategies.NamingBase snake = (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
            return Arrays.stream(type.getRecordComponents()).map(c -> snake.translate(c.getName()))
                    .collect(Collectors.joining(", "));
        }
        return ids == null ? "" : ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }
}
