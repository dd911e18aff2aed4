package io.reconflow.operators.ledger;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Connects with credentials read from environment variables on the task manager when the first
 * connection is made, so that they are never part of the job graph, a log line or the web UI.
 */
public class EnvCredentialsConnectionProvider implements JdbcConnectionProvider {
    private static final long serialVersionUID = 1L;

    private final String url;
    private final String userEnv;
    private final String passwordEnv;
    private transient SimpleJdbcConnectionProvider delegate;

    public EnvCredentialsConnectionProvider(String url, String userEnv, String passwordEnv) {
        this.url = url;
        this.userEnv = userEnv;
        this.passwordEnv = passwordEnv;
    }

    private SimpleJdbcConnectionProvider delegate() {
        if (delegate == null) {
            JdbcConnectionOptions.JdbcConnectionOptionsBuilder options = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                    .withUrl(url)
                    .withDriverName("org.postgresql.Driver")
                    .withConnectionCheckTimeoutSeconds(10);
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
        return delegate().getOrEstablishConnection();
    }

    @Override
    public void closeConnection() {
        if (delegate != null) {
            delegate.closeConnection();
        }
    }

    @Override
    public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
        return delegate().reestablishConnection();
    }

    @Override
    public String toString() {
        return "JDBC " + url + " (credentials from $" + userEnv + ", $" + passwordEnv + ")";
    }
}
