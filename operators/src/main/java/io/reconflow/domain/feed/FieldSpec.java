package io.reconflow.domain.feed;

import org.apache.avro.Schema;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One field of a feed: its type and the constraints its schema puts on it. Built once per job from
 * the feed's Avro schema, never per record.
 */
public final class FieldSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final int position;
    private final FieldKind kind;
    private final boolean optional;
    private final int precision;
    private final int scale;
    private final List<String> symbols;
    private final Set<Integer> allowedInts;
    private final BigDecimal minimum;
    private final boolean minimumExclusive;
    private final BigDecimal maximum;
    private final String patternText;
    private transient Pattern pattern;

    FieldSpec(String name, int position, FieldKind kind, boolean optional, int precision, int scale,
              List<String> symbols, Set<Integer> allowedInts, BigDecimal minimum, boolean minimumExclusive,
              BigDecimal maximum, String patternText) {
        this.name = name;
        this.position = position;
        this.kind = kind;
        this.optional = optional;
        this.precision = precision;
        this.scale = scale;
        this.symbols = symbols;
        this.allowedInts = allowedInts;
        this.minimum = minimum;
        this.minimumExclusive = minimumExclusive;
        this.maximum = maximum;
        this.patternText = patternText;
    }

    public String name() { return name; }
    /** Position of the field in the feed's Avro record. */
    public int position() { return position; }
    public FieldKind kind() { return kind; }
    public boolean optional() { return optional; }
    public int precision() { return precision; }
    public int scale() { return scale; }
    public List<String> symbols() { return symbols; }
    public Set<Integer> allowedInts() { return allowedInts; }
    public BigDecimal minimum() { return minimum; }
    public boolean minimumExclusive() { return minimumExclusive; }
    public BigDecimal maximum() { return maximum; }
    public String patternText() { return patternText; }

    public Pattern pattern() {
        if (patternText == null) {
            return null;
        }
        if (pattern == null) {
            pattern = Pattern.compile(patternText);
        }
        return pattern;
    }

    /** The non-null branch of the field's Avro schema. */
    static Schema valueSchema(Schema fieldSchema) {
        if (fieldSchema.getType() == Schema.Type.UNION) {
            for (Schema branch : fieldSchema.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    return branch;
                }
            }
        }
        return fieldSchema;
    }

    @Override
    public String toString() {
        return name + ":" + kind + (optional ? "?" : "");
    }
}
