package io.reconflow.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.feed.FieldSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Splices malformed records, a seeded random mix of every kind a hostile counterparty can send,
 * between the valid records of a scenario's pages, and says what each must become: its reject code,
 * field and stored text. What it expects is written down here from the kind of damage done, never
 * asked of the job's own validator.
 *
 * <p>Each malformed record is a valid served record with exactly one thing broken, plus a
 * {@code fuzz_id} field of its own so that no two are alike. Bytes that are not UTF-8 are written
 * into the text as lone surrogates U+DC80 to U+DCFF, each standing for the one byte 0x80 to 0xFF
 * ({@link Scenario.Page#bodyBytes} writes them so); the job stores each such byte as U+FFFD. The
 * manifests count the added records (none of them adds to a control total: none has a control
 * value that is a valid decimal), and the truth's rejects and totals include them.
 */
public final class MalformedRecords {

    /** The kinds of damage, each with the code the job must give it. */
    public enum Kind {
        NAN(ErrorCode.RECORD_UNPARSEABLE), INFINITY(ErrorCode.RECORD_UNPARSEABLE),
        RAW_NUL(ErrorCode.RECORD_UNPARSEABLE), RAW_CONTROL(ErrorCode.RECORD_UNPARSEABLE),
        DEEP_NESTING(ErrorCode.RECORD_UNPARSEABLE), LONG_NUMBER(ErrorCode.NUMBER_TOO_LONG),
        HUGE_EXPONENT(ErrorCode.NUMBER_TOO_LONG), LONG_DIGIT_STRING(ErrorCode.NUMBER_TOO_LONG),
        TOO_PRECISE(ErrorCode.BAD_DECIMAL), NUL_ESCAPE(ErrorCode.NUL_CHARACTER),
        REPEATED_KEY(ErrorCode.DUPLICATE_KEY), LONE_SURROGATE(ErrorCode.BAD_ENCODING),
        NOT_UTF8(ErrorCode.BAD_ENCODING);

        public final ErrorCode code;

        Kind(ErrorCode code) {
            this.code = code;
        }
    }

    /**
     * One malformed record as served.
     *
     * @param served its text as served (lone surrogates U+DC80..U+DCFF standing for single bytes)
     * @param stored the text the job must store for it (each such byte as U+FFFD)
     * @param field the field the reject must name, or null
     */
    public record Injected(String businessDate, String counterparty, int page, Kind kind, ErrorCode code,
                           String field, String served, String stored) {}

    /** The scenario with the records spliced in, and what was spliced. */
    public record Injection(Scenario scenario, List<Injected> injected) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private MalformedRecords() {}

    /**
     * Adds {@code count} malformed records, spread at random over every page of every batch.
     *
     * @param feed the feed's schema; its control field is the decimal damaged where a kind needs one
     */
    public static Injection inject(Scenario scenario, FeedSpec feed, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String decimalField = feed.controlField() != null ? feed.controlField()
                : feed.fields().stream().filter(f -> f.kind() == FieldKind.DECIMAL).map(FieldSpec::name).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the feed has no decimal field to damage"));
        String textField = feed.fields().stream()
                .filter(f -> f.kind() == FieldKind.STRING && f.pattern() == null && !feed.matchKey().contains(f.name()))
                .map(FieldSpec::name).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the feed has no free text field to damage"));
        Set<String> invalid = new HashSet<>();
        scenario.truth().rejects().forEach(r -> invalid.addAll(r.raws()));

        List<Scenario.Batch> batches = scenario.batches();
        List<List<List<String>>> pages = new ArrayList<>();
        List<List<Map<String, String>>> bases = new ArrayList<>();
        for (Scenario.Batch b : batches) {
            List<List<String>> ps = new ArrayList<>();
            b.pages().forEach(p -> ps.add(new ArrayList<>(p.records())));
            pages.add(ps);
            List<Map<String, String>> valid = new ArrayList<>();
            for (String raw : b.servedRecords()) {
                if (!invalid.contains(raw)) {
                    valid.add(fields(raw));
                }
            }
            if (b.pages().isEmpty() || valid.isEmpty()) {
                throw new IllegalArgumentException("batch " + b.counterparty() + " " + b.businessDate() + " has no valid record");
            }
            bases.add(valid);
        }

        List<Injected> injected = new ArrayList<>();
        int[] added = new int[batches.size()];
        Kind[] kinds = Kind.values();
        for (int n = 0; n < count; n++) {
            int bi = random.nextInt(batches.size());
            Scenario.Batch b = batches.get(bi);
            Map<String, String> base = new LinkedHashMap<>();
            base.put("fuzz_id", Integer.toString(n));
            base.putAll(bases.get(bi).get(random.nextInt(bases.get(bi).size())));
            Kind kind = kinds[random.nextInt(kinds.length)];
            String field = damage(kind, base, decimalField, textField, random);
            String served = text(base);
            int page = random.nextInt(b.pages().size());
            List<String> records = pages.get(bi).get(page);
            records.add(random.nextInt(records.size() + 1), served);
            added[bi]++;
            injected.add(new Injected(b.businessDate().toString(), b.counterparty(), page + 1, kind, kind.code, field,
                    served, stored(served)));
        }

        List<Scenario.Batch> out = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            Scenario.Batch b = batches.get(i);
            Scenario.Manifest m = b.manifest();
            List<Scenario.Page> ps = new ArrayList<>();
            for (int p = 0; p < b.pages().size(); p++) {
                ps.add(new Scenario.Page(p + 1, pages.get(i).get(p)));
            }
            out.add(new Scenario.Batch(b.counterparty(), b.businessDate(), new Scenario.Manifest(m.feed(),
                    m.businessDate(), m.batchId(), m.recordCount() + added[i], m.pageCount(), m.controlTotal(),
                    m.publishedAt()), ps, b.internal()));
        }
        Truth t = scenario.truth();
        List<Truth.ExpectedReject> rejects = new ArrayList<>(t.rejects());
        for (Injected r : injected) {
            rejects.add(new Truth.ExpectedReject(r.businessDate(), r.counterparty(), Side.COUNTERPARTY, r.code(),
                    r.field(), null, List.of(r.stored())));
        }
        Truth.Totals tt = t.totals();
        Truth truth = new Truth(t.keys(), rejects, new Truth.Totals(tt.counterpartyServed() + count,
                tt.counterpartyValid(), tt.counterpartyRejected() + count, tt.exactDuplicatesDropped(),
                tt.internalWritten(), tt.internalValid(), tt.internalRejected()));
        return new Injection(new Scenario(scenario.feed(), scenario.settings(), out, truth), injected);
    }

    /** Breaks one thing in {@code r}; answers the field the reject must name. */
    private static String damage(Kind kind, Map<String, String> r, String decimal, String text, SplittableRandom random) {
        switch (kind) {
            case NAN -> r.put(decimal, "NaN");
            case INFINITY -> r.put(decimal, random.nextBoolean() ? "Infinity" : "-Infinity");
            case RAW_NUL -> r.put(text, "\"ab\u0000cd\"");
            case RAW_CONTROL -> r.put(text, "\"ab" + (char) (1 + random.nextInt(31)) + "cd\"");
            case DEEP_NESTING -> {
                int depth = random.nextInt(10) == 0 ? 10_000 : 40 + random.nextInt(2_000);
                r.put("nested", "[".repeat(depth) + "]".repeat(depth));
                return "nested";
            }
            case LONG_NUMBER -> r.put(decimal, "1".repeat(random.nextInt(10) == 0 ? 1_500 : 101 + random.nextInt(2_000)));
            case HUGE_EXPONENT -> r.put(decimal, List.of("1e999999", "1e999999999", "1e-999999999", "-2.5E+1000",
                    "7e101").get(random.nextInt(5)));
            // One in ten is longer than a reject stores whole (64 KiB).
            case LONG_DIGIT_STRING -> r.put(decimal, "\"" + "7".repeat(random.nextInt(10) == 0
                    ? 70_000 + random.nextInt(30_000) : 101 + random.nextInt(2_000)) + "\"");
            case TOO_PRECISE -> r.put(decimal, random.nextBoolean() ? "1" + "0".repeat(38) : "0.1234567890123456789");
            case NUL_ESCAPE -> r.put(text, "\"ab\\u0000cd\"");
            case REPEATED_KEY -> r.put(decimal, r.get(decimal) + ",\"" + decimal + "\":99999.5");
            case LONE_SURROGATE -> r.put(text, random.nextBoolean() ? "\"ab\\ud800cd\"" : "\"\\udfff\"");
            case NOT_UTF8 -> {
                // A lone continuation byte, a lead byte before ASCII, or a byte never in UTF-8.
                char b = switch (random.nextInt(3)) {
                    case 0 -> (char) (0xDC80 + random.nextInt(0x40));
                    case 1 -> (char) (0xDCC2 + random.nextInt(0x33));
                    default -> (char) (0xDCF8 + random.nextInt(8));
                };
                r.put(text, "\"ab" + b + "cd\"");
                return null;
            }
        }
        return switch (kind) {
            case NAN, INFINITY, RAW_NUL, RAW_CONTROL -> null;
            case NUL_ESCAPE, LONE_SURROGATE -> text;
            default -> decimal;
        };
    }

    /** What the job stores for a served text: each byte that is not UTF-8 as U+FFFD. */
    static String stored(String served) {
        StringBuilder sb = new StringBuilder(served.length());
        for (int i = 0; i < served.length(); i++) {
            char c = served.charAt(i);
            sb.append(c >= 0xDC80 && c <= 0xDCFF ? '\uFFFD' : c);
        }
        return sb.toString();
    }

    /** A valid record's fields as their JSON texts, in order. */
    private static Map<String, String> fields(String raw) {
        try {
            Map<String, String> out = new LinkedHashMap<>();
            JsonNode n = JSON.readTree(raw);
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), e.getValue().toString());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("a valid served record does not parse: " + raw, e);
        }
    }

    private static String text(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("{");
        fields.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return sb.append('}').toString();
    }
}
