package io.reconflow.job.cluster;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import javax.annotation.Nullable;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link StandaloneCluster} for the tests of one class (register it as a static
 * {@code @RegisterExtension} field): started before them, with the job jar uploaded when one is
 * given, and stopped after them.
 */
public final class SessionCluster implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private final int taskManagers;
    private final Map<String, String> taskManagerEnv;
    @Nullable private final Path jarToUpload;

    private StandaloneCluster cluster;
    private FlinkRest rest;
    private String jar;

    public SessionCluster(String name, int taskManagers, Map<String, String> taskManagerEnv, @Nullable Path jarToUpload) {
        this.name = name;
        this.taskManagers = taskManagers;
        this.taskManagerEnv = taskManagerEnv;
        this.jarToUpload = jarToUpload;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = StandaloneCluster.start(workdir(name), taskManagers, taskManagerEnv);
        rest = cluster.rest();
        if (jarToUpload != null) {
            jar = rest.uploadJar(jarToUpload);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
        }
    }

    public StandaloneCluster cluster() {
        return cluster;
    }

    public FlinkRest rest() {
        return rest;
    }

    /** The id of the uploaded jar (null when none was given). */
    public String jar() {
        return jar;
    }

    /** A fresh folder under target/ for a cluster's configuration, logs, checkpoints and savepoints (kept for a look after a failure). */
    static Path workdir(String name) {
        return Path.of(System.getProperty("reconflow.cluster.workdir", "target/flink-cluster"))
                .resolve(name + "-" + System.currentTimeMillis());
    }
}
