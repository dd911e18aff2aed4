package io.reconflow.job;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The entry point a cluster calls: its configuration rules there, and nothing exits the JVM. */
class ReconflowJobTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final String UNSET_TOKEN_ENV = "RECONFLOW_TEST_TOKEN_THAT_IS_NOT_SET";

    @TempDir
    Path tmp;

    @AfterEach
    void noCluster() {
        ClusterContext.reset();
    }

    private String[] runArgs(String... sets) throws Exception {
        Path internal = Files.createDirectories(tmp.resolve("internal"));
        List<String> args = new java.util.ArrayList<>(List.of("run", "--config", ENERGY.toString(),
                "--set", "business_dates=[2026-11-20]",
                "--set", "internal.path=" + internal,
                "--set", "output.path=" + tmp.resolve("out"),
                "--set", "counterparties[0].token_env=" + UNSET_TOKEN_ENV));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return args.toArray(new String[0]);
    }

    @Test
    void aClusterSubmissionCarriesNoneOfTheLocalSettings() throws Exception {
        AtomicReference<Configuration> handed = new AtomicReference<>();
        ClusterContext.set(handed);

        // The token variable is unset here, like on a real client: only the TaskManagers hold it.
        assertThatThrownBy(() -> ReconflowJob.main(runArgs())).isInstanceOf(Submitted.class);

        assertThat(ReconflowJob.embedded()).isFalse();
        Configuration conf = handed.get();
        for (String key : ReconflowJob.localClusterSettings().keySet()) {
            assertThat(conf.keySet()).as("local setting %s on a cluster", key).doesNotContain(key);
        }
        assertThat(conf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(conf.get(PipelineOptions.AUTO_GENERATE_UIDS)).isFalse();
    }

    @Test
    void anEmbeddedRunGetsTheLocalSettings() {
        ReconConfig config = ReconConfig.load(ENERGY, List.of());
        assertThat(ReconflowJob.embedded()).isTrue();
        StreamExecutionEnvironment env = ReconflowJob.environment(config);
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        Configuration embedded = ReconflowJob.settings(config, true);
        Configuration cluster = ReconflowJob.settings(config, false);
        assertThat(embedded.keySet()).containsAll(ReconflowJob.localClusterSettings().keySet());
        assertThat(cluster.keySet()).doesNotContainAnyElementsOf(ReconflowJob.localClusterSettings().keySet());
    }

    @Test
    void aBadConfigurationThrowsNamingTheKeyAndDoesNotExit() throws Exception {
        ClusterContext.set(new AtomicReference<>());
        // Were this System.exit, the test JVM would end and the test would fail.
        assertThatThrownBy(() -> ReconflowJob.main(runArgs("fetch.capacity=0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("fetch.capacity:");
        assertThatThrownBy(() -> ReconflowJob.main(new String[] {"run", "--config"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--config needs a value");
    }

    @Test
    void theLauncherChecksTokensForItsOwnEmbeddedTaskManagers() {
        ReconConfig config = ReconConfig.load(ENERGY, List.of("counterparties[0].token_env=" + UNSET_TOKEN_ENV));
        assertThatThrownBy(() -> Launcher.requireTokens(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("counterparties[0].token_env:")
                .hasMessageContaining(UNSET_TOKEN_ENV).hasMessageContaining("northpool-energy");
    }

    @Test
    void theCounterpartySourceChainsIntoThePageFetch() throws Exception {
        Path internal = Files.createDirectories(tmp.resolve("internal"));
        ReconConfig config = ReconConfig.load(ENERGY, List.of("business_dates=[2026-11-20]",
                "internal.path=" + internal, "output.path=" + tmp.resolve("out")));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(ReconflowJob.flinkSettings(config));
        ReconflowJob.plug(env, config);

        // In one task, page requests wait in no network buffer: a barrier passes them at the pace of the fetch.
        assertThat(env.getStreamGraph().getJobGraph().getVertices())
                .extracting(org.apache.flink.runtime.jobgraph.JobVertex::getName)
                .anySatisfy(name -> assertThat(name).contains("Source: Counterparty batches -> Manifests and page requests -> Fetch pages"));
    }

    /** What a submission ends in here instead of a job. */
    static final class Submitted extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** Stands in for the context environment the Flink CLI and REST set around {@code main}. */
    static final class ClusterContext extends StreamExecutionEnvironment {
        private ClusterContext(Configuration conf) {
            super(conf);
        }

        @Override
        public JobExecutionResult execute(StreamGraph streamGraph) {
            throw new Submitted();
        }

        static void set(AtomicReference<Configuration> handed) {
            initializeContextEnvironment(conf -> {
                handed.set(conf);
                return new ClusterContext(conf);
            });
        }

        static void reset() {
            resetContextEnvironment();
        }
    }
}
