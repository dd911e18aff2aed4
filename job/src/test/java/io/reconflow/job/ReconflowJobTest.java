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
                .hasMessageStartingWith("Missing required parameter for option '--config' (FILE)");
    }

    @Test
    void aFlagWithoutItsValueOrAnUnknownFlagIsAClearErrorInEveryCommand() {
        String config = ENERGY.toString();
        for (String[] args : List.of(new String[] {"migrate", "--config", config, "--set"},
                new String[] {"pause", "--config", config, "--counterparty"}, new String[] {"run", "--config", config, "--from"})) {
            assertThatThrownBy(() -> ReconflowJob.main(args)).as(String.join(" ", args))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Missing required parameter for option '" + args[args.length - 1] + "'")
                    .hasMessageEndingWith("(see --help)");
        }
        assertThatThrownBy(() -> ReconflowJob.main(new String[] {"run", "--config", config, "--nope"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Unknown option: '--nope'");
        assertThatThrownBy(() -> ReconflowJob.main(new String[] {"--config", config, "--nope", "x"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("'--nope'");
        assertThatThrownBy(() -> ReconflowJob.main(new String[] {"frobnicate"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("'frobnicate'");
        assertThatThrownBy(() -> ReconflowJob.main(new String[] {"resume", "--config", config, "--counterparty", "x", "--reason", "r"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Unknown options: '--reason', 'r'");
    }

    @Test
    void theJobJarsCommandLineHasNoTools() {
        // demo, sql and bench live in the tools module (the launcher's command line), not in the job.
        for (String tool : List.of("demo", "sql", "bench")) {
            assertThatThrownBy(() -> ReconflowJob.main(new String[] {tool})).as(tool)
                    .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + tool + "'");
        }
    }

    @Test
    void everyCommandHasHelpAndRunsNothingWhenAskedForIt() throws Exception {
        for (String command : List.of("run", "migrate", "pause", "resume")) {
            java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
            // --config has no value and the required flags are missing: help wins, nothing runs or throws.
            Cli.execute(new String[] {command, "--help"}, new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
            assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).as(command)
                    .startsWith("Usage: reconflow " + command).contains("-h, --help");
            assertThat(Cli.command(new String[] {command, "-h"})).as(command).isNull();
        }
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        Cli.execute(new String[] {"--help"}, new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith("Usage: reconflow")
                .contains("run", "migrate", "pause", "resume").doesNotContain("demo", "bench");
        said.reset();
        Cli.execute(new String[] {"run", "--help"}, new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("--config=FILE", "--set=key=value", "--from=D1", "--to=D2");
        said.reset();
        Cli.execute(new String[] {"--version"}, new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(said.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith("reconflow ");
    }

    @Test
    void theReadmesCommandLinesParseAsBefore() {
        String energy = "conf/recon/energy-confirmations.yaml";
        Object run = Cli.command(new String[] {"run", "--config", energy, "--set", "business_dates=[2026-11-19]"});
        assertThat(run).isInstanceOf(Cli.Run.class);
        assertThat(((Cli.Run) run).commandLine())
                .isEqualTo(new ReconflowJob.CommandLine(Path.of(energy), List.of("business_dates=[2026-11-19]")));
        // No command but a flag first means run, as `flink run job.jar --config …` always did.
        assertThat(Cli.command(new String[] {"--config", energy})).isInstanceOf(Cli.Run.class);
        ReconflowJob.CommandLine backfill = ((Cli.Run) Cli.command(new String[] {"run", "--config", energy,
                "--from", "2026-11-16", "--to", "2026-11-20", "--set", "output.path=s3://recon/backfill"})).commandLine();
        assertThat(backfill.backfill()).isNotNull();
        assertThat(backfill.overrides()).first().isEqualTo("output.path=s3://recon/backfill");
        assertThat(backfill.overrides()).last().asString().startsWith("business_dates=");
        Object migrate = Cli.command(new String[] {"migrate", "--config", energy, "--set", "ledger.jdbc_url=jdbc:postgresql://db/recon"});
        assertThat(((Cli.Migrate) migrate).commandLine().overrides()).containsExactly("ledger.jdbc_url=jdbc:postgresql://db/recon");
        Cli.Pause pause = (Cli.Pause) Cli.command(new String[] {"pause", "--config", energy, "--counterparty", "northpool-energy",
                "--reason", "they asked us to stop: incident 4711"});
        assertThat(pause.counterparty).isEqualTo("northpool-energy");
        assertThat(pause.reason).isEqualTo("they asked us to stop: incident 4711");
        assertThat(Cli.command(new String[] {"resume", "--config", energy, "--counterparty", "northpool-energy"})).isInstanceOf(Cli.Resume.class);
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
