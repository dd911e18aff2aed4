package io.reconflow.domain.feed;

import org.apache.flink.types.Row;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The keys of a typed feed record.
 *
 * <p>Canonical form (README "Idempotency key"): for each key field in the order the YAML lists
 * them, {@code name=value} with the value's canonical text ({@link FeedValues#canonical}; an
 * absent value is written as the single character U+0000), the parts joined with U+001F. The
 * idempotency key is the lower-case hex SHA-256 of that text in UTF-8; the content hash is the
 * SHA-256 (32 bytes) over every field of the schema. The match key is the canonical values alone joined with {@code |}.
 */
public final class RecordKeys {
    private static final char SEPARATOR = '\u001f';
    private static final String ABSENT = "\u0000";

    private final List<FieldSpec> idempotencyFields;
    private final List<FieldSpec> matchFields;
    private final List<FieldSpec> allFields;
    private final StringBuilder buffer = new StringBuilder(256);
    // The hot path: the same form as bytes, hashed from a reused buffer by a digest of its own.
    private final byte[][] idempotencyNames;
    private final byte[][] allNames;
    private final CanonicalBytes bytes = new CanonicalBytes();
    private final MessageDigest sha256 = Sha256.newDigest();

    public RecordKeys(FeedSpec feed) {
        this.idempotencyFields = feed.idempotencyKey().stream().map(feed::field).toList();
        this.matchFields = feed.matchKey().stream().map(feed::field).toList();
        this.allFields = feed.fields();
        this.idempotencyNames = names(idempotencyFields);
        this.allNames = names(allFields);
    }

    private static byte[][] names(List<FieldSpec> fields) {
        return fields.stream().map(f -> (f.name() + "=").getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    public String idempotencyKey(Row record) {
        return HexFormat.of().formatHex(digest(record, idempotencyFields, idempotencyNames));
    }

    public byte[] contentHash(Row record) {
        return digest(record, allFields, allNames);
    }

    private byte[] digest(Row record, List<FieldSpec> fields, byte[][] names) {
        bytes.fill(record, fields, names);
        sha256.update(bytes.bytes(), 0, bytes.length());
        return sha256.digest();
    }

    /** The canonical form's UTF-8 bytes as hashed, exposed so a test can hold them to {@link #canonicalForm}. */
    byte[] canonicalBytes(Row record, List<FieldSpec> fields) {
        bytes.fill(record, fields, names(fields));
        return java.util.Arrays.copyOf(bytes.bytes(), bytes.length());
    }

    public String matchKey(Row record) {
        return joinValues(record, matchFields);
    }

    /** The canonical values of the given fields joined with {@code |} (absent values as empty). */
    public static String joinValues(Row record, List<FieldSpec> fields) {
        if (fields.size() == 1) {
            String v = FeedValues.canonical(record, fields.get(0));
            return v == null ? "" : v;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append('|');
            }
            String v = FeedValues.canonical(record, fields.get(i));
            sb.append(v == null ? "" : v);
        }
        return sb.toString();
    }

    /** The text that is hashed, exposed so the README's recipe can be checked by a test. */
    public String canonicalForm(Row record, List<FieldSpec> fields) {
        return fill(record, fields).toString();
    }

    /** The canonical form as text, in the reused buffer (the recipe the bytes are held to). */
    private StringBuilder fill(Row record, List<FieldSpec> fields) {
        StringBuilder sb = buffer;
        sb.setLength(0);
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(SEPARATOR);
            }
            FieldSpec f = fields.get(i);
            String v = FeedValues.canonical(record, f);
            sb.append(f.name()).append('=').append(v == null ? ABSENT : v);
        }
        return sb;
    }

    public List<FieldSpec> idempotencyFields() {
        return idempotencyFields;
    }
}
