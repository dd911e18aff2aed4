package io.reconflow.operators.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.domain.feed.RecordJson;
import io.reconflow.domain.feed.RecordValidator;
import io.reconflow.domain.feed.Texts;
import java.math.BigDecimal;

/**
 * Reads a manifest body. Anything short of the contract's required fields is unparseable (and
 * retried); a manifest that parses but that the job will not act on is MANIFEST_INVALID at once:
 * a page_count above {@code fetch.max_pages}, a control_total that is not a plain decimal fitting
 * DECIMAL(38,18), or JSON that {@link RecordJson} bounds (a repeated key, a number too long).
 */
final class ManifestParser {

    /** The control total is written to DECIMAL(38,18) columns. */
    private static final int TOTAL_PRECISION = 38;
    private static final int TOTAL_SCALE = 18;

    private ManifestParser() {}

    /**
     * @param feed the feed that was asked for: a manifest of another feed or date is not an answer
     * @param businessDate the business date that was asked for
     * @param maxPages the most pages the job will fetch for one batch
     */
    static ManifestResult.Manifest parse(byte[] body, int length, String feed, String businessDate, int maxPages)
            throws UnparseableBodyException {
        RecordJson.Result read = RecordJson.read(body, 0, length);
        if (read.violation() != null) {
            String message = read.violation().message().replaceFirst("^record", "manifest");
            if (read.violation().code() == ErrorCode.RECORD_UNPARSEABLE) {
                throw new UnparseableBodyException(message);
            }
            throw UnparseableBodyException.invalidManifest(message);
        }
        JsonNode root = read.node();
        if (!root.isObject()) {
            throw new UnparseableBodyException("manifest is not a JSON object");
        }
        String gotFeed = text(root, "feed");
        String gotDate = text(root, "business_date");
        String batchId = text(root, "batch_id");
        long recordCount = nonNegative(root, "record_count", Long.MAX_VALUE);
        int pageCount = (int) nonNegative(root, "page_count", Integer.MAX_VALUE);
        String controlTotal = text(root, "control_total");
        JsonNode published = root.get("published_at");
        String publishedAt = null;
        if (published != null && !published.isNull()) {
            if (!published.isTextual()) {
                throw new UnparseableBodyException("manifest published_at is not a string");
            }
            publishedAt = published.textValue();
        }
        if (!gotFeed.equals(feed) || !gotDate.equals(businessDate)) {
            throw new UnparseableBodyException("manifest is for " + Texts.abbreviate(gotFeed) + " "
                    + Texts.abbreviate(gotDate) + ", not the requested " + feed + " " + businessDate);
        }
        if (pageCount > maxPages) {
            throw UnparseableBodyException.invalidManifest("manifest page_count " + pageCount
                    + " is above fetch.max_pages " + maxPages + "; no page is fetched");
        }
        checkControlTotal(controlTotal);
        return new ManifestResult.Manifest(gotFeed, gotDate, batchId, recordCount, pageCount, controlTotal, publishedAt);
    }

    /** A plain decimal of at most 38 digits, 18 of them after the point; checked before any BigDecimal is built. */
    private static void checkControlTotal(String text) throws UnparseableBodyException {
        String t = text.trim();
        if (t.length() > RecordJson.MAX_NUMBER_CHARS || !RecordValidator.isPlainDecimal(t)) {
            throw UnparseableBodyException.invalidManifest("manifest control_total '" + Texts.abbreviate(text)
                    + "' is not a plain decimal of at most " + RecordJson.MAX_NUMBER_CHARS + " characters");
        }
        BigDecimal d = new BigDecimal(t);
        BigDecimal atScale;
        try {
            atScale = d.setScale(TOTAL_SCALE);
        } catch (ArithmeticException e) {
            throw UnparseableBodyException.invalidManifest("manifest control_total " + t + " has more than "
                    + TOTAL_SCALE + " decimal places");
        }
        if (atScale.precision() > TOTAL_PRECISION) {
            throw UnparseableBodyException.invalidManifest("manifest control_total " + t + " does not fit DECIMAL("
                    + TOTAL_PRECISION + "," + TOTAL_SCALE + ")");
        }
    }

    private static String text(JsonNode root, String field) throws UnparseableBodyException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new UnparseableBodyException("manifest lacks " + field);
        }
        if (!n.isTextual()) {
            throw new UnparseableBodyException("manifest " + field + " is not a string");
        }
        return n.textValue();
    }

    private static long nonNegative(JsonNode root, String field, long max) throws UnparseableBodyException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new UnparseableBodyException("manifest lacks " + field);
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0 || n.longValue() > max) {
            throw new UnparseableBodyException("manifest " + field + " is not an integer from 0 to " + max);
        }
        return n.longValue();
    }
}
