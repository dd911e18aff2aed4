package io.reconflow.operators.fetch;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where and as whom to ask one counterparty: its checked base URL, the contract's paths, and the
 * bearer token, which nothing we log or report may contain ({@link #scrub}).
 */
final class CounterpartyAccess {

    private final String name;
    private final String base;
    private final String token;
    private final String authorization;

    CounterpartyAccess(CounterpartyEndpoint endpoint, Supplier<String> tokenSource) {
        this.name = endpoint.name();
        this.base = baseUrl(endpoint);
        this.token = checkedToken(endpoint, tokenSource.get());
        this.authorization = "Bearer " + token;
    }

    String base() {
        return base;
    }

    String authorization() {
        return authorization;
    }

    static String manifestPath(String feed, String businessDate) {
        return "/v1/feeds/" + segment(feed) + "/batches/" + segment(businessDate) + "/manifest";
    }

    static String pagePath(String feed, String businessDate, int page) {
        return "/v1/feeds/" + segment(feed) + "/batches/" + segment(businessDate) + "/pages/" + page;
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    /** Defence in depth: nothing we build contains the token, but server or JDK text might echo it. */
    String scrub(String s) {
        return s == null ? "" : s.replace(token, "<redacted>");
    }

    /** An exception as "Type: message", scrubbed. */
    String describe(Throwable e) {
        if (e == null) {
            return "unknown";
        }
        String m = e.getMessage();
        return scrub(e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
    }

    /** Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are). */
    static String segment(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    private static String baseUrl(CounterpartyEndpoint e) {
        String url = e.baseUrl() == null ? "" : e.baseUrl().trim();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("counterparty " + e.name() + ": baseUrl is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("counterparty " + e.name()
                    + ": baseUrl must be an http(s) URL with a host and no query or fragment");
        }
        return url;
    }

    /** Reads the token from the environment variable {@code endpoint.tokenEnv()}, when asked. */
    static Supplier<String> environmentToken(CounterpartyEndpoint e) {
        return () -> {
            String variable = e.tokenEnv();
            if (variable == null || variable.isBlank()) {
                throw new IllegalStateException("counterparty " + e.name() + " has no token environment variable configured");
            }
            String value = System.getenv(variable);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException("environment variable " + variable
                        + " (bearer token of counterparty " + e.name() + ") is not set or empty");
            }
            return value;
        };
    }

    private static String checkedToken(CounterpartyEndpoint e, String raw) {
        String from = e.tokenEnv() == null ? "its token source" : e.tokenEnv();
        if (raw == null || raw.isBlank()) {
            throw new IllegalStateException("the bearer token of counterparty " + e.name() + " from " + from + " is empty");
        }
        String t = raw.trim();
        // Checked here so that the JDK's header validation, whose message might quote the value, never sees it.
        if (!t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalStateException("the bearer token of counterparty " + e.name() + " from " + from
                    + " contains characters not allowed in an HTTP header");
        }
        return t;
    }

    @Override
    public String toString() {
        return "CounterpartyAccess[" + name + "]";
    }
}
