package io.reconflow.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import io.reconflow.testkit.OutputQuery;
import io.reconflow.testkit.RestartablePostgres;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.reconflow.job.LedgerEndToEndTest.exceptions;
import static io.reconflow.job.LedgerEndToEndTest.expectedExceptions;
import static io.reconflow.job.LedgerDatabase.migrate;
import static io.reconflow.job.LedgerEndToEndTest.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ledger's PostgreSQL really stopped (fast shutdown: the job's connections are cut) during the
 * fetch or just after it, and started again on the same data and port. An outage within
 * {@code ledger.outage_patience} is ridden out without a restart; a longer one fails the job into
 * a restart from its last checkpoint, which completes. Either way the Parquet output and the
 * ledger end exactly as the truth says.
 */
class LedgerOutageEndToEndTest extends MiniClusterTestBase {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final LocalDate DATE = LocalDate.parse("2026-11-20");
    /** Every page takes this long, one at a time: the fetch lasts a few seconds. */
    private static final Duration PAGE_DELAY = Duration.ofMillis(300);
    /** How long the last page is held back "after the fetch": long enough for PostgreSQL to stop first. */
    private static final Duration LAST_PAGE_HELD = Duration.ofMillis(1500);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} s {1}, patience {2}")
    @CsvSource({
            "2, DURING_FETCH, 60s, false",
            "2, AFTER_FETCH, 60s, false",
            "10, DURING_FETCH, 60s, false",
            "10, AFTER_FETCH, 60s, false",
            // Beyond the patience: the job fails and restarts from its last checkpoint until the database is back.
            "60, DURING_FETCH, 8s, true",
            "60, AFTER_FETCH, 8s, true"})
    void anOutageLosesAndDuplicatesNothing(int seconds, When when, String patience, boolean restarts) throws Exception {
        try (RestartablePostgres postgres = new RestartablePostgres(tmp.resolve("pgdata"))) {
            String url = postgres.url();
            migrate(url);
            String recon = "ledger-outage";
            ReconConfig base = ReconConfig.load(ENERGY, List.of());
            String counterparty = base.counterparties().get(0).name();
            Scenario scenario = ScenarioGenerator.generate(base.feed(), base.matching(),
                    new ScenarioSettings(31L, List.of(DATE), List.of(counterparty), 60, 20, 24, 10, 10, 8, 5, 5, 2, 8));
            int pages = scenario.batches().get(0).manifest().pageCount();
            assertThat(pages).isGreaterThan(6);
            String internalPath = tmp.resolve("internal/business_date={business_date}").toString();
            InternalFiles.write(scenario, base.feed(), internalPath, "csv");
            Path out = tmp.resolve("out");

            Faults slow = Faults.builder().slow(1.0, PAGE_DELAY).maxFaultsPerPath(1_000).build();
            ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor();
            JobExecutionResult result;
            JobID jobId;
            ReconConfig config;
            try (CounterpartySimulator sim = new CounterpartySimulator(scenario, counterparty, token(), slow, 0)) {
                config = ReconConfig.load(ENERGY, List.of(
                        "name=" + recon,
                        "business_dates=[" + DATE + "]",
                        "internal.path=" + internalPath,
                        "output.path=" + out,
                        "counterparties[0].base_url=" + sim.url(),
                        "counterparties[0].token_env=" + TOKEN_ENV,
                        "fetch.capacity=1",
                        "fetch.backoff_initial=10ms",
                        "fetch.backoff_max=100ms",
                        "ledger.jdbc_url=" + url,
                        "ledger.batch_interval=200ms",
                        "ledger.outage_patience=" + patience,
                        "job.checkpoint_interval=300ms"));
                StreamExecutionEnvironment env = environment(config, 30);
                ReconflowJob.plug(env, config);
                JobClient job = env.executeAsync("reconflow " + recon);
                jobId = job.getJobID();

                if (when == When.DURING_FETCH) {
                    await().atMost(Duration.ofMinutes(2)).until(() -> requested(sim, pages / 2));
                } else {
                    await().atMost(Duration.ofMinutes(2)).until(() -> requested(sim, pages - 1));
                    sim.faults(Faults.builder().slow(1.0, LAST_PAGE_HELD).maxFaultsPerPath(1_000).build());
                    await().atMost(Duration.ofMinutes(1)).until(() -> requested(sim, pages));
                    sim.faults(slow);
                }
                postgres.stop();
                ScheduledFuture<?> back = restarter.schedule(() -> {
                    postgres.start();
                    return null;
                }, seconds, TimeUnit.SECONDS);
                try {
                    result = job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
                    back.get();
                } finally {
                    restarter.shutdownNow();
                }
            }

            List<String> failures = failures(jobId);
            if (restarts) {
                assertThat(failures).as("the job failed over the outage and restarted").isNotEmpty()
                        .anySatisfy(f -> assertThat(f).contains("could not be reached for PT8S"));
            } else {
                assertThat(failures).as("the outage was ridden out without a restart").isEmpty();
            }
            FeedRun run = FeedRun.of(config, scenario, out, result);
            try (OutputQuery q = new OutputQuery(out.toString())) {
                run.checkRows(q);
                run.checkBreaks(q);
                run.checkRejects(q);
                run.checkTypes(q);
                run.checkBatches(q);
                if (!restarts) {
                    // Accumulators start again from zero on a restart: the duplicate count holds only without one.
                    run.checkAccounting(q);
                }
            }
            checkLedger(url, recon, run.truth);
            if (restarts) {
                // The attempts that failed leave their unfinished files behind, hidden ('.' first) from every reader.
                checkCommittedFiles(out, recon);
            } else {
                run.checkCommittedFiles();
            }
        }
    }

    enum When { DURING_FETCH, AFTER_FETCH }

    /** Whether the simulator has been asked for page {@code n} (its answer may still be on its way). */
    private static boolean requested(CounterpartySimulator sim, int n) {
        return sim.counters().requestsByPath().entrySet().stream()
                .anyMatch(e -> e.getKey().endsWith("/pages/" + n) && e.getValue() > 0);
    }

    /** Every file a reader sees is a committed part file; the others are hidden in-progress files. */
    private static void checkCommittedFiles(Path out, String recon) throws IOException {
        try (Stream<Path> files = Files.walk(out)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).anySatisfy(f -> assertThat(f.getFileName().toString()).startsWith("part-"));
            assertThat(all).allSatisfy(f -> {
                String name = f.getFileName().toString();
                assertThat(name).matches("part-.*\\.parquet|\\.part-.*\\.parquet\\.inprogress\\..*");
                assertThat(out.relativize(f).toString())
                        .matches("(results|rejects|batches)/recon=" + recon + "/business_date=\\d{4}-\\d{2}-\\d{2}/.*");
            });
        }
    }

    /** Exactly the truth's exceptions, each seen once, every reject once, the batch complete. */
    private static void checkLedger(String url, String recon, Truth truth) throws Exception {
        assertThat(exceptions(url, recon, "OPEN")).isEqualTo(expectedExceptions(truth));
        assertThat(rows(url, "SELECT count(*) AS n FROM recon_exception WHERE recon = ? AND (state <> 'OPEN' OR times_seen <> 1)", recon)
                .get(0).get("n")).isEqualTo(0L);
        Map<String, Long> expectedCodes = truth.rejects().stream()
                .collect(Collectors.groupingBy(r -> r.code().name(), Collectors.counting()));
        Map<String, Long> codes = rows(url, "SELECT error_code, count(*) AS n FROM recon_reject WHERE recon = ? GROUP BY error_code", recon)
                .stream().collect(Collectors.toMap(r -> (String) r.get("error_code"), r -> (Long) r.get("n")));
        assertThat(codes).isEqualTo(expectedCodes);
        assertThat(rows(url, "SELECT status, actual_count, valid_records, rejected_records FROM recon_batch WHERE recon = ?", recon))
                .singleElement().satisfies(b -> assertThat(b.get("status")).isEqualTo("COMPLETE"));
    }

    /** The job's failures (its exception history) as the MiniCluster's REST API reports them. */
    private static List<String> failures(JobID job) throws Exception {
        Configuration client = MINI_CLUSTER.getClientConfiguration();
        URI uri = URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT)
                + "/jobs/" + job + "/exceptions");
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode e : new ObjectMapper().readTree(response.body()).path("exceptionHistory").path("entries")) {
            out.add(e.path("stacktrace").asText());
        }
        return out;
    }
}
