package io.reconflow.operators.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the pause file ({@code fetch.pause_file}) on a daemon thread of its own, never a task
 * thread, and pauses or resumes the {@link PauseGate} of each counterparty it watches: a
 * counterparty named on a line of the file is paused (the rest of the line is the reason), one
 * not named is not. No file means nothing is paused. A file that cannot be read changes nothing
 * (a storage hiccup must not resume a counterparty someone paused) and is logged.
 *
 * <p>Read through Flink's file systems, so the file may be on a volume every TaskManager mounts or
 * on {@code s3://}. One watcher per (file, interval) and JVM, reference-counted by {@link #watch}.
 */
public final class PauseFileWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(PauseFileWatcher.class);
    /** A pause file is a few lines; anything longer is not one. */
    static final int MAX_BYTES = 1 << 20;

    /** Where the switch is and how often it is read; serializable into the job graph. */
    public record Settings(String file, Duration poll) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private static final Map<Settings, PauseFileWatcher> WATCHERS = new HashMap<>();
    private static ScheduledThreadPoolExecutor timer; // guarded by WATCHERS

    private final Settings settings;
    private final Map<String, Integer> counterparties = new ConcurrentHashMap<>();
    private int references; // guarded by WATCHERS
    private ScheduledFuture<?> polling;
    private volatile boolean warned;

    private PauseFileWatcher(Settings settings) {
        this.settings = settings;
    }

    /**
     * Starts watching the file for {@code names} (or adds them to the watcher already running) and
     * reads it once at once, so a job started while paused sends nothing. Close the handle once.
     */
    public static AutoCloseable watch(Settings settings, Set<String> names) {
        PauseFileWatcher w;
        synchronized (WATCHERS) {
            w = WATCHERS.computeIfAbsent(settings, PauseFileWatcher::new);
            names.forEach(n -> w.counterparties.merge(n, 1, Integer::sum));
            if (w.references++ == 0) {
                if (timer == null) {
                    timer = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread t = new Thread(r, "reconflow-pause-file");
                        t.setDaemon(true);
                        return t;
                    });
                }
                long every = Math.max(10, settings.poll().toMillis());
                w.polling = timer.scheduleWithFixedDelay(w::poll, every, every, TimeUnit.MILLISECONDS);
            }
        }
        w.poll();
        return () -> w.unwatch(names);
    }

    private void unwatch(Set<String> names) {
        synchronized (WATCHERS) {
            names.forEach(n -> counterparties.computeIfPresent(n, (k, v) -> v > 1 ? v - 1 : null));
            if (--references == 0) {
                polling.cancel(false);
                WATCHERS.remove(settings);
            }
        }
    }

    /** Reads the file and sets every watched counterparty's gate; never throws. */
    void poll() {
        Map<String, String> paused;
        try {
            paused = read(settings.file());
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warn("pause file {} cannot be read; the counterparties' pause states stay as they are: {}",
                        settings.file(), e.toString());
            }
            return;
        }
        warned = false;
        for (String name : counterparties.keySet()) {
            String reason = paused.get(name);
            if (reason != null) {
                PauseGate.of(name).pause(reason);
            } else {
                PauseGate.of(name).resume();
            }
        }
    }

    /** The paused counterparties the file names, with their reasons; empty when there is no file. */
    public static Map<String, String> read(String file) throws IOException {
        Path path = path(file);
        FileSystem fs = path.getFileSystem();
        if (!fs.exists(path)) {
            return Map.of();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = fs.open(path)) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes.write(buffer, 0, n);
                if (bytes.size() > MAX_BYTES) {
                    throw new IOException("longer than " + MAX_BYTES + " bytes: not a pause file");
                }
            }
        }
        return parse(bytes.toString(StandardCharsets.UTF_8));
    }

    /** {@code file} as a Flink path: a URI with a scheme ({@code s3://…}, {@code file:…}), else a local file. */
    public static Path path(String file) {
        try {
            URI uri = new URI(file);
            if (uri.getScheme() != null && uri.getScheme().length() > 1) { // not a Windows drive letter
                return new Path(uri);
            }
        } catch (java.net.URISyntaxException e) {
            // a local path with characters a URI may not hold
        }
        return new Path(new java.io.File(file).toURI());
    }

    /** One counterparty per line, then its reason; blank lines and lines starting with # are skipped. */
    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int space = indexOfWhitespace(l);
            String name = space < 0 ? l : l.substring(0, space);
            String reason = space < 0 ? "" : l.substring(space).strip();
            out.put(name, reason);
        }
        return out;
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
