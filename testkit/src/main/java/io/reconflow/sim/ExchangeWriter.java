package io.reconflow.sim;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.reconflow.sim.CounterpartySimulator.Fault;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Sends the simulator's answers (whole, cut short, dropped, or endless) and records each in the counters and the log. */
final class ExchangeWriter {
    private static final Logger LOG = LoggerFactory.getLogger(CounterpartySimulator.class);

    private final String counterparty;
    private final SimCounters counters;

    ExchangeWriter(String counterparty, SimCounters counters) {
        this.counterparty = counterparty;
        this.counters = counters;
    }

    /** Sends the reply (or half of it, then closes, for a truncated body) and records it. */
    void finish(HttpExchange ex, String path, String requestId, long start, Fault fault, SimReply reply, boolean truncate) {
        if (fault != null) {
            counters.fault(fault);
        }
        int s = reply.status();
        counters.answered(path, s);
        // Logged before the answer leaves: a client that has its answer finds it counted and logged.
        log(ex, path, requestId, start, Integer.toString(s), fault);
        boolean left = false;
        try {
            Headers h = ex.getResponseHeaders();
            h.set("Content-Type", "application/json");
            reply.headers().forEach(h::set);
            byte[] body = reply.body();
            ex.sendResponseHeaders(s, body.length);
            // Out of flight before the body leaves: a client that has it may send its next request
            // before this thread is done closing, and must not be counted above its limit for that.
            counters.outOfFlight();
            left = true;
            // Counted before the body leaves, as the answer is above: a client that has the whole page
            // must find it counted (counted after the write, a test could read the counter first).
            if (s == 200 && !truncate && fault != Fault.GARBLED && path.contains("/pages/")) {
                counters.pageServed(path);
            }
            OutputStream out = ex.getResponseBody();
            // A truncated body declares its full length and stops halfway; closing then drops the connection.
            out.write(body, 0, truncate ? body.length / 2 : body.length);
            out.flush();
        } catch (IOException e) {
            LOG.debug("Client went away during {}: {}", path, e.toString());
        } finally {
            if (left) {
                ex.close();
            } else {
                done(ex);
            }
        }
    }

    /** Drops the connection without an answer. */
    void reset(HttpExchange ex, String path, String requestId, long start) {
        counters.fault(Fault.RESET);
        log(ex, path, requestId, start, "reset", Fault.RESET);
        done(ex);
    }

    /**
     * A 200 that starts like the page and never ends: records of filler, chunked (no length to
     * refuse it by), written from one reused buffer until {@code hugeBodyBytes} or until the client
     * hangs up. Memory stays at one chunk, whatever the size.
     */
    void streamHugeBody(HttpExchange ex, String path, String page, String requestId, long start, Faults f) {
        counters.fault(Fault.HUGE);
        counters.answered(path, 200);
        log(ex, path, requestId, start, "200", Fault.HUGE);
        byte[] head = utf8("{\"batch_id\":\"huge\",\"page\":" + page + ",\"records\":[");
        StringBuilder filler = new StringBuilder(64 * 1024);
        while (filler.length() < 60 * 1024) {
            filler.append("{\"filler\":\"").append("x".repeat(1000)).append("\"},");
        }
        byte[] chunk = utf8(filler.toString());
        long sent = 0;
        try {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write(head);
            sent += head.length;
            counters.hugeBytes(head.length);
            while (sent < f.hugeBodyBytes()) {
                int n = (int) Math.min(chunk.length, f.hugeBodyBytes() - sent);
                out.write(chunk, 0, n);
                sent += n;
                counters.hugeBytes(n);
            }
            out.close();
        } catch (IOException e) {
            LOG.debug("Client hung up on the huge body of {} after {} bytes", path, sent);
        } finally {
            done(ex);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Counts the request out of flight, then closes it (which, without an answer, drops the connection). */
    private void done(HttpExchange ex) {
        counters.outOfFlight();
        ex.close();
    }

    private void log(HttpExchange ex, String path, String requestId, long start, String outcome, Fault fault) {
        // Method, path, outcome, fault, request id and time only: never a header, never the token.
        String line = ex.getRequestMethod() + " " + path + " -> " + outcome
                + (fault != null ? " [" + fault + "]" : "")
                + (requestId != null ? " request-id=" + requestId : "")
                + " " + (System.nanoTime() - start) / 1_000_000 + " ms";
        LOG.debug("{} {}", counterparty, line);
        counters.log(line);
    }
}
