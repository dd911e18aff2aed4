package io.reconflow.job;

import java.sql.SQLException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * The exceptions ledger's schema: versioned SQL migrations in {@code db/migration} (operators module),
 * applied by {@code reconflow migrate} with Flyway and checked with Flyway's {@code validate} by the job
 * when it starts.
 *
 * <p>Flyway's failures (no such database, server down, a migration that fails) become one-line
 * {@link ConfigException}s naming {@code ledger.jdbc_url} with any password cut out, instead of
 * Flyway's multi-line stack traces.
 */
public final class LedgerSchema {
    /** A {@code password=} parameter of a JDBC URL (query string or pgjdbc's {@code ;} form). */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)([?&;]password=)[^&;]*");

    private final ReconConfig.Ledger ledger;

    public LedgerSchema(ReconConfig.Ledger ledger) {
        this.ledger = ledger;
    }

    private FluentConfiguration configure() {
        return Flyway.configure(LedgerSchema.class.getClassLoader())
                .dataSource(ledger.jdbcUrl(), System.getenv(ledger.userEnv()), System.getenv(ledger.passwordEnv()))
                .locations("classpath:db/migration");
    }

    private Flyway flyway() {
        return configure().load();
    }

    /**
     * Applies the migrations the database does not have yet; returns the version it ends at.
     *
     * @throws ConfigException naming {@code ledger.jdbc_url} when Flyway cannot migrate
     */
    public String migrate() {
        return flyway("cannot migrate the ledger", () -> {
            MigrateResult result = flyway().migrate();
            return result.targetSchemaVersion != null ? result.targetSchemaVersion : current(flyway().info());
        });
    }

    /** The schema version this job was built for: its newest migration. */
    public String expectedVersion() {
        return flyway("cannot read the ledger's migrations", () -> newest(flyway().info()));
    }

    /**
     * Stops the job before it writes anything unless Flyway's {@code validate} passes: every
     * migration of this jar applied, none changed since, and none applied that this jar does not
     * have (a newer job's).
     *
     * @throws ConfigException naming {@code ledger.jdbc_url}, the migrations at fault, and what to do
     */
    public void requireCurrent() {
        ValidateResult result = flyway("cannot read the ledger's schema version", () -> configure()
                // Flyway ignores migrations from the future by default; this job writes only the schema it was built for.
                .ignoreMigrationPatterns(new String[0])
                .load()
                .validateWithResult());
        if (!result.validationSuccessful) {
            throw new ConfigException("ledger.jdbc_url", "the ledger's schema at " + redact(ledger.jdbcUrl()) + " is not the one this job needs: "
                    + SchemaMismatch.describe(result));
        }
    }

    private <T> T flyway(String doing, Supplier<T> work) {
        try {
            return work.get();
        } catch (FlywayException e) {
            throw new ConfigException("ledger.jdbc_url", doing + " at " + redact(ledger.jdbcUrl()) + ": " + reason(e));
        }
    }

    /** The URL with the value of any {@code password=} parameter replaced by {@code ***}. */
    static String redact(String jdbcUrl) {
        return URL_PASSWORD.matcher(jdbcUrl).replaceAll("$1***");
    }

    /**
     * The first line of the deepest SQL error (PostgreSQL's own words, such as {@code FATAL: database
     * "x" does not exist}), else of Flyway's message; with any password the message might echo cut out.
     */
    private String reason(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null && message == null; t = t.getCause()) {
            if (t instanceof SQLException && t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        if (message == null) {
            message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        String line = message.strip().lines().findFirst().orElse("").strip();
        line = line.replace(ledger.jdbcUrl(), redact(ledger.jdbcUrl()));
        String password = System.getenv(ledger.passwordEnv());
        return password == null || password.isEmpty() ? line : line.replace(password, "***");
    }

    private static String newest(MigrationInfoService info) {
        MigrationInfo[] all = info.all();
        return all.length == 0 ? "none" : all[all.length - 1].getVersion().getVersion();
    }

    private static String current(MigrationInfoService info) {
        MigrationInfo current = info.current();
        return current == null || current.getVersion() == null ? "none" : current.getVersion().getVersion();
    }
}
