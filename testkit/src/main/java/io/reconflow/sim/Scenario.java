package io.reconflow.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated reconciliation scenario: per (counterparty, business date) the batch the counterparty
 * serves and the records our side exports, plus the {@link Truth} a correct job must arrive at.
 * Immutable; every text is kept exactly as it is served or written.
 */
public record Scenario(String feed, ScenarioSettings settings, List<Batch> batches, Truth truth) {

    public Scenario {
        batches = List.copyOf(batches);
    }

    /** The batch of one counterparty for one date, or null. */
    public Batch batch(String counterparty, LocalDate businessDate) {
        for (Batch b : batches) {
            if (b.counterparty().equals(counterparty) && b.businessDate().equals(businessDate)) {
                return b;
            }
        }
        return null;
    }

    /** Every internal record of one business date, over all counterparties, in file order. */
    public List<InternalRecord> internalRecords(LocalDate businessDate) {
        List<InternalRecord> out = new ArrayList<>();
        for (Batch b : batches) {
            if (b.businessDate().equals(businessDate)) {
                out.addAll(b.internal());
            }
        }
        return out;
    }

    /** One counterparty's batch for one business date, and our records for the same keys. */
    public record Batch(String counterparty, LocalDate businessDate, Manifest manifest, List<Page> pages,
                        List<InternalRecord> internal) {
        public Batch {
            pages = List.copyOf(pages);
            internal = List.copyOf(internal);
        }

        /** Page {@code number} (1-based), or null when there is no such page. */
        public Page page(int number) {
            return number >= 1 && number <= pages.size() ? pages.get(number - 1) : null;
        }

        /** Every record text served, over all pages, in page order. */
        public List<String> servedRecords() {
            List<String> out = new ArrayList<>();
            pages.forEach(p -> out.addAll(p.records()));
            return out;
        }
    }

    /** The manifest as the contract's Manifest schema has it. */
    public record Manifest(String feed, String businessDate, String batchId, long recordCount, int pageCount,
                           String controlTotal, String publishedAt) {

        public String toJson() {
            return json(g -> {
                g.writeStartObject();
                g.writeStringField("feed", feed);
                g.writeStringField("business_date", businessDate);
                g.writeStringField("batch_id", batchId);
                g.writeNumberField("record_count", recordCount);
                g.writeNumberField("page_count", pageCount);
                g.writeStringField("control_total", controlTotal);
                g.writeStringField("published_at", publishedAt);
                g.writeEndObject();
            });
        }
    }

    /**
     * One page: its number and its records, each a JSON text exactly as served (usually an object;
     * a RECORD_UNPARSEABLE record is an array or a scalar).
     */
    public record Page(int number, List<String> records) {
        public Page {
            records = List.copyOf(records);
        }

        /** The page body; records are spliced in verbatim so they arrive byte-exact. */
        public String body(String batchId) {
            String head = json(g -> g.writeString(batchId));
            StringBuilder sb = new StringBuilder(64 + records.size() * 256);
            sb.append("{\"batch_id\":").append(head).append(",\"page\":").append(number).append(",\"records\":[");
            for (int i = 0; i < records.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(records.get(i));
            }
            return sb.append("]}").toString();
        }

        /**
         * The page body as bytes: UTF-8, but for a lone surrogate U+DC80 to U+DCFF, which stands
         * for the one byte 0x80 to 0xFF (how {@link MalformedRecords} writes bytes that are not UTF-8).
         */
        public byte[] bodyBytes(String batchId) {
            String text = body(batchId);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length() + 16);
            int from = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                boolean paired = i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
                if (c >= 0xDC80 && c <= 0xDCFF && !paired) {
                    out.writeBytes(text.substring(from, i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    out.write(c - 0xDC00);
                    from = i + 1;
                }
            }
            out.writeBytes(text.substring(from).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return out.toByteArray();
        }
    }

    /**
     * One record of our side.
     *
     * @param counterparty whose batch the record belongs to
     * @param json the JSON Lines form (one object, no line break)
     * @param cells the CSV form: field name to cell text, in schema order; null means an empty cell
     * @param csvRow the CSV form as one row of text (no line terminator), for reject raw texts
     * @param valid whether the record passes the feed schema (invalid ones are left out of Parquet)
     */
    public record InternalRecord(String counterparty, String json, Map<String, String> cells, String csvRow,
                                 boolean valid) {
        public InternalRecord {
            cells = Collections.unmodifiableMap(new LinkedHashMap<>(cells)); // null values allowed: empty cells
        }
    }

    interface JsonWriting {
        void write(JsonGenerator g) throws IOException;
    }

    private static final JsonFactory JSON = new JsonFactory();

    static String json(JsonWriting w) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
