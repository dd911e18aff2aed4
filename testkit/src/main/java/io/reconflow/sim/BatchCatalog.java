package io.reconflow.sim;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One counterparty's published batches and the contract's routes to them: {@code GET
 * /v1/feeds/{feed}/batches/{business_date}/manifest} and {@code .../pages/{page}}, 404 with the
 * Error body for anything else. Batches can be withheld, published again or republished while served.
 */
final class BatchCatalog {
    private static final Pattern ROUTE = Pattern.compile("^/v1/feeds/([^/]+)/batches/([^/]+)/(manifest|pages/([^/]+))$");

    private final String feed;
    private final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> pages = new ConcurrentHashMap<>();
    /** Batches taken off the API by {@link #unpublish}, served again by {@link #publish(LocalDate)}. */
    private final Map<String, byte[]> withheldManifests = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> withheldPages = new ConcurrentHashMap<>();

    BatchCatalog(Scenario scenario, String counterparty) {
        this.feed = scenario.feed();
        for (Scenario.Batch b : scenario.batches()) {
            if (b.counterparty().equals(counterparty)) {
                String date = b.businessDate().toString();
                manifests.put(date, utf8(b.manifest().toJson()));
                List<byte[]> bodies = new ArrayList<>();
                for (Scenario.Page p : b.pages()) {
                    bodies.add(p.bodyBytes(b.manifest().batchId()));
                }
                pages.put(date, bodies);
            }
        }
        if (manifests.isEmpty()) {
            throw new IllegalArgumentException("the scenario has no batch of counterparty '" + counterparty + "'");
        }
    }

    /** One batch whose page bodies are read from {@code source} at each request. */
    BatchCatalog(PageSource source) {
        this.feed = source.feed();
        manifests.put(source.businessDate().toString(), source.manifest());
        int count = source.pageCount();
        pages.put(source.businessDate().toString(), new java.util.AbstractList<>() {
            @Override
            public byte[] get(int index) {
                return source.page(index + 1);
            }

            @Override
            public int size() {
                return count;
            }
        });
    }

    String feed() {
        return feed;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The answer to a request, as the contract gives it without faults. */
    SimReply route(String method, String path) {
        if (!"GET".equals(method)) {
            SimReply r = SimReply.error(405, "method_not_allowed", "only GET is served");
            r.headers().put("Allow", "GET");
            return r;
        }
        Matcher m = ROUTE.matcher(path);
        if (!m.matches()) {
            return SimReply.error(404, "not_found", "no such resource");
        }
        if (!m.group(1).equals(feed)) {
            return SimReply.error(404, "not_found", "unknown feed '" + m.group(1) + "'");
        }
        String date = m.group(2);
        try {
            LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            return SimReply.error(404, "not_found", "'" + date + "' is not a business date");
        }
        byte[] manifest = manifests.get(date);
        if (manifest == null) {
            return SimReply.error(404, "not_found", "no batch for business date " + date);
        }
        if (m.group(4) == null) {
            return SimReply.ok(manifest);
        }
        List<byte[]> bodies = pages.get(date);
        String page = m.group(4);
        int n = page.matches("\\d{1,9}") ? Integer.parseInt(page) : 0;
        if (n < 1 || n > bodies.size()) {
            return SimReply.error(404, "not_found", "no page " + page + " in the batch of " + date + " (" + bodies.size() + " pages)");
        }
        return SimReply.ok(bodies.get(n - 1));
    }

    /** The page number of a page path, as written, when it is one to nine digits; else null. */
    static String pageOf(String path) {
        Matcher m = ROUTE.matcher(path);
        if (!m.matches() || m.group(4) == null || !m.group(4).matches("\\d{1,9}")) {
            return null;
        }
        return m.group(4);
    }

    void unpublish(LocalDate date) {
        String d = date.toString();
        // Pages first: a client that still sees the manifest may find a page gone, never the reverse.
        List<byte[]> p = pages.remove(d);
        byte[] m = manifests.remove(d);
        if (m != null) {
            withheldManifests.put(d, m);
            withheldPages.put(d, p);
        }
    }

    void publish(LocalDate date) {
        String d = date.toString();
        byte[] m = withheldManifests.remove(d);
        if (m == null) {
            throw new IllegalStateException("no batch of " + d + " is withheld");
        }
        pages.put(d, withheldPages.remove(d));
        manifests.put(d, m);
    }

    void publish(LocalDate date, Scenario.Manifest manifest, List<Scenario.Page> newPages) {
        String d = date.toString();
        List<byte[]> bodies = new ArrayList<>();
        newPages.forEach(p -> bodies.add(p.bodyBytes(manifest.batchId())));
        withheldManifests.remove(d);
        withheldPages.remove(d);
        pages.put(d, bodies);
        manifests.put(d, utf8(manifest.toJson()));
    }
}
