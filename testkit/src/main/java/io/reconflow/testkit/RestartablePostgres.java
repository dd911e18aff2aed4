package io.reconflow.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * An embedded PostgreSQL (Maven Central's binaries) that can really be stopped and started again
 * on the same data directory and port, as an outage does to a job connected to it.
 */
public final class RestartablePostgres implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private final String url;
    private EmbeddedPostgres running;

    public RestartablePostgres(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        start();
        this.url = running.getJdbcUrl("postgres", "postgres");
    }

    public String url() {
        return url;
    }

    public synchronized void start() throws IOException {
        if (running == null) {
            running = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port).start();
        }
    }

    /** Stops the server (fast shutdown: its connections are cut), keeping its data. */
    public synchronized void stop() throws IOException {
        if (running != null) {
            running.close();
            running = null;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
