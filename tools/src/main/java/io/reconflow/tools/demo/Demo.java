package io.reconflow.tools.demo;

import io.reconflow.job.Cli;
import io.reconflow.job.LedgerSchema;
import io.reconflow.testkit.OutputQuery;
import io.reconflow.job.ReconConfig;
import io.reconflow.job.ReconflowJob;
import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The demo: a reconciliation with known truth on the embedded MiniCluster, against the built-in
 * counterparty simulator, with the Flink dashboard on 127.0.0.1, and a summary read back from the
 * Parquet output through DuckDB (and from the PostgreSQL ledger, with {@code --postgres} or
 * {@code --jdbc-url}).
 */
public final class Demo {
    /** The variable the demo's simulators and the job both read the bearer token from. */
    public static final String TOKEN_ENV = "RECONFLOW_DEMO_TOKEN";

    /** Open exceptions by counterparty, status and age: the ledger query operations teams start from. */
    static final String OPEN_BY_COUNTERPARTY_AND_AGE =
            "SELECT coalesce(counterparty_name, '(ours only)') AS counterparty, status, age_business_days, count(*) AS open "
                    + "FROM recon_open_exception GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

    private Demo() {}

    /** {@code reconflow demo}'s flags; {@link #run} does the demo. */
    @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Runs a reconciliation end to end against simulated counterparties and shows the results.")
    public static final class Args implements Cli.Action {
        @Option(names = "--feed", paramLabel = "NAME", description = "The feed (conf/recon/NAME.yaml); default ${DEFAULT-VALUE}.")
        String feed = "energy-confirmations";

        @Option(names = "--port", paramLabel = "N", description = "The Flink dashboard's port; default ${DEFAULT-VALUE}.")
        int port = 8081;

        @Option(names = "--keep-dashboard", description = "Keeps the dashboard up after the run.")
        boolean keepDashboard;

        @Option(names = "--postgres", description = "Starts an embedded PostgreSQL for the ledger.")
        boolean embeddedPostgres;

        @Option(names = "--jdbc-url", paramLabel = "URL", description = "Writes the ledger to this PostgreSQL.")
        String jdbcUrl;

        @Override
        public void run() throws Exception {
            Demo.run(this);
        }
    }

    public static void main(String[] args) throws Exception {
        run(Cli.parse(new Args(), args));
    }

    static void run(Args a) throws Exception {
        String feed = a.feed;
        int port = a.port;
        boolean keepDashboard = a.keepDashboard;
        boolean embeddedPostgres = a.embeddedPostgres;
        String jdbcUrl = a.jdbcUrl;
        String token = System.getenv(TOKEN_ENV);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("set " + TOKEN_ENV + " (./reconflow demo makes one up)");
        }
        Path yaml = Path.of("conf/recon/" + feed + ".yaml");
        if (!Files.isRegularFile(yaml)) {
            throw new IllegalArgumentException("no reconciliation " + yaml);
        }
        Path out = Path.of("out/demo/" + feed);
        Path data = Path.of("data/demo/" + feed);
        deleteRecursively(out);
        deleteRecursively(data);

        ReconConfig base = ReconConfig.load(yaml, List.of());
        List<String> counterparties = base.counterparties().stream().map(CounterpartyEndpoint::name).toList();
        ScenarioSettings settings = ScenarioSettings.demo()
                .withBusinessDates(base.businessDates())
                .withCounterparties(counterparties);
        Scenario scenario = ScenarioGenerator.generate(base.feed(), base.matching(), settings);
        String internalPath = data.resolve("internal/business_date={business_date}").toString();
        InternalFiles.write(scenario, base.feed(), internalPath, base.internal().format().name().toLowerCase());

