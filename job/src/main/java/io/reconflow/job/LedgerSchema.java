package io.reconflow.job;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The exceptions ledger's schema: versioned SQL migrations in {@code db/migration} of the job jar,
 * applied by {@code reconflow migrate} with Flyway and checked by the job when it starts.
 */
public final class LedgerSchema {
    private final ReconConfig.Ledger ledger;

    public LedgerSchema(ReconConfig.Ledger ledger) {
        this.ledger = ledger;
    }

    private Flyway flyway() {
        return Flyway.configure(LedgerSchema.class.getClassLoader())
                .dataSource(ledger.jdbcUrl(), System.getenv(ledger.userEnv()), System.getenv(ledger.passwordEnv()))
                .locations("classpath:db/migration")
                .load();
    }

    /** Applies the migrations the database does not have yet; returns the version it ends at. */
    public String migrate() {
        MigrateResult result = flyway().migrate();
        return result.targetSchemaVersion != null ? result.targetSchemaVersion : current(flyway().info());
    }

    /** The schema version this job was built for: its newest migration. */
    public String expectedVersion() {
        MigrationInfo[] all = flyway().info().all();
        return all.length == 0 ? "none" : all[all.length - 1].getVersion().getVersion();
    }

    /**
     * Stops the job before it writes anything when the database's schema is not the one it was
     * built for.
     *
     * @throws ConfigException naming {@code ledger.jdbc_url}, the versions, and what to run
     */
    public void requireCurrent() {
        MigrationInfoService info;
        try {
            info = flyway().info();
        } catch (RuntimeException e) {
            throw new ConfigException("ledger.jdbc_url", "cannot read the ledger's schema version: " + e.getMessage());
        }
        MigrationInfo[] all = info.all();
        String expected = all.length == 0 ? "none" : all[all.length - 1].getVersion().getVersion();
        String actual = current(info);
        if (!expected.equals(actual)) {
            throw new ConfigException("ledger.jdbc_url", "the ledger's schema is at version " + actual
                    + " but this job needs version " + expected + "; run: reconflow migrate --config <this yaml>");
        }
    }

    private static String current(MigrationInfoService info) {
        MigrationInfo current = info.current();
        return current == null || current.getVersion() == null ? "none" : current.getVersion().getVersion();
    }
}
