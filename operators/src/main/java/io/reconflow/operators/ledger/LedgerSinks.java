package io.reconflow.operators.ledger;

import io.reconflow.events.BatchOutcome;
import io.reconflow.events.Reject;
import io.reconflow.operators.feed.FeedSpec;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.io.Serializable;

/**
 * The exceptions ledger's sinks: Flink's JDBC Sink V2 with <b>at-least-once</b> delivery (a batch
 * is flushed on every checkpoint). That is enough because every statement is an idempotent upsert
 * ({@link LedgerStatements}): a batch written twice after a restart leaves the same rows.
 *
 * @param url the JDBC URL (from the configuration)
 * @param userEnv environment variable holding the user name
 * @param passwordEnv environment variable holding the password
 */
public record LedgerSinks(String url, String userEnv, String passwordEnv, int batchSize, long batchIntervalMs,
                          int maxRetries) implements Serializable {

    /** Every result row: opens, refreshes, reopens or resolves the key's exception. */
    public Sink<GenericRecord> outcomes(FeedSpec feed) {
        return build("ledger-exceptions", LedgerStatements.RECORD_OUTCOME, LedgerStatements.outcome(feed));
    }

    public Sink<Reject> rejects() {
        return build("ledger-rejects", LedgerStatements.INSERT_REJECT, LedgerStatements.reject());
    }

    public Sink<BatchOutcome> batches() {
        return build("ledger-batches", LedgerStatements.UPSERT_BATCH, LedgerStatements.batch());
    }

    private <T> Sink<T> build(String name, String sql, JdbcStatementBuilder<T> binder) {
        return new QuietCloseSink<>(name, JdbcSink.<T>builder()
                .withQueryStatement(sql, binder)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(batchIntervalMs)
                        .withMaxRetries(maxRetries)
                        .build())
                .buildAtLeastOnce(new EnvCredentialsConnectionProvider(url, userEnv, passwordEnv)));
    }
}
