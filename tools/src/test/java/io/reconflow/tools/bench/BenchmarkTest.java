package io.reconflow.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The benchmark at a tiny size, only to show that it runs and reports: every figure is in its
 * JSON, and the job (in a JVM of its own, as with --job-heap) and the baseline decided the same day
 * the same way. No timing is asserted.
 */
class BenchmarkTest {

    @TempDir
    Path out;

    @Test
    void aTinyRunReportsEveryFigureAndTheJobAgreesWithTheBaseline() throws Exception {
        // Three blocks of 200: the day is generated and served as the large days are, block by block from files.
        Benchmark.Options o = new Benchmark.Options("energy-confirmations", 600, 1, 50, "1s", 40, 1, 5, 8, true, out,
                "RECONFLOW_TEST_TOKEN", "", Path.of("../conf/recon"), "512m", 200, true);

        Path file = Benchmark.run(o);

        assertThat(file.getFileName().toString()).startsWith("bench-").endsWith(".json");
        JsonNode figures = new ObjectMapper().readTree(file.toFile());
        assertThat(figures.get("job_heap").asText()).isEqualTo("-Xmx512m");
        JsonNode fetch = figures.get("fetch");
        for (String f : new String[] {"job_pages_per_second", "littles_law_bound", "job_share_of_bound",
                "job_first_run_pages_per_second", "job_first_run_share_of_bound",
                "client_alone_pages_per_second", "jdk_client_alone_pages_per_second"}) {
            assertThat(fetch.get(f)).as(f).isNotNull();
            assertThat(fetch.get(f).asDouble()).as(f).isPositive();
        }
        assertThat(fetch.get("job_max_in_flight").asInt()).isBetween(1, 8);
        for (String f : new String[] {"fetch_stage_pages_per_second", "fetch_stage_records_per_second"}) {
            assertThat(fetch.get(f).asDouble()).as(f).isPositive();
        }
        // Every record of the 40 one-record pages reached the stage's sink.
        assertThat(fetch.get("fetch_stage_records").asLong()).isEqualTo(40);
        assertThat(fetch.get("fetch_stage_failed_pages").asLong()).isZero();
        if (fetch.has("seed_asyncio_skipped")) {
            assertThat(fetch.get("seed_asyncio_skipped").asText()).contains("python3");
        } else {
            assertThat(fetch.get("seed_asyncio_pages_per_second").asDouble()).isPositive();
            assertThat(fetch.get("seed_asyncio_failed_pages").asInt()).isZero();
            assertThat(fetch.get("fetch_stage_over_seed_asyncio").asDouble()).isPositive();
        }
        JsonNode e2e = figures.get("end_to_end");
        for (String f : new String[] {"records_in", "job_ms", "records_per_second", "peak_heap_mib", "baseline_ms",
                "job_over_baseline", "result_rows"}) {
            assertThat(e2e.get(f)).as(f).isNotNull();
            assertThat(e2e.get(f).asDouble()).as(f).isPositive();
        }
        assertThat(e2e.get("peak_heap_after_gc_mib").isNumber()).isTrue();
        // Both in JVMs of their own, each measured on its second run there.
        assertThat(e2e.get("baseline_jvm").asText()).isEqualTo("own");
        // Each in a JVM of its own, so each has a CPU time of its own.
        assertThat(e2e.get("job_cpu_ms").asLong()).isPositive();
        assertThat(e2e.get("baseline_cpu_ms").asLong()).isPositive();
        assertThat(e2e.get("job_over_baseline_cpu").asDouble()).isPositive();
        assertThat(e2e.get("warm").asBoolean()).isTrue();
        assertThat(e2e.get("max_checkpoint_ms").isNumber()).isTrue();
        assertThat(e2e.get("checkpoints").isArray()).isTrue();
        for (JsonNode c : e2e.get("checkpoints")) {
            assertThat(c.get("duration_ms").asLong()).isNotNegative();
            assertThat(c.get("status").asText()).isIn("COMPLETED", "FAILED");
        }

        // Same day, same simulator: the job and the baseline must agree row for row.
        assertThat(e2e.get("result_rows").asLong()).isEqualTo(e2e.get("baseline_result_rows").asLong());
        assertThat(e2e.get("rejects").asLong()).isEqualTo(e2e.get("baseline_rejects").asLong()).isPositive();
        assertThat(e2e.get("results_by_status")).isEqualTo(e2e.get("baseline_results_by_status"));
        assertThat(e2e.get("results_by_status").size()).isGreaterThanOrEqualTo(4);
        // And both as the generator counted while it wrote the day.
        assertThat(e2e.get("generated_blocks").asInt()).isEqualTo(3);
        assertThat(e2e.get("counts_as_generated").asBoolean()).isTrue();
        assertThat(e2e.get("results_by_status")).isEqualTo(e2e.get("expected_results_by_status"));
        assertThat(e2e.get("result_rows").asLong()).isEqualTo(e2e.get("expected_result_rows").asLong());
        assertThat(e2e.get("rejects").asLong()).isEqualTo(e2e.get("expected_rejects").asLong());
        // The day's one batch, made in three blocks, adds up to its manifest.
        assertThat(e2e.get("batches_by_status").toString()).isEqualTo("{\"COMPLETE\":1}");
        assertThat(e2e.get("batch_records").asLong()).isEqualTo(e2e.get("batch_expected_records").asLong()).isPositive();
    }

    @Test
    void theFlagsKeepTheirDefaultsAndNamesAndAFlagWithoutValueIsAClearError() {
        assertThat(Benchmark.parse(new String[0]).options()).isEqualTo(Benchmark.Options.defaults());
        Benchmark.Options o = Benchmark.parse(new String[] {"--records", "1000000", "--parallelism", "2", "--job-heap", "1g",
                "--only", "fetch", "--latency-ms", "50", "--fetch-page-size", "1", "--no-baseline", "--out", "x",
                "--checkpoint-interval", "2s", "--fetch-pages", "7", "--page-size", "9", "--capacity", "3", "--feed", "f",
                "--block-records", "5000", "--warm"}).options();
        assertThat(o).isEqualTo(new Benchmark.Options("f", 1_000_000, 2, 9, "2s", 7, 1, 50, 3, false, Path.of("x"),
                Benchmark.TOKEN_ENV, "fetch", Benchmark.Options.defaults().confDir(), "1g", 5000, true));
        assertThatThrownBy(() -> Benchmark.parse(new String[] {"--records", "10", "--latency-ms"}))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Missing required parameter for option '--latency-ms'");
        assertThatThrownBy(() -> Benchmark.parse(new String[] {"--records", "many"}))
                .isExactlyInstanceOf(IllegalArgumentException.class).hasMessageContaining("'many' is not an int");
    }
}
