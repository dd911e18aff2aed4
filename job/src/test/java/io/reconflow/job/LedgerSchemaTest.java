package io.reconflow.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code reconflow migrate} and the job's start-up check against a real PostgreSQL: a database
 * that is not there is one line naming {@code ledger.jdbc_url}, without the password.
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
        String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database
                + "?user=postgres&password=" + PASSWORD;
        return new LedgerSchema(ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=" + url)).ledger());
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
    void redactCutsEveryPasswordParameter() {
        assertThat(LedgerSchema.redact("jdbc:postgresql://db/recon?user=u&password=p1&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/recon?user=u&password=***&ssl=true");
        assertThat(LedgerSchema.redact("jdbc:postgresql://db/recon?PASSWORD=p1"))
                .isEqualTo("jdbc:postgresql://db/recon?PASSWORD=***");
        assertThat(LedgerSchema.redact("jdbc:postgresql://db/recon")).isEqualTo("jdbc:postgresql://db/recon");
    }
}
