package io.reconflow.job;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one MiniCluster the end-to-end tests share. */
public abstract class MiniClusterTestBase {
    public static final String TOKEN_ENV = "RECONFLOW_TEST_TOKEN";

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

    protected static String token() {
        return System.getenv(TOKEN_ENV);
    }
}