        List<CounterpartySimulator> simulators = new ArrayList<>();
        EmbeddedPostgres postgres = null;
        try {
            List<String> overrides = new ArrayList<>(List.of("output.path=" + out, "internal.path=" + internalPath));
            if (embeddedPostgres) {
                postgres = EmbeddedPostgres.builder().start();
                jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
                System.out.println("PostgreSQL (embedded, for this demo only) at " + jdbcUrl);
            }
            if (jdbcUrl != null) {
                overrides.add("ledger.jdbc_url=" + jdbcUrl);
                String version = new LedgerSchema(ReconConfig.load(yaml, overrides).ledger()).migrate();
                System.out.println("Ledger schema at version " + version);
            }
            for (int i = 0; i < counterparties.size(); i++) {
                CounterpartySimulator sim = new CounterpartySimulator(scenario, counterparties.get(i), token, Faults.demo(), 0);
                simulators.add(sim);
                overrides.add("counterparties[" + i + "].base_url=" + sim.url());
                overrides.add("counterparties[" + i + "].token_env=" + TOKEN_ENV);
                System.out.printf("Counterparty %s simulated at %s%n", counterparties.get(i), sim.url());
            }
            ReconConfig config = ReconConfig.load(yaml, overrides);

            Configuration flink = ReconflowJob.flinkSettings(config);
            flink.addAll(ReconflowJob.localRunSettings());
            flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            flink.set(RestOptions.ADDRESS, "127.0.0.1");
            flink.set(RestOptions.PORT, port);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            System.out.printf("Flink dashboard: http://127.0.0.1:%d  (while the job runs%s)%n", port,
                    keepDashboard ? " and until Enter is pressed" : "; --keep-dashboard keeps it up");

            JobExecutionResult result = ReconflowJob.run(env, config);
            summarize(config, scenario.truth(), result, out);
            if (config.ledger() != null) {
                summarizeLedger(config.ledger().jdbcUrl());
            }
            if (keepDashboard) {
                System.out.println("Press Enter to stop the dashboard.");
                System.in.read();
            }
        } finally {
            for (CounterpartySimulator sim : simulators) {
                sim.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
    }

    private static void summarize(ReconConfig config, Truth truth, JobExecutionResult result, Path out) throws Exception {
        String output = out.toString();
        try (OutputQuery q = new OutputQuery(output)) {
            System.out.printf("%nReconciliation %s, business dates %s, finished in %d ms%n",
                    config.name(), config.businessDates(), result.getNetRuntime());
            System.out.println("\nResults per status (expected from the generated truth):");
            Map<String, Long> expected = new TreeMap<>();
            truth.keys().values().forEach(k -> expected.merge(k.status().name(), 1L, Long::sum));
            for (List<Object> row : q.rows("SELECT status, count(*) FROM results GROUP BY status ORDER BY status")) {
                System.out.printf("  %-26s %6d   (expected %d)%n", row.get(0), row.get(1), expected.getOrDefault(row.get(0).toString(), 0L));
            }
            System.out.println("\nRejects per side and code:");
            System.out.print(q.table("SELECT side, error_code, count(*) AS rejects FROM rejects GROUP BY ALL ORDER BY ALL"));
            System.out.println("\nBatches against their manifests:");
            System.out.print(q.table("SELECT counterparty, business_date, status, expected_count, actual_count, "
                    + "actual_control_total, message FROM batches ORDER BY ALL"));

            Object dups = result.getAccumulatorResult(DeduplicateRecords.DUPLICATES_ACCUMULATOR);
            long duplicates = dups == null ? 0L : ((Number) dups).longValue();
            long served = truth.totals().counterpartyServed();
            long cpRejected = ((Number) q.rows("SELECT count(*) FROM rejects WHERE side = 'COUNTERPARTY'").get(0).get(0)).longValue();
            long cpInResults = ((Number) q.rows("SELECT count(*) FROM results WHERE counterparty IS NOT NULL").get(0).get(0)).longValue();
            System.out.printf("%nCounterparty records served %d = in results %d + rejected %d + exact duplicates dropped %d  -> %s%n",
                    served, cpInResults, cpRejected, duplicates,
                    served == cpInResults + cpRejected + duplicates ? "holds" : "DOES NOT HOLD");

            System.out.println("\nExplore the output with DuckDB (./reconflow sql --out " + output + " \"...\", or the duckdb CLI):");
            System.out.println("  SELECT status, count(*) FROM read_parquet('" + output
                    + "/results/**/*.parquet', hive_partitioning = true) GROUP BY ALL;");
            System.out.println("  SELECT match_key, unnest(breaks, recursive := true) FROM read_parquet('" + output
                    + "/results/**/*.parquet', hive_partitioning = true) WHERE status = 'BREAK' LIMIT 20;");
            System.out.println("  SELECT error_code, field, message, raw FROM read_parquet('" + output
                    + "/rejects/**/*.parquet', hive_partitioning = true) LIMIT 20;");
        }
    }

    /** What operations teams ask the ledger every morning (README "Exceptions ledger"). */
    private static void summarizeLedger(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            System.out.println("\nLedger: open exceptions by counterparty, status and age in business days:");
            print(st, OPEN_BY_COUNTERPARTY_AND_AGE);
            System.out.println("\nLedger: batches against their manifests:");
            print(st, "SELECT counterparty, business_date, status, expected_count, actual_count FROM recon_batch ORDER BY 1, 2");
        }
    }

    private static void print(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            StringBuilder header = new StringBuilder("  ");
            for (int i = 1; i <= n; i++) {
                header.append(String.format("%-24s", rs.getMetaData().getColumnLabel(i)));
            }
            System.out.println(header);
            while (rs.next()) {
                StringBuilder row = new StringBuilder("  ");
                for (int i = 1; i <= n; i++) {
                    row.append(String.format("%-24s", rs.getObject(i)));
                }
                System.out.println(row);
            }
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
