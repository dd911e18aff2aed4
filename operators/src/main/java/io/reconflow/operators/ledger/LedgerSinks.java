package io.reconflow.operators.ledger;

import io.reconflow.events.BatchOutcome;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.FeedSpec;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.io.Serializable;
import java.time.Duration;

/**
 * The exceptions ledger's sinks: Flink's JDBC Sink V2 with <b>at-least-once</b> delivery (a batch
 * is flushed on every checkpoint). That is enough because every statement is an idempotent upsert
 * ({@link LedgerStatements}): a batch written twice after a restart leaves the same rows.
 *
 * <p>A database outage up to {@code outagePatience} is ridden out: a failed batch is retried on a
 * re-established connection, which keeps trying with backoff ({@link EnvCredentialsConnectionProvider});
 * a longer one fails the job, which restarts from its last checkpoint. A checkpoint waits for the
 * batch, at most about {@code (maxRetries + 1) × outagePatience}.
 *
 * @param url the JDBC URL (from the configuration)
 * @param userEnv environment variable holding the user name
 * @param passwordEnv environment variable holding the password
 * @param maxRetries retries of a failed batch (the connector waits 1 s × retry before each)
 * @param outagePatience how long one (re-)connection keeps trying before the batch fails and the job
 *     restarts from its last checkpoint
 */
public record LedgerSinks(String url, String userEnv, String passwordEnv, int batchSize, long batchIntervalMs,
                          int maxRetries, Duration outagePatience) implements Serializable {

    /** Every result row: opens, refreshes, reopens or resolves the key's exception. */
    public LedgerSink<GenericRecord> outcomes(FeedSpec feed) {
        return build(LedgerStatements.RECORD_OUTCOME, LedgerStatements.outcome(feed));
    }

    public LedgerSink<Reject> rejects() {
        return build(LedgerStatements.INSERT_REJECT, LedgerStatements.reject());
    }

    public LedgerSink<BatchOutcome> batches() {
        return build(LedgerStatements.UPSERT_BATCH, LedgerStatements.batch());
    }

    private <T> LedgerSink<T> build(String sql, JdbcStatementBuilder<T> binder) {
        EnvCredentialsConnectionProvider connections = new EnvCredentialsConnectionProvider(url, userEnv, passwordEnv, outagePatience);
        JdbcSink<T> jdbc = JdbcSink.<T>builder()
                .withQueryStatement(sql, LedgerStatements.requiringStatement(binder))
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(batchIntervalMs)
                        .withMaxRetries(maxRetries)
                        .build())
                .buildAtLeastOnce(connections);
        return new LedgerSink<>(jdbc, connections);
    }
}
