package io.reconflow.domain.feed;

import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the job knows about one feed: its fields (from the feed's Avro schema, with their
 * constraints), its match key, idempotency key and control field (from the reconciliation YAML).
 * Nothing in the operators is specific to a feed; they all read this.
 *
 * <p>Schema conventions (README "Adding a feed"): {@code "pattern"} on a string field, {@code
 * "allowed"} on an int field, {@code "minimum"}, {@code "exclusiveMinimum"} and {@code "maximum"}
 * on a numeric field, and a record-level {@code "checks"} list for checks across fields.
 */
public final class FeedSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String schemaJson;
    private final List<FieldSpec> fields;
    private final Map<String, FieldSpec> byName;
    private final List<String> matchKey;
    private final List<String> idempotencyKey;
    private final String controlField;
    private final List<DomainCheck> checks;
    private transient Schema schema;

    private FeedSpec(String name, String schemaJson, List<FieldSpec> fields, List<String> matchKey,
                     List<String> idempotencyKey, String controlField, List<DomainCheck> checks) {
        this.name = name;
        this.schemaJson = schemaJson;
        this.fields = fields;
        this.byName = new HashMap<>();
        for (FieldSpec f : fields) {
            byName.put(f.name(), f);
        }
        this.matchKey = matchKey;
        this.idempotencyKey = idempotencyKey;
        this.controlField = controlField;
        this.checks = checks;
    }

    /**
     * Reads a feed from its Avro schema text and the keys the reconciliation names.
     *
     * @throws IllegalArgumentException naming what is wrong, for a schema that breaks the
     *     conventions or a key that names no field
     */
    public static FeedSpec of(String name, String schemaJson, List<String> matchKey,
                              List<String> idempotencyKey, String controlField) {
        Schema schema = new Schema.Parser().parse(schemaJson);
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("feed schema of " + name + " must be an Avro record");
        }
        List<FieldSpec> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            fields.add(fieldSpec(f));
        }
        Set<String> names = new LinkedHashSet<>();
        fields.forEach(f -> names.add(f.name()));
        requireFields("match_key", matchKey, names);
        List<String> idem = idempotencyKey == null || idempotencyKey.isEmpty() ? matchKey : idempotencyKey;
        requireFields("idempotency_key", idem, names);
        if (controlField != null && !names.contains(controlField)) {
            throw new IllegalArgumentException("control_field '" + controlField + "' is not a field of " + name);
        }
        List<DomainCheck> checks = checks(schema, names);
        return new FeedSpec(name, schema.toString(), List.copyOf(fields), List.copyOf(matchKey),
                List.copyOf(idem), controlField, checks);
    }

    private static void requireFields(String what, List<String> keys, Set<String> names) {
        if (keys == null || keys.isEmpty()) {
            throw new IllegalArgumentException(what + " must name at least one field");
        }
        for (String k : keys) {
            if (!names.contains(k)) {
                throw new IllegalArgumentException(what + " names '" + k + "', which is not a field; fields: " + names);
            }
        }
    }

    private static FieldSpec fieldSpec(Schema.Field f) {
        Schema s = f.schema();
        boolean optional = false;
        if (s.getType() == Schema.Type.UNION) {
            List<Schema> branches = s.getTypes();
            optional = branches.stream().anyMatch(b -> b.getType() == Schema.Type.NULL);
            long nonNull = branches.stream().filter(b -> b.getType() != Schema.Type.NULL).count();
            if (nonNull != 1) {
                throw new IllegalArgumentException("field '" + f.name() + "': only [\"null\", T] unions are supported");
            }
        }
        Schema v = FieldSpec.valueSchema(s);
        LogicalType lt = v.getLogicalType();
        FieldKind kind;
        int precision = 0;
        int scale = 0;
        List<String> symbols = null;
        switch (v.getType()) {
            case STRING -> kind = FieldKind.STRING;
            case ENUM -> {
                kind = FieldKind.ENUM;
                symbols = List.copyOf(v.getEnumSymbols());
            }
            case BOOLEAN -> kind = FieldKind.BOOLEAN;
            case INT -> kind = lt instanceof LogicalTypes.Date ? FieldKind.DATE : FieldKind.INT;
            case LONG -> {
                if (lt instanceof LogicalTypes.TimestampMicros) {
                    kind = FieldKind.TIMESTAMP;
                } else if (lt != null) {
                    throw new IllegalArgumentException("field '" + f.name() + "': use timestamp-micros for timestamps");
                } else {
                    kind = FieldKind.LONG;
                }
            }
            case BYTES -> {
                if (!(lt instanceof LogicalTypes.Decimal d)) {
                    throw new IllegalArgumentException("field '" + f.name() + "': bytes must carry logicalType decimal");
                }
                kind = FieldKind.DECIMAL;
                precision = d.getPrecision();
                scale = d.getScale();
            }
            default -> throw new IllegalArgumentException(
                    "field '" + f.name() + "': type " + v.getType() + " is not supported in a feed schema");
        }
        Set<Integer> allowed = null;
        Object allowedProp = f.getObjectProp("allowed");
        if (allowedProp != null) {
            if (kind != FieldKind.INT || !(allowedProp instanceof List<?> list)) {
                throw new IllegalArgumentException("field '" + f.name() + "': \"allowed\" takes a list of ints on an int field");
            }
            Set<Integer> set = new LinkedHashSet<>();
            for (Object o : list) {
                set.add(((Number) o).intValue());
            }
            allowed = Collections.unmodifiableSet(set);
        }
        BigDecimal min = decimalProp(f, "minimum");
        BigDecimal exclusiveMin = decimalProp(f, "exclusiveMinimum");
        if (min != null && exclusiveMin != null) {
            throw new IllegalArgumentException("field '" + f.name() + "': give minimum or exclusiveMinimum, not both");
        }
        BigDecimal max = decimalProp(f, "maximum");
        String pattern = f.getProp("pattern");
        if (pattern != null && kind != FieldKind.STRING) {
            throw new IllegalArgumentException("field '" + f.name() + "': \"pattern\" applies to string fields only");
        }
        return new FieldSpec(f.name(), f.pos(), kind, optional, precision, scale, symbols, allowed,
                exclusiveMin != null ? exclusiveMin : min, exclusiveMin != null, max, pattern);
    }

    private static BigDecimal decimalProp(Schema.Field f, String prop) {
        Object v = f.getObjectProp(prop);
        if (v == null) {
            return null;
        }
        try {
            return new BigDecimal(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("field '" + f.name() + "': \"" + prop + "\" must be a number, not " + v);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<DomainCheck> checks(Schema schema, Set<String> names) {
        Object prop = schema.getObjectProp("checks");
        if (prop == null || prop == JsonProperties.NULL_VALUE) {
            return List.of();
        }
        if (!(prop instanceof List<?> list)) {
            throw new IllegalArgumentException("schema property \"checks\" must be a list");
        }
        List<DomainCheck> out = new ArrayList<>();
        for (Object o : list) {
            Map<String, Object> m = (Map<String, Object>) o;
            String field = (String) m.get("field");
            DomainCheck.Operator op = null;
            String other = null;
            for (DomainCheck.Operator candidate : DomainCheck.Operator.values()) {
                if (m.containsKey(candidate.key())) {
                    op = candidate;
                    other = (String) m.get(candidate.key());
                }
            }
            if (field == null || op == null || !names.contains(field) || !names.contains(other)) {
                throw new IllegalArgumentException("check " + m + " must be {field: F, less_than|less_or_equal|"
                        + "greater_than|greater_or_equal: G} over fields of the feed");
            }
            out.add(new DomainCheck(field, op, other));
        }
        return List.copyOf(out);
    }

    public String name() { return name; }
    public List<FieldSpec> fields() { return fields; }
    public List<String> matchKey() { return matchKey; }
    public List<String> idempotencyKey() { return idempotencyKey; }
    public String controlField() { return controlField; }
    public List<DomainCheck> checks() { return checks; }
    public String schemaJson() { return schemaJson; }

    public FieldSpec field(String fieldName) {
        FieldSpec f = byName.get(fieldName);
        if (f == null) {
            throw new IllegalArgumentException("'" + fieldName + "' is not a field of feed " + name);
        }
        return f;
    }

    public boolean hasField(String fieldName) {
        return byName.containsKey(fieldName);
    }

    /** The feed's Avro schema, with strings read as {@link String}. */
    public Schema schema() {
        if (schema == null) {
            schema = AvroSchemas.withJavaStrings(new Schema.Parser().parse(schemaJson));
        }
        return schema;
    }
}
