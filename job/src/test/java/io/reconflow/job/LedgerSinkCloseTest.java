package io.reconflow.job;

import io.reconflow.events.BatchOutcome;
import io.reconflow.events.BatchStatus;
import io.reconflow.operators.ledger.LedgerSinks;
import io.reconflow.testkit.RestartablePostgres;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A ledger sink whose database goes away under it, driven by Flink's operator test harness: a
 * failed flush is retried on a new connection once the database is back, and closing the writer
 * after a failure (when the connector holds no prepared statement) neither waits nor throws, as
 * Flink's failure handler needs.
 */
class LedgerSinkCloseTest {
    @TempDir
    Path tmp;

    private RestartablePostgres postgres;

    @BeforeEach
    void database() throws Exception {
        postgres = new RestartablePostgres(tmp.resolve("pgdata"));
        new LedgerSchema(ReconConfig.load(Path.of("../conf/recon/energy-confirmations.yaml"),
                List.of("ledger.jdbc_url=" + postgres.url())).ledger()).migrate();
    }

    @AfterEach
    void stop() throws Exception {
        postgres.close();
    }

    /** Rows are written on checkpoints only (no interval flush, large batches), one retry, 1 s of patience. */
    private OneInputStreamOperatorTestHarness<BatchOutcome, ?> harness() throws Exception {
        LedgerSinks sinks = new LedgerSinks(postgres.url(), "RECONFLOW_TEST_NO_USER", "RECONFLOW_TEST_NO_PASSWORD",
                100, 0, 1, Duration.ofSeconds(1));
        OneInputStreamOperatorTestHarness<BatchOutcome, ?> h = new OneInputStreamOperatorTestHarness<>(
                new SinkWriterOperatorFactory<>(sinks.batches()), new AvroSerializer<>(BatchOutcome.class));
        h.open();
        return h;
    }

    private static BatchOutcome batch(String id) {
        return BatchOutcome.newBuilder().setRecon("ledger-close").setFeed("energy").setCounterparty("acme")
                .setBusinessDate("2026-11-20").setBatchId(id).setStatus(BatchStatus.COMPLETE).setExpectedCount(1L)
                .setActualCount(1L).setValidRecords(1L).setRejectedRecords(0L).setMessage("ok").build();
    }

    private List<String> batchIds() throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(postgres.url());
             ResultSet rs = c.createStatement().executeQuery("SELECT batch_id FROM recon_batch ORDER BY batch_id")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    @Test
    void aBatchThatFailedOnALostConnectionIsWrittenByTheNextFlushOnceTheDatabaseIsBack() throws Exception {
        try (OneInputStreamOperatorTestHarness<BatchOutcome, ?> h = harness()) {
            h.processElement(batch("b1"), 1);
            h.prepareSnapshotPreBarrier(1);
            h.processElement(batch("b2"), 2);
            postgres.stop();
            // Longer than the patience: the flush fails, and the connector is left without a statement.
            assertThatThrownBy(() -> h.prepareSnapshotPreBarrier(2)).hasStackTraceContaining("could not be reached");

            postgres.start();
            h.prepareSnapshotPreBarrier(3);
            assertThat(batchIds()).containsExactly("b1", "b2");
        }
    }

    @Test
    void closingAfterAFailedFlushNeitherThrowsNorLosesTheCheckpointedRows() throws Exception {
        OneInputStreamOperatorTestHarness<BatchOutcome, ?> h = harness();
        h.processElement(batch("b1"), 1);
        h.prepareSnapshotPreBarrier(1);
        h.processElement(batch("b2"), 2);
        postgres.stop();
        assertThatThrownBy(() -> h.prepareSnapshotPreBarrier(2)).hasStackTraceContaining("could not be reached");

        // What Flink's failure handler does next; an exception here would kill the TaskManager.
        assertThatCode(h::close).doesNotThrowAnyException();
        postgres.start();
        assertThat(batchIds()).containsExactly("b1");
    }

    @Test
    void closingAWriterThatNeverWroteIsSafeWhileTheDatabaseIsDown() throws Exception {
        OneInputStreamOperatorTestHarness<BatchOutcome, ?> h = harness();
        h.processElement(batch("b1"), 1);
        postgres.stop();
        assertThatCode(h::close).doesNotThrowAnyException();
        postgres.start();
        assertThat(batchIds()).isEmpty();
    }
}
