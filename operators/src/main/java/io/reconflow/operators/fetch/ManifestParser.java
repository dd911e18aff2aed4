package io.reconflow.operators.fetch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;

/** Reads a manifest body; anything short of the contract's required fields is unparseable. */
final class ManifestParser {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ManifestParser() {}

    /**
     * @param feed the feed that was asked for: a manifest of another feed or date is not an answer
     * @param businessDate the business date that was asked for
     */
    static ManifestResult.Manifest parse(byte[] body, int length, String feed, String businessDate)
            throws UnparseableBodyException {
        JsonNode root;
        try {
            root = JSON.readTree(body, 0, length);
        } catch (JsonProcessingException e) {
            throw new UnparseableBodyException("manifest is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UnparseableBodyException("manifest could not be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new UnparseableBodyException("manifest is not a JSON object");
        }
        String gotFeed = text(root, "feed");
        String gotDate = text(root, "business_date");
        String batchId = text(root, "batch_id");
        long recordCount = nonNegative(root, "record_count", Long.MAX_VALUE);
        int pageCount = (int) nonNegative(root, "page_count", Integer.MAX_VALUE);
        String controlTotal = text(root, "control_total");
        try {
            new BigDecimal(controlTotal);
        } catch (NumberFormatException e) {
            throw new UnparseableBodyException("manifest control_total is not a decimal");
        }
        JsonNode published = root.get("published_at");
        String publishedAt = null;
        if (published != null && !published.isNull()) {
            if (!published.isTextual()) {
                throw new UnparseableBodyException("manifest published_at is not a string");
            }
            publishedAt = published.textValue();
        }
        if (!gotFeed.equals(feed) || !gotDate.equals(businessDate)) {
            throw new UnparseableBodyException("manifest is for " + gotFeed + " " + gotDate
                    + ", not the requested " + feed + " " + businessDate);
        }
        return new ManifestResult.Manifest(gotFeed, gotDate, batchId, recordCount, pageCount, controlTotal, publishedAt);
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
