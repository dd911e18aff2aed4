package io.reconflow.job;

import io.reconflow.sim.CounterpartySimulator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.annotation.Nullable;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/** The one MiniCluster the end-to-end tests share. */
public abstract class MiniClusterTestBase {
    public static final String TOKEN_ENV = "RECONFLOW_TEST_TOKEN";
    /** The feed most end-to-end tests run. */
    protected static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(ReconflowJob.localClusterSettings())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    /** An environment on the shared MiniCluster that fails a test instead of restarting forever. */
    protected static StreamExecutionEnvironment environment(ReconConfig config) {
        return environment(config, 0);
    }

    /** An environment on the shared MiniCluster whose job restarts from its last checkpoint up to {@code restarts} times. */
    protected static StreamExecutionEnvironment environment(ReconConfig config, int restarts) {
        Configuration conf = ReconflowJob.flinkSettings(config);
        if (restarts == 0) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        } else {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofSeconds(1));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        return env;
    }

    /** The job of {@code config} started on the shared MiniCluster, from {@code savepoint} when one is given. */
    protected static JobClient startJob(ReconConfig config, @Nullable String savepoint) throws Exception {
        StreamExecutionEnvironment env = environment(config);
        ReconflowJob.plug(env, config);
        StreamGraph graph = env.getStreamGraph();
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return env.executeAsync(graph);
    }

    /** Waits (up to 2 minutes) until the simulator has served {@code pages} distinct pages. */
    protected static void awaitPagesServed(CounterpartySimulator sim, long pages) {
        await("waiting for " + pages + " pages").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> sim.counters().pagesServed() >= pages);
    }

    protected static String token() {
        return System.getenv(TOKEN_ENV);
    }
}
