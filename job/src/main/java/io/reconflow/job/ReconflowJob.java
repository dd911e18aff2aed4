package io.reconflow.job;

import io.reconflow.events.BatchOutcome;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.AvroSchemas;
import io.reconflow.operators.sink.ParquetSinks;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * The job's entry point: reads a reconciliation's configuration, plugs in the real sources and
 * Parquet sinks, and runs.
 *
 * <pre>
 * reconflow run  --config conf/recon/energy-confirmations.yaml [--set key=value]... [--from D1 --to D2]
 * reconflow pause  --config … --counterparty NAME --reason "…"   (the emergency pause switch)
 * reconflow resume --config … --counterparty NAME
 * reconflow migrate --config conf/recon/energy-confirmations.yaml [--set ledger.jdbc_url=...]
 * reconflow demo [--feed energy-confirmations] [--port 8081] [--keep-dashboard] [--postgres]
 * reconflow sql  "SELECT ..."                       (DuckDB over the output folder)
 * reconflow bench [--records N] [--parallelism N]  (job vs baseline, fetch rate, heap, checkpoints; README "Performance")
 * reconflow COMMAND --help                         (each command's flags)
 * </pre>
 */
public final class ReconflowJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReconflowJob.class);

    private ReconflowJob() {}

    /**
     * The entry point a Flink cluster calls ({@code flink run}, REST, application mode): a bad
     * configuration is an exception, which the CLI and REST report; it never exits the JVM, as that
     * JVM may be the JobManager. The {@code ./reconflow} launcher goes through {@code io.reconflow.tools.Launcher}.
     */
    public static void main(String[] args) throws Exception {
        Cli.execute(args, System.out);
    }

    /**
     * The parsed command line of {@code run} (picocli, in {@link Cli}).
     *
     * @param overrides the {@code --set} arguments, and a backfill's business dates last
     * @param backfill {@code --from D1 --to D2}, or null
     */
    record CommandLine(Path config, List<String> overrides, Backfill backfill) {
        CommandLine(Path config, List<String> overrides) {
            this(config, overrides, null);
        }

        /** {@code run}'s arguments (without the command): IllegalArgumentException when they are bad. */
        static CommandLine parse(String[] args) {
            return Cli.parse(new Cli.Run(), args).commandLine();
        }
    }

    static void migrate(CommandLine cli) {
        ReconConfig config = ReconConfig.load(cli.config(), cli.overrides());
        if (config.ledger() == null) {
            throw new ConfigException("ledger.jdbc_url", "is not set: there is no ledger to migrate");
        }
        String version = new LedgerSchema(config.ledger()).migrate();
        System.out.println("reconflow: the ledger at " + config.ledger().jdbcUrl() + " is at schema version " + version);
    }

    static JobExecutionResult run(CommandLine cli) throws Exception {
        ReconConfig config = ReconConfig.load(cli.config(), cli.overrides());
        if (cli.backfill() == null) {
            return run(environment(config), config);
        }
        Configuration conf = settings(config, embedded());
        conf.addAll(Backfill.settings());
        return cli.backfill().run(StreamExecutionEnvironment.getExecutionEnvironment(conf), config, System.out);
    }

    /**
     * The environment of a run: the cluster's when the job was submitted to one (its configuration
     * rules: restart strategy, checkpoint storage, ...), else an embedded MiniCluster with
     * {@link #localRunSettings()}. Either way with {@link #flinkSettings}.
     */
    static StreamExecutionEnvironment environment(ReconConfig config) {
        return StreamExecutionEnvironment.getExecutionEnvironment(settings(config, embedded()));
    }

    /**
     * True when no cluster set a context environment: the CLI, REST and application mode all run
     * {@code main} with one (Flink's StreamContextEnvironment), a plain {@code java} process has none.
     */
    static boolean embedded() {
        return StreamExecutionEnvironment.areExplicitEnvironmentsAllowed();
    }

    /** What a run adds to the cluster's configuration; the local settings only for an embedded run. */
    static Configuration settings(ReconConfig config, boolean embedded) {
        Configuration conf = flinkSettings(config);
        if (embedded) {
            conf.addAll(localRunSettings());
        }
        return conf;
    }

    /** Plugs the real sources and sinks into the dataflow and runs it on {@code env}. */
    public static JobExecutionResult run(StreamExecutionEnvironment env, ReconConfig config) throws Exception {
        plug(env, config);
        return env.execute("reconflow " + config.name());
    }

    /**
     * Builds the dataflow on {@code env} with the real sources and sinks, after checking that the
     * ledger's schema (if there is a ledger) is the one this job writes.
     */
    public static void plug(StreamExecutionEnvironment env, ReconConfig config) {
        if (config.ledger() != null) {
            new LedgerSchema(config.ledger()).requireCurrent();
        }
        env.setParallelism(config.job().parallelism());
        env.enableCheckpointing(config.job().checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        ReconPipeline.assemble(config,
                Sources.internalFiles(env, config),
                Sources.counterpartyBatches(env, config),
                new ReconPipeline.Sinks(
                        ParquetSinks.generic(config.resultsPath(), AvroSchemas.result(config.feed())),
                        ParquetSinks.specific(config.rejectsPath(), Reject.class),
                        ParquetSinks.specific(config.batchesPath(), BatchOutcome.class),
                        config.ledger() == null ? null : config.ledger().sinks()));
        LOG.info("Reconciliation {} of feed {} for {} against {}; output under {}{}", config.name(), config.feed().name(),
                config.businessDates(), config.counterparties().stream().map(c -> c.name()).toList(), config.outputPath(),
                config.ledger() == null ? "" : ", ledger " + config.ledger().jdbcUrl());
    }

    /**
     * Settings of an embedded MiniCluster. Hadoop's classes are on the classpath only for Parquet;
     * without this Flink would try to obtain Hadoop delegation tokens (Kerberos) at start.
     */
    public static Configuration localClusterSettings() {
        Configuration conf = new Configuration();
        conf.set(SecurityOptions.DELEGATION_TOKENS_ENABLED, false);
        // Checkpoints on disk: the JobManager's memory would cap the state of a real day at 5 MiB.
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                Path.of(System.getProperty("java.io.tmpdir"), "reconflow-checkpoints").toUri().toString());
        // A local run that keeps failing should stop and say why, not restart forever.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofSeconds(2));
        return conf;
    }

    /**
     * Settings of a run on this machine ({@code run}, {@code demo}, {@code bench}): the MiniCluster's
     * plus RocksDB with incremental checkpoints and memory sized from this JVM's heap
     * ({@link LocalResources}). The tests' shared MiniCluster keeps {@link #localClusterSettings()}.
     */
    public static Configuration localRunSettings() {
        Configuration conf = localClusterSettings();
        conf.addAll(LocalResources.settings());
        return conf;
    }

    /** Settings every run needs whatever the cluster's config.yaml says: no Kryo, no generated uids, object reuse. */
    public static Configuration flinkSettings(ReconConfig config) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        // Chained operators hand records on without a serializer copy. Safe here: no function keeps
        // or changes a record after emitting it, keyed state holds only records from network inputs
        // (deserialized afresh), and the page fetch copies its input itself (README "Performance").
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(PipelineOptions.NAME, "reconflow " + config.name());
        return conf;
    }
}
