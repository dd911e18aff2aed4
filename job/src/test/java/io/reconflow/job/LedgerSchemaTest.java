package io.reconflow.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code reconflow migrate} and the job's start-up check (Flyway's validate) against a real
 * PostgreSQL: a database that is not there, behind, changed or ahead of the job is one line naming
 * {@code ledger.jdbc_url}, without the password, that says what to do.
 */
class LedgerSchemaTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final String PASSWORD = "Ledger-Pw-4f9e1b";

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void database() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    private static LedgerSchema schema(String database) {
        return new LedgerSchema(ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=" + url(database))).ledger());
    }

    @Test
    void migrateOfAMissingDatabaseIsOneLineWithoutThePassword() {
        assertThatThrownBy(() -> schema("no_such_ledger").migrate())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .startsWith("ledger.jdbc_url: cannot migrate the ledger at jdbc:postgresql://localhost:")
                        .contains("/no_such_ledger?user=postgres&password=***")
                        .contains("database \"no_such_ledger\" does not exist")
                        .doesNotContain(PASSWORD)
                        .doesNotContain("\n").doesNotContain("\r"));
    }

    @Test
    void startUpCheckOfAMissingDatabaseIsOneLineWithoutThePassword() {
        assertThatThrownBy(() -> schema("no_such_ledger").requireCurrent())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .startsWith("ledger.jdbc_url: cannot read the ledger's schema version at ")
                        .contains("does not exist")
                        .doesNotContain(PASSWORD)
                        .doesNotContain("\n").doesNotContain("\r"));
    }

    @Test
    void anExistingDatabaseIsMigratedAndThenCurrent() {
        LedgerSchema ledger = schema("postgres");
        assertThat(ledger.migrate()).isEqualTo(ledger.expectedVersion());
        ledger.requireCurrent();
    }

    @Test
    void anEmptyDatabaseStopsTheJobNamingEveryMigrationAndWhatToRun() throws Exception {
        createDatabase("empty_ledger");

        assertThatThrownBy(() -> schema("empty_ledger").requireCurrent())
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .startsWith("ledger.jdbc_url: the ledger's schema at jdbc:postgresql://localhost:")
                        .contains("/empty_ledger?user=postgres&password=***")
                        .contains("it is behind: migrations V1, V2, V3 are not applied yet; run: ./reconflow migrate --config")
                        .doesNotContain(PASSWORD)
                        .doesNotContain("\n"));
    }

    @Test
    void aDatabaseAtAnOlderVersionIsBehindUntilMigrated() throws Exception {
        createDatabase("old_ledger");
        Flyway.configure().dataSource(url("old_ledger"), null, null).locations("classpath:db/migration").target("2").load().migrate();
        LedgerSchema ledger = schema("old_ledger");

        assertThatThrownBy(ledger::requireCurrent)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("it is behind: migration V3 is not applied yet; run: ./reconflow migrate");

        assertThat(ledger.migrate()).isEqualTo(ledger.expectedVersion());
        ledger.requireCurrent();
    }

    @Test
    void anAppliedMigrationThatWasChangedStopsTheJob() throws Exception {
        createDatabase("changed_ledger");
        LedgerSchema ledger = schema("changed_ledger");
        ledger.migrate();
        sql("changed_ledger", "UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '2'");

        assertThatThrownBy(ledger::requireCurrent)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("migration V2 as applied to the database and as in this job are not the same")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("V1").doesNotContain("V3"));
    }

    @Test
    void aDatabaseMigratedByANewerJobStopsThisOne() throws Exception {
        createDatabase("newer_ledger");
        LedgerSchema ledger = schema("newer_ledger");
        ledger.migrate();
        sql("newer_ledger", "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', 'V99__from_the_future.sql',"
                + " 1, 'postgres', 1, true)");

        assertThatThrownBy(ledger::requireCurrent)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("migration V99 applied to the database but not part of this job (a newer reconflow migrated it)");
    }

    private static String url(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database + "?user=postgres&password=" + PASSWORD;
    }

    private static void createDatabase(String name) throws Exception {
        sql("postgres", "CREATE DATABASE " + name);
    }

    private static void sql(String database, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(url(database)); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void redactCutsEveryPasswordParameter() {
        assertThat(LedgerSchema.redact("jdbc:postgresql://db/recon?user=u&password=p1&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/recon?user=u&password=***&ssl=true");
        assertThat(LedgerSchema.redact("jdbc:postgresql://db/recon?PASSWORD=p1"))
                .isEqualTo("jdbc:postgresql://db/recon?PASSWORD=***");
        assertThat(LedgerSchema.redact("jdbc:postgresql://db/recon")).isEqualTo("jdbc:postgresql://db/recon");
    }
}
