package io.reconflow.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a run's output the way users do: DuckDB over the hive-partitioned Parquet folders, with
 * the views {@code results}, {@code rejects} and {@code batches}.
 *
 * Used by the tests, the demo, the benchmark and {@code reconflow sql}.
 */
public final class OutputQuery implements AutoCloseable {
    private final Connection connection;

    public OutputQuery(String outputPath) throws SQLException {
        connection = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement st = connection.createStatement()) {
            for (String dataset : List.of("results", "rejects", "batches")) {
                // A dataset with no files yet (a run without rejects) is left out rather than failing the query.
                if (hasFiles(java.nio.file.Path.of(outputPath, dataset))) {
                    st.execute("CREATE VIEW " + dataset + " AS " + scan(outputPath, dataset));
                }
            }
        }
    }

    private static boolean hasFiles(java.nio.file.Path folder) {
        if (!java.nio.file.Files.isDirectory(folder)) {
            return false;
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(folder)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The DuckDB table function that reads one dataset of a run, as users would write it. */
    public static String scan(String outputPath, String dataset) {
        return "SELECT * FROM read_parquet('" + outputPath.replace("'", "''") + "/" + dataset
                + "/**/*.parquet', hive_partitioning = true, union_by_name = true)";
    }

    public Connection connection() {
        return connection;
    }

    /** Rows of a query, each as a list of column values. */
    public List<List<Object>> rows(String sql) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    /** A query's result as an aligned text table. */
    public String table(String sql) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            List<String[]> rows = new ArrayList<>();
            String[] header = new String[n];
            int[] width = new int[n];
            for (int i = 0; i < n; i++) {
                header[i] = md.getColumnLabel(i + 1);
                width[i] = header[i].length();
            }
            while (rs.next()) {
                String[] row = new String[n];
                for (int i = 0; i < n; i++) {
                    row[i] = String.valueOf(rs.getObject(i + 1));
                    width[i] = Math.max(width[i], row[i].length());
                }
                rows.add(row);
            }
            appendRow(sb, header, width);
            for (String[] row : rows) {
                appendRow(sb, row, width);
            }
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] cells, int[] width) {
        for (int i = 0; i < cells.length; i++) {
            sb.append(i == 0 ? "  " : "  ").append(String.format("%-" + width[i] + "s", cells[i]));
        }
        sb.append('\n');
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
