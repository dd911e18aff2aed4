package io.reconflow.domain.feed;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.operators.TestFeeds;
import org.apache.flink.types.Row;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntToLongFunction;

/**
 * A micro-measure, not a test: ns per record of validation's per-record work (read, validate, the
 * keys) on generated energy records, the tree's way (as before) against the slots' way, and CSV
 * through JSON text against its cells. Run with the operators' test classpath:
 * {@code java -cp ... io.reconflow.domain.feed.ValidationMicroBench [records] [rounds]}.
 * Medians of alternating rounds, in the thread's CPU time (JIT and GC threads not counted).
 */
public final class ValidationMicroBench {
    // The thread's CPU time, not wall time: on a shared machine waiting for a core is not the code's cost.
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private ValidationMicroBench() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        FeedSpec feed = TestFeeds.energy();
        RecordValidator validator = new RecordValidator(feed);
        RecordSlots slots = new RecordSlots(feed);
        RecordKeys keys = new RecordKeys(feed);

        Random random = new Random(1);
        String[] texts = new String[n];
        List<List<String>> cells = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ObjectNode r = TestFeeds.trade(String.format("T-%08d", i));
            r.put("volume_mwh", new BigDecimal(random.nextInt(1_000_000)).movePointLeft(random.nextInt(4)));
            r.put("price", new BigDecimal(random.nextInt(100_000)).movePointLeft(2));
            r.put("delivery_start", "2026-11-21T0" + random.nextInt(10) + ":00:00+01:00");
            r.put("side", random.nextBoolean() ? "BUY" : "SELL");
            texts[i] = r.toString();
            String[] c = new String[feed.fields().size()];
            for (FieldSpec f : feed.fields()) {
                c[f.position()] = r.get(f.name()).asText();
            }
            cells.add(Arrays.asList(c));
        }

        IntToLongFunction tree = i -> {
            RecordJson.Result parsed = RecordJson.read(texts[i]);
            return keyedAsBefore(validator.validate(parsed.node(), false).record(), keys, feed);
        };
        IntToLongFunction streamed = i -> {
            if (slots.read(texts[i]) != RecordSlots.Read.OK) {
                throw new IllegalStateException(String.valueOf(slots.violation()));
            }
            return keyed(validator.validate(slots, false).record(), keys);
        };
        IntToLongFunction csvAsJson = i -> {
            // As CsvFormat did: the cells into JSON text, then validation parsed it again.
            ObjectNode json = JsonNodeFactory.instance.objectNode();
            List<String> c = cells.get(i);
            for (FieldSpec f : feed.fields()) {
                json.put(f.name(), c.get(f.position()));
            }
            return keyedAsBefore(validator.validate(RecordJson.read(json.toString()).node(), true).record(), keys, feed);
        };
        IntToLongFunction csvCells = i -> {
            slots.fill(cells.get(i));
            return keyed(validator.validate(slots, true).record(), keys);
        };
        IntToLongFunction keysOnly = i -> keyed(validator.validate(RecordJson.read(texts[i]).node(), false).record(), null);

        IntToLongFunction slotsOnly = i -> {
            slots.read(texts[i]);
            return keyed(validator.validate(slots, false).record(), null);
        };
        IntToLongFunction readTree = i -> RecordJson.read(texts[i]).node().size();
        IntToLongFunction readSlots = i -> slots.read(texts[i]).ordinal();

        Row[] rows = new Row[n];
        for (int i = 0; i < n; i++) {
            rows[i] = validator.validate(RecordJson.read(texts[i]).node(), false).record();
        }
        IntToLongFunction idempotency = i -> keys.idempotencyKey(rows[i]).length();
        IntToLongFunction content = i -> keys.contentHash(rows[i])[0];
        IntToLongFunction canonical = i -> keys.canonicalForm(rows[i], feed.fields()).length();

        java.security.MessageDigest md = Sha256.newDigest();
        byte[][] forms = new byte[n][];
        for (int i = 0; i < n; i++) {
            forms[i] = keys.canonicalBytes(rows[i], feed.fields());
        }
        IntToLongFunction shaOnly = i -> md.digest(forms[i])[0];
        IntToLongFunction bytesOnly = i -> keys.canonicalBytes(rows[i], feed.fields()).length;

        String[] names = {"JSON, tree, keys as text (before)", "JSON, slots (after)", "CSV via JSON text, keys as text (before)", "CSV cells (after)",
            "JSON, tree, without keys", "JSON, slots, without keys", "read only: tree", "read only: slots",
            "keys only: idempotency key", "keys only: content hash", "keys only: content's text (before)",
            "keys only: content's bytes", "keys only: SHA-256 of content's bytes"};
        IntToLongFunction[] paths = {tree, streamed, csvAsJson, csvCells, keysOnly, slotsOnly, readTree, readSlots, idempotency, content, canonical, bytesOnly, shaOnly};
        double[][] ns = new double[paths.length][rounds];
        long sink = 0;
        for (int round = -2; round < rounds; round++) {
            for (int p = 0; p < paths.length; p++) {
                long start = CPU.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    sink += paths[p].applyAsLong(i);
                }
                if (round >= 0) {
                    ns[p][round] = (CPU.getCurrentThreadCpuTime() - start) / (double) n;
                }
            }
        }
        System.out.printf("content's canonical form: %d bytes on average%n", Arrays.stream(forms).mapToInt(b -> b.length).sum() / n);
        System.out.printf("%,d energy records, %d rounds (2 more to warm up), median CPU ns/record (min-max):%n", n, rounds);
        for (int p = 0; p < paths.length; p++) {
            double[] s = ns[p].clone();
            Arrays.sort(s);
            System.out.printf("  %-42s %7.0f  (%.0f-%.0f)%n", names[p], s[s.length / 2], s[0], s[s.length - 1]);
        }
        System.out.println("(checksum " + sink + ")");
    }

    /** The keys as they were computed before: the canonical form as text, then its UTF-8 hashed. */
    private static long keyedAsBefore(Row record, RecordKeys keys, FeedSpec feed) {
        String idempotencyKey = Sha256.hex(keys.canonicalForm(record, keys.idempotencyFields()));
        byte[] content = Sha256.digest(keys.canonicalForm(record, feed.fields()));
        return idempotencyKey.length() + content[0] + keys.matchKey(record).length();
    }

    /** The keys validation computes for a valid record; null {@code keys}: none. */
    private static long keyed(Row record, RecordKeys keys) {
        if (record == null) {
            throw new IllegalStateException("a generated record did not validate");
        }
        if (keys == null) {
            return record.getArity();
        }
        return keys.idempotencyKey(record).length() + keys.contentHash(record)[0] + keys.matchKey(record).length();
    }
}
