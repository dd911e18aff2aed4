package io.reconflow.operators.ledger;

import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * After re-preparing its statement on a lost connection failed, the connector calls the binder
 * without a statement. That must be an SQLException, which the connector retries on a new
 * connection, and not a NullPointerException, which escapes its retry loop and its close().
 */
class LedgerStatementLifecycleTest {
    @Test
    void bindingWithoutAStatementIsARetryableSqlException() {
        List<String> bound = new ArrayList<>();
        JdbcStatementBuilder<String> binder = LedgerStatements.requiringStatement((ps, row) -> bound.add(row));

        assertThatThrownBy(() -> binder.accept(null, "row"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("connection was lost")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
        assertThat(bound).isEmpty();
    }

    @Test
    void withAStatementTheBinderBindsAsBefore() throws Exception {
        List<String> bound = new ArrayList<>();
        JdbcStatementBuilder<String> binder = LedgerStatements.requiringStatement((ps, row) -> bound.add(row));
        PreparedStatement ps = (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> null);

        binder.accept(ps, "row");

        assertThat(bound).containsExactly("row");
    }
}
