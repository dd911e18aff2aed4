package io.reconflow.job;

import io.reconflow.operators.dedup.DeduplicateRecords;
import io.reconflow.sim.ScenarioSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backfill: the energy reconciliation over two business dates in one bounded run, against a
 * counterparty with transient faults, checked against the truth as {@link FeedRun} checks every
 * feed (every key, break, reject, count, type and batch, read back through DuckDB), with one
 * output partition and one batch per date.
 */
class EnergyReconciliationEndToEndTest extends MiniClusterTestBase {

    @TempDir
    Path tmp;

    @Test
    void aBackfillOverTwoDatesEndsEveryKeyOnceAsTheTruthSays() throws Exception {
        ScenarioSettings settings = new ScenarioSettings(11L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                60, 20, 24, 10, 10, 12, 8, 8, 2, 13).withPasses(4, 2);
        FeedRun run = FeedRun.run(ENERGY, List.of("business_dates=[2026-11-19, 2026-11-20]"), settings, tmp,
                TOKEN_ENV, token(), MiniClusterTestBase::environment);
        assertThat(run.config.businessDates()).hasSize(2);
        assertThat(run.scenario.batches()).hasSize(2);

        assertThat(run.truth.statusCounts()).as("the scenario exercises every outcome on both dates")
                .allSatisfy((status, keys) -> assertThat(keys).as("%s", status).isGreaterThanOrEqualTo(2));
        run.checkEverything();

        assertThat(((Number) run.result.getAccumulatorResult(DeduplicateRecords.DUPLICATES_ACCUMULATOR)).longValue())
                .as("exact duplicates across pages were dropped and counted").isEqualTo(run.truth.totals().exactDuplicatesDropped())
                .isPositive();
        try (Stream<Path> files = Files.walk(run.out)) {
            assertThat(files.filter(Files::isRegularFile).map(f -> run.out.relativize(f).getParent().toString()).distinct())
                    .containsExactlyInAnyOrder(
                            "results/recon=energy-confirmations/business_date=2026-11-19",
                            "results/recon=energy-confirmations/business_date=2026-11-20",
                            "rejects/recon=energy-confirmations/business_date=2026-11-19",
                            "rejects/recon=energy-confirmations/business_date=2026-11-20",
                            "batches/recon=energy-confirmations/business_date=2026-11-19",
                            "batches/recon=energy-confirmations/business_date=2026-11-20");
        }
    }
}
