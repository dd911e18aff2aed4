package io.reconflow.tools;

import io.reconflow.job.Cli;
import io.reconflow.job.ConfigException;
import io.reconflow.job.ReconConfig;
import io.reconflow.tools.bench.Benchmark;
import io.reconflow.tools.demo.Demo;
import io.reconflow.tools.sql.SqlCommand;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The launcher's command line: the job's commands plus demo, sql and bench, each with --help. */
class LauncherTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final String UNSET_TOKEN_ENV = "RECONFLOW_TEST_TOKEN_THAT_IS_NOT_SET";

    private static String execute(String... args) throws Exception {
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        Cli.execute(args, new PrintStream(said, true, StandardCharsets.UTF_8), Launcher.tools());
        return said.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyCommandHasHelpAndRunsNothingWhenAskedForIt() throws Exception {
        for (String command : List.of("run", "migrate", "pause", "resume", "demo", "sql", "bench")) {
            // The required flags are missing: help wins, nothing runs or throws.
            assertThat(execute(command, "--help")).as(command).startsWith("Usage: reconflow " + command).contains("-h, --help");
            assertThat(Launcher.command(new String[] {command, "-h"})).as(command).isNull();
        }
        assertThat(execute("--help")).startsWith("Usage: reconflow").contains("run", "migrate", "pause", "resume", "demo", "sql", "bench");
    }

    @Test
    void theReadmesToolCommandLinesParseAsBefore() {
        Object sql = Launcher.command(new String[] {"sql", "--out", "out/demo/energy-confirmations", "SELECT status, count(*) FROM results GROUP BY ALL"});
        assertThat(((SqlCommand) sql).out()).isEqualTo("out/demo/energy-confirmations");
        assertThat(((SqlCommand) sql).sql()).isEqualTo("SELECT status, count(*) FROM results GROUP BY ALL");
        assertThat(Launcher.command(new String[] {"demo"})).isInstanceOf(Demo.Args.class);
        assertThat(Launcher.command(new String[] {"demo", "--postgres", "--feed", "fx-settlements", "--keep-dashboard", "--port", "8082"}))
                .isInstanceOf(Demo.Args.class);
        assertThat(Launcher.command(new String[] {"bench", "--only", "fetch", "--latency-ms", "50", "--fetch-page-size", "1"}))
                .isInstanceOf(Benchmark.Args.class);
        assertThat(Launcher.command(new String[] {"--config", ENERGY.toString()})).isInstanceOf(Cli.Run.class);
    }

    @Test
    void aFlagWithoutItsValueOrOfTheWrongTypeIsAClearErrorInEveryTool() {
        for (String[] args : List.of(new String[] {"demo", "--feed"}, new String[] {"demo", "--port"},
                new String[] {"bench", "--records"}, new String[] {"sql", "--out"})) {
            assertThatThrownBy(() -> Launcher.command(args)).as(String.join(" ", args))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Missing required parameter for option '" + args[args.length - 1] + "'")
                    .hasMessageEndingWith("(see --help)");
        }
        assertThatThrownBy(() -> Launcher.command(new String[] {"demo", "--port", "eighty"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("'eighty' is not an int");
        assertThatThrownBy(() -> Launcher.command(new String[] {"sql"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("Missing required parameter: 'SQL'");
    }

    @Test
    void theLauncherChecksTokensForItsOwnEmbeddedTaskManagers() {
        ReconConfig config = ReconConfig.load(ENERGY, List.of("counterparties[0].token_env=" + UNSET_TOKEN_ENV));
        assertThatThrownBy(() -> Launcher.requireTokens(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("counterparties[0].token_env:")
                .hasMessageContaining(UNSET_TOKEN_ENV).hasMessageContaining("northpool-energy");
    }
}
