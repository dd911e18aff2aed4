package io.reconflow.job;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line, parsed by picocli: {@code reconflow} and its subcommands, each with
 * {@code --help}. Only {@link CommandLine#parseArgs} is used, never {@code execute}: a bad argument
 * is an {@link IllegalArgumentException} (the cluster's entry point must throw, not exit), which
 * the launcher (tools module) turns into {@code reconflow: <message>} and exit status 2. The job
 * jar has the job's commands only; the tools module adds {@code demo}, {@code sql} and {@code bench}
 * through the {@code tools} arguments.
 */
@Command(name = "reconflow", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Reconciles counterparty batches against internal files; COMMAND --help for its flags.",
        subcommands = {Cli.Run.class, Cli.Migrate.class, Cli.Pause.class, Cli.Resume.class})
public final class Cli {
    /** {@code --version}: the jar's version, when the manifest has one. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Cli.class.getPackage().getImplementationVersion();
            return new String[] {"reconflow " + (version == null ? "(built from source)" : version)};
        }
    }

    /** What a subcommand does once its arguments are parsed. */
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Parses {@code args} (no command, or a first flag, means {@code run}) and runs the subcommand, or
     * prints help; {@code tools} are further {@code @Command} subcommands (the launcher's demo, sql, bench).
     */
    public static void execute(String[] args, PrintStream out, Object... tools) throws Exception {
        ParseResult parsed = parse(commandLine(tools).setOut(new PrintWriter(out, true)), withCommand(args));
        if (CommandLine.printHelpIfRequested(parsed)) {
            return;
        }
        ((Action) parsed.subcommand().commandSpec().userObject()).run();
    }

    /** The parsed subcommand, without running it; null when help was asked for. */
    public static Object command(String[] args, Object... tools) {
        ParseResult parsed = parse(commandLine(tools), withCommand(args));
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
                return null;
            }
        }
        return parsed.subcommand().commandSpec().userObject();
    }

    private static CommandLine commandLine(Object... tools) {
        CommandLine line = new CommandLine(new Cli()).setExpandAtFiles(false);
        for (Object tool : tools) {
            line.addSubcommand(tool);
        }
        return line;
    }

    /** Parses one subcommand's arguments into {@code spec}; a bad argument is an IllegalArgumentException. */
    public static <T> T parse(T spec, String[] args) {
        parse(new CommandLine(spec).setExpandAtFiles(false), args);
        return spec;
    }

    private static ParseResult parse(CommandLine line, String[] args) {
        try {
            return line.parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage() + " (see --help)", e);
        }
    }

    /** Keeps {@code reconflow --config F} (and a bare {@code reconflow}) meaning {@code run}. */
    private static String[] withCommand(String[] args) {
        boolean help = args.length > 0 && List.of("-h", "--help", "-V", "--version").contains(args[0]);
        if (help || (args.length > 0 && !args[0].startsWith("--"))) {
            return args;
        }
        String[] all = new String[args.length + 1];
        all[0] = "run";
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    /** {@code --config FILE [--set key=value]... [--from D1 --to D2]}, shared by the commands that read a reconciliation. */
    public abstract static class ConfigArgs {
        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "The reconciliation's YAML, e.g. conf/recon/energy-confirmations.yaml.")
        Path config;

        @Option(names = "--set", paramLabel = "key=value", description = "Overrides a configuration key; repeatable.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--from", paramLabel = "D1", description = "A backfill's first business date (YYYY-MM-DD); needs --to.")
        String from;

        @Option(names = "--to", paramLabel = "D2", description = "A backfill's last business date (YYYY-MM-DD); needs --from.")
        String to;

        /** The parsed arguments, with the backfill's checks and its business dates as the last override. */
        ReconflowJob.CommandLine commandLine() {
            List<String> all = new ArrayList<>(overrides);
            Backfill backfill = Backfill.of(from, to, all);
            if (backfill != null) {
                all.add(backfill.override());
            }
            return new ReconflowJob.CommandLine(config, List.copyOf(all), backfill);
        }

        /** The reconciliation these arguments name, loaded with the overrides. */
        public ReconConfig loadConfig() {
            ReconflowJob.CommandLine cli = commandLine();
            return ReconConfig.load(cli.config(), cli.overrides());
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Runs a reconciliation: on a cluster when submitted to one, else embedded; --from/--to backfills.")
    public static final class Run extends ConfigArgs implements Action {
        @Override
        public void run() throws Exception {
            ReconflowJob.run(commandLine());
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Brings the PostgreSQL ledger (ledger.jdbc_url) to the schema this job writes.")
    static final class Migrate extends ConfigArgs implements Action {
        @Override
        public void run() {
            ReconflowJob.migrate(commandLine());
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Pauses a counterparty's fetches through the emergency pause file (fetch.pause_file).")
    static final class Pause extends ConfigArgs implements Action {
        @Option(names = "--counterparty", required = true, paramLabel = "NAME", description = "The counterparty to pause.")
        String counterparty;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why; written next to the name.")
        String reason;

        @Override
        public void run() throws Exception {
            PauseCommand.run(true, commandLine(), counterparty, reason, System.out);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Resumes a paused counterparty's fetches.")
    static final class Resume extends ConfigArgs implements Action {
        @Option(names = "--counterparty", required = true, paramLabel = "NAME", description = "The counterparty to resume.")
        String counterparty;

        @Override
        public void run() throws Exception {
            PauseCommand.run(false, commandLine(), counterparty, null, System.out);
        }
    }

    private Cli() {}
}
