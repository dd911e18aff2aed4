package io.reconflow.job;

import io.reconflow.job.cluster.Deadline;
import io.reconflow.job.cluster.FlinkRest;
import io.reconflow.job.cluster.SessionCluster;
import io.reconflow.job.cluster.StandaloneCluster;
import io.reconflow.sim.Faults;
import io.reconflow.sim.ScenarioSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar on a real standalone Flink 2.3.0 session cluster (a JobManager and a TaskManager
 * process), submitted as users submit it: with {@code flink run} and through the REST API. The
 * counterparty token is only in the TaskManager's environment. Each run's output, read through
 * DuckDB, is checked against the generated truth as the MiniCluster end-to-end tests check it,
 * and a job submitted with the CLI runs under the cluster's restart strategy, state backend and
 * checkpoint folder.
 */
class ClusterSubmissionIT {
    static final String TOKEN_ENV = "RECONFLOW_CLUSTER_TOKEN";
    static final String TOKEN = "cluster-" + UUID.randomUUID();
    static final Path ENERGY = StandaloneCluster.projectFile("conf/recon/energy-confirmations.yaml");
    static final Path JAR = Path.of(System.getProperty("reconflow.job.jar", "target/reconflow-job-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);
    static final Faults FAULTS = Faults.builder().seed(5).unavailable(0.1).truncated(0.03).reset(0.03).build();
    static final ScenarioSettings SETTINGS = new ScenarioSettings(31L, List.of(LocalDate.parse("2026-11-20")), List.of("-"),
            40, 12, 12, 6, 6, 6, 4, 4, 2, 10).withPasses(3, 1);

    @RegisterExtension
    static final SessionCluster SESSION = new SessionCluster("submission", 1, Map.of(TOKEN_ENV, TOKEN), null);

    @TempDir
    Path tmp;

    @Test
    void flinkRunSubmitsTheShadedJarAndItsOutputIsTheTruth() throws Exception {
        FeedRun run = FeedRun.run(ENERGY, List.of(), SETTINGS, FAULTS, tmp, TOKEN_ENV, TOKEN, (config, sim, scenario) -> {
            List<String> overrides = FeedRun.overrides(List.of(), tmp, sim, TOKEN_ENV);
            List<String> args = new ArrayList<>(List.of("run", "-d", JAR.toString()));
            args.addAll(programArgs(overrides));
            StandaloneCluster.CliResult cli = SESSION.cluster().cli(args.toArray(String[]::new));
            assertThat(cli.exitCode()).as("flink run:\n%s", cli.output()).isZero();
            Matcher id = Pattern.compile("JobID ([0-9a-f]{32})").matcher(cli.output());
            assertThat(id.find()).as("flink run names the job:\n%s", cli.output()).isTrue();
            String job = id.group(1);
            var result = SESSION.rest().awaitResult(job, JOB_TIMEOUT);
            // The cluster's configuration rules, not the embedded runs' local settings.
            assertThat(SESSION.rest().get("/jobs/" + job + "/config").path("execution-config").path("restart-strategy").asText())
                    .as("the cluster's restart strategy").containsIgnoringCase("exponential delay");
            assertThat(SESSION.rest().checkpoints(job).path("counts").path("completed").asInt()).isPositive();
            assertThat(SESSION.cluster().dir().resolve("checkpoints").resolve(job)).as("checkpoints under the cluster's execution.checkpointing.dir")
                    .isDirectory();
            assertThat(SESSION.rest().get("/jobs/" + job + "/checkpoints/config").path("state_backend").asText()).isEqualTo("EmbeddedRocksDBStateBackend");
            // conf/config.yaml's RocksDB options factory, a class of the job jar, is loaded by the TaskManager.
            assertThat(taskManagerLogs()).as("TaskManager logs").anySatisfy(log -> assertThat(Files.readString(log))
                    .contains("Using configured options factory: " + RocksDbLevelZeroOptions.class.getName()));
            return result;
        });
        run.checkEverything();
    }

    @Test
    void restUploadAndRunSubmitTheShadedJarAndItsOutputIsTheTruth() throws Exception {
        String jar = SESSION.rest().uploadJar(JAR);
        FeedRun run = FeedRun.run(ENERGY, List.of(), SETTINGS, FAULTS, tmp, TOKEN_ENV, TOKEN, (config, sim, scenario) -> {
            List<String> overrides = FeedRun.overrides(List.of(), tmp, sim, TOKEN_ENV);
            FlinkRest.Response submitted = SESSION.rest().runJar(jar, programArgs(overrides), null);
            assertThat(submitted.ok()).as("POST /jars/:id/run answered %s", submitted).isTrue();
            return SESSION.rest().awaitResult(submitted.body().path("jobid").asText(), JOB_TIMEOUT);
        });
        run.checkEverything();
    }

    @Test
    void aBadConfigurationThroughRestIsAnErrorAndTheClusterAndTheJobBesideItLiveOn() throws Exception {
        String jar = SESSION.rest().uploadJar(JAR);
        long jobManagerPid = SESSION.cluster().jobManager().pid();
        // A job that fetches for a while (4 pages a second), running when the bad submission comes.
        List<String> slow = List.of("fetch.rate_limit.requests_per_second=4", "fetch.rate_limit.burst=1");
        FeedRun run = FeedRun.run(ENERGY, slow, SETTINGS.withPageSize(3), Faults.none(), tmp, TOKEN_ENV, TOKEN, (config, sim, scenario) -> {
            List<String> overrides = FeedRun.overrides(slow, tmp, sim, TOKEN_ENV);
            FlinkRest.Response submitted = SESSION.rest().runJar(jar, programArgs(overrides), null);
            assertThat(submitted.ok()).as("POST /jars/:id/run answered %s", submitted).isTrue();
            String beside = submitted.body().path("jobid").asText();
            Deadline.of(JOB_TIMEOUT).await("the first page requests", () -> sim.counters().totalRequests() > 2);

            int jobs = SESSION.rest().get("/jobs/overview").path("jobs").size();
            List<String> bad = new ArrayList<>(programArgs(overrides));
            bad.addAll(List.of("--set", "fetch.capacity=0"));
            FlinkRest.Response refused = SESSION.rest().runJar(jar, bad, null);
            assertThat(refused.status()).as("answer to a bad configuration: %s", refused).isBetween(400, 599);
            assertThat(refused.body().path("errors").toString()).contains("fetch.capacity");

            assertThat(SESSION.cluster().jobManager().isAlive()).as("the JobManager process").isTrue();
            assertThat(SESSION.cluster().jobManager().pid()).isEqualTo(jobManagerPid);
            assertThat(SESSION.rest().get("/overview").path("taskmanagers").asInt()).isEqualTo(1);
            assertThat(SESSION.rest().jobState(beside)).isEqualTo("RUNNING");
            assertThat(SESSION.rest().get("/jobs/overview").path("jobs").size()).as("jobs after the bad submission").isEqualTo(jobs);
            return SESSION.rest().awaitResult(beside, JOB_TIMEOUT);
        });
        run.checkEverything();
    }

    /** {@code run --config <yaml> --set k=v ...}: the job's own arguments. */
    static List<String> programArgs(List<String> overrides) {
        List<String> args = new ArrayList<>(List.of("run", "--config", ENERGY.toString()));
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        return args;
    }

    private static List<Path> taskManagerLogs() throws java.io.IOException {
        try (var files = Files.list(SESSION.cluster().dir().resolve("log"))) {
            return files.filter(f -> f.getFileName().toString().matches("taskmanager-.*\\.log")).toList();
        }
    }
}
