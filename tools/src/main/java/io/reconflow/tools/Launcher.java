package io.reconflow.tools;

import io.reconflow.job.HeapWatchdog;
import io.reconflow.job.Cli;
import io.reconflow.job.ConfigException;
import io.reconflow.job.ReconConfig;
import io.reconflow.tools.bench.Benchmark;
import io.reconflow.tools.demo.Demo;
import io.reconflow.tools.sql.SqlCommand;

/**
 * The {@code ./reconflow} launcher's entry point, for runs on this machine only: the job's commands
 * plus the tools ({@code demo}, {@code sql}, {@code bench}). It stops a local {@code run} at once
 * when a counterparty's token variable is missing (this process is its TaskManager), and turns a
 * bad configuration into {@code reconflow: <message>} and exit status 2. A cluster calls
 * {@link io.reconflow.job.ReconflowJob#main}, which has the job's commands only and never exits.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        HeapWatchdog.install();   // this JVM is the local MiniCluster's TaskManager
        try {
            if (command(args) instanceof Cli.Run run) {
                requireTokens(run.loadConfig());
            }
            Cli.execute(args, System.out, tools());
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("reconflow: " + e.getMessage());
            System.exit(2);
        }
    }

    /** The commands the launcher adds to the job's, in the order {@code --help} lists them. */
    static Object[] tools() {
        return new Object[] {new Demo.Args(), new SqlCommand(), new Benchmark.Args()};
    }

    /** The parsed subcommand of the launcher's command line; null when help was asked for. */
    static Object command(String[] args) {
        return Cli.command(args, tools());
    }

    /** Every counterparty's token variable set here, as the embedded TaskManagers will read it. */
    static void requireTokens(ReconConfig config) {
        for (int i = 0; i < config.counterparties().size(); i++) {
            String variable = config.counterparties().get(i).tokenEnv();
            String token = System.getenv(variable);
            if (token == null || token.isBlank()) {
                throw new ConfigException("counterparties[" + i + "].token_env",
                        "environment variable " + variable + " (the bearer token of " + config.counterparties().get(i).name() + ") is not set");
            }
        }
    }
}
