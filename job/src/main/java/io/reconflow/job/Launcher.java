package io.reconflow.job;

/**
 * The {@code ./reconflow} launcher's entry point, for runs on this machine only: it stops a local
 * {@code run} at once when a counterparty's token variable is missing (this process is its
 * TaskManager), and turns a bad configuration into {@code reconflow: <message>} and exit status 2.
 * A cluster calls {@link ReconflowJob#main}, which never exits.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        HeapWatchdog.install();   // this JVM is the local MiniCluster's TaskManager
        try {
            if (Cli.command(args) instanceof Cli.Run run) {
                ReconflowJob.CommandLine cli = run.commandLine();
                requireTokens(ReconConfig.load(cli.config(), cli.overrides()));
            }
            ReconflowJob.main(args);
        } catch (ConfigException | IllegalArgumentException e) {
            System.err.println("reconflow: " + e.getMessage());
            System.exit(2);
        }
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
