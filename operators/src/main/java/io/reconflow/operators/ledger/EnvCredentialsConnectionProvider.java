package io.reconflow.operators.ledger;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Connects with credentials read from environment variables on the task manager when the first
 * connection is made, so that they are never part of the job graph, a log line or the web UI.
 *
 * <p>It also rides out database outages. The connector re-establishes the connection when a batch
 * fails on a broken one, and gives the batch up at once if that fails; so (re-)connecting here
 * keeps trying, with exponential backoff, for up to {@code patience} before it gives up. Once the
 * writer is closing nothing waits: what it has not written is replayed from the last checkpoint.
 */
public class EnvCredentialsConnectionProvider implements JdbcConnectionProvider {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EnvCredentialsConnectionProvider.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final String url;
    private final String userEnv;
    private final String passwordEnv;
    private final Duration patience;
    private transient SimpleJdbcConnectionProvider delegate;
    private transient volatile boolean closing;

    public EnvCredentialsConnectionProvider(String url, String userEnv, String passwordEnv, Duration patience) {
        this.url = url;
        this.userEnv = userEnv;
        this.passwordEnv = passwordEnv;
        this.patience = patience;
    }

    private synchronized SimpleJdbcConnectionProvider delegate() {
        if (delegate == null) {
            // A statement or a connect that hangs (a lost network rather than a stopped server) counts as an outage too.
            String timeout = Long.toString(Math.max(1, patience.toSeconds()));
            JdbcConnectionOptions.JdbcConnectionOptionsBuilder options = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                    .withUrl(url)
                    .withDriverName("org.postgresql.Driver")
                    .withConnectionCheckTimeoutSeconds(10)
                    .withProperty("connectTimeout", Long.toString(Math.min(10, Math.max(1, patience.toSeconds()))))
                    .withProperty("socketTimeout", timeout);
            String user = System.getenv(userEnv);
            String password = System.getenv(passwordEnv);
            if (user != null && !user.isEmpty()) {
                options.withUsername(user);
            }
            if (password != null && !password.isEmpty()) {
                options.withPassword(password);
            }
            delegate = new SimpleJdbcConnectionProvider(options.build());
        }
        return delegate;
    }

    /** From now on a (re-)connection is tried once, without waiting: the writer is closing. */
    public void stopWaiting() {
        closing = true;
    }

    @Override
    public Connection getConnection() {
        return delegate().getConnection();
    }

    @Override
    public boolean isConnectionValid() throws SQLException {
        return delegate().isConnectionValid();
    }

    @Override
    public Connection getOrEstablishConnection() throws SQLException, ClassNotFoundException {
        return patiently(() -> delegate().getOrEstablishConnection());
    }

    @Override
    public void closeConnection() {
        SimpleJdbcConnectionProvider d;
        synchronized (this) {
            d = delegate;
        }
        if (d != null) {
            d.closeConnection();
        }
    }

    @Override
    public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
        closeConnection();
        return getOrEstablishConnection();
    }

    private interface Connect {
        Connection get() throws SQLException, ClassNotFoundException;
    }

    private Connection patiently(Connect connect) throws SQLException, ClassNotFoundException {
        RetryPolicy<Connection> retry = RetryPolicy.<Connection>builder()
                .handleIf(e -> e instanceof SQLException s && unreachable(s))
                .withBackoff(FIRST_BACKOFF, MAX_BACKOFF)
                .withMaxRetries(-1)
                .withMaxDuration(patience)
                .abortIf((c, e) -> closing)
                .onRetry(e -> LOG.warn("The ledger database {} cannot be reached ({}); trying again for up to {} since the first attempt",
                        where(), e.getLastException().getMessage(), patience))
                .build();
        try {
            return Failsafe.with(retry).get(connect::get);
        } catch (FailsafeException e) {
            if (e.getCause() instanceof SQLException s) {
                if (!unreachable(s)) {
                    throw s;
                }
                throw new SQLException("the ledger database " + where() + " could not be reached for " + patience
                        + (closing ? " (writer closing, not waiting)" : ""), s.getSQLState(), s);
            }
            if (e.getCause() instanceof ClassNotFoundException c) {
                throw c;
            }
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while waiting for the ledger database " + where(), "08001", e.getCause());
            }
            throw e;
        }
    }

    /**
     * Whether the database is away rather than refusing us: a connection failure (SQLSTATE class
     * 08), a server shutting down or starting up (57P01-57P03), or out of resources such as
     * connection slots (class 53). A wrong password or database name fails at once.
     */
    static boolean unreachable(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53");
    }

    /** The URL without its parameters, which may hold a password. */
    private String where() {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    @Override
    public String toString() {
        return "JDBC " + url + " (credentials from $" + userEnv + ", $" + passwordEnv + ")";
    }
}
