package io.reconflow.tools.sql;

import io.reconflow.job.Cli;
import io.reconflow.testkit.OutputQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.sql.SQLException;

/** {@code reconflow sql [--out out] "SELECT status, count(*) FROM results GROUP BY ALL"}: DuckDB over a run's output. */
@Command(name = "sql", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "Queries the Parquet output with DuckDB: the views results, rejects and batches.")
public final class SqlCommand implements Cli.Action {
    @Option(names = "--out", paramLabel = "FOLDER", description = "The output folder; default ${DEFAULT-VALUE}.")
    String out = "out";

    @Parameters(paramLabel = "SQL", description = "\"SELECT ... FROM results | rejects\"")
    String sql;

    public String out() {
        return out;
    }

    public String sql() {
        return sql;
    }

    public static void main(String[] args) throws SQLException {
        Cli.parse(new SqlCommand(), args).run();
    }

    @Override
    public void run() throws SQLException {
        try (OutputQuery q = new OutputQuery(out)) {
            System.out.print(q.table(sql));
        }
    }
}
