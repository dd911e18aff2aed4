package io.reconflow.job;

import io.reconflow.sim.ScenarioSettings;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

/** The counterparty source is bounded: a backfill over two dates runs in BATCH mode as in STREAMING. */
class BatchModeFetchEndToEndTest extends MiniClusterTestBase {

    @TempDir
    Path tmp;

    @Test
    void aTwoDateBackfillInBatchModeEndsEveryKeyAsTheTruthSays() throws Exception {
        ScenarioSettings settings = new ScenarioSettings(31L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
                40, 10, 10, 5, 5, 4, 3, 4, 1, 7);
        FeedRun run = FeedRun.run(ENERGY, List.of("business_dates=[2026-11-19, 2026-11-20]"), settings, tmp,
                TOKEN_ENV, token(), config -> {
                    StreamExecutionEnvironment env = environment(config);
                    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
                    return env;
                });
        run.checkEverything();
    }
}
