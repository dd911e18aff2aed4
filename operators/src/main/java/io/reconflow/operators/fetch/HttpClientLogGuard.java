package io.reconflow.operators.fetch;

import java.util.Locale;

/**
 * Refuses to create counterparty HTTP clients while the JDK's own HTTP client logging would print
 * request headers: with {@code -Djdk.httpclient.HttpClient.log=headers} (or {@code all}) the JDK
 * writes every {@code Authorization: Bearer …} header, the token included, to the log.
 */
final class HttpClientLogGuard {
    static final String PROPERTY = "jdk.httpclient.HttpClient.log";

    private HttpClientLogGuard() {}

    /** @throws IllegalStateException when this JVM's setting would log the bearer token */
    static void check() {
        check(System.getProperty(PROPERTY));
    }

    /** @param value the property's value, a comma-separated list such as {@code errors,requests}; null when unset */
    static void check(String value) {
        if (value == null) {
            return;
        }
        for (String item : value.split(",")) {
            String level = item.strip().toLowerCase(Locale.ROOT);
            if (level.equals("all") || level.equals("headers")) {
                throw new IllegalStateException("system property " + PROPERTY + "=" + value
                        + " makes the JDK's HTTP client log request headers, counterparty bearer tokens included;"
                        + " remove it (or keep it to errors,requests) before running reconflow");
            }
        }
    }
}
