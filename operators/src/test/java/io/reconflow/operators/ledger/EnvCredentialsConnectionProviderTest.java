package io.reconflow.operators.ledger;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvCredentialsConnectionProviderTest {
    @Test
    void aDatabaseThatIsAwayIsWaitedForButOneThatRefusesUsIsNot() {
        assertThat(EnvCredentialsConnectionProvider.unreachable(new SQLException("refused", "08001"))).isTrue();
        assertThat(EnvCredentialsConnectionProvider.unreachable(new SQLException("starting up", "57P03"))).isTrue();
        assertThat(EnvCredentialsConnectionProvider.unreachable(new SQLException("too many clients", "53300"))).isTrue();
        assertThat(EnvCredentialsConnectionProvider.unreachable(new SQLException("no state"))).isTrue();
        assertThat(EnvCredentialsConnectionProvider.unreachable(new SQLException("password", "28P01"))).isFalse();
        assertThat(EnvCredentialsConnectionProvider.unreachable(new SQLException("no such database", "3D000"))).isFalse();
    }

    @Test
    void connectingToNothingGivesUpAfterThePatienceNamingItButNotTheUrlParameters() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        EnvCredentialsConnectionProvider p = new EnvCredentialsConnectionProvider(
                "jdbc:postgresql://127.0.0.1:" + port + "/recon?password=hunter2", "NO_SUCH_USER_ENV", "NO_SUCH_PASSWORD_ENV",
                Duration.ofMillis(300));

        assertThatThrownBy(p::reestablishConnection)
                .isInstanceOf(SQLException.class)
                .hasMessage("the ledger database jdbc:postgresql://127.0.0.1:" + port + "/recon could not be reached for PT0.3S")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));

        p.stopWaiting();
        assertThatThrownBy(p::getOrEstablishConnection).hasMessageEndingWith("(writer closing, not waiting)");
        p.closeConnection();
    }
}
