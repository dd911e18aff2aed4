package io.reconflow.job.cluster;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster as the distribution's scripts start one, assembled from the
 * Maven Central jars the build lists ({@code flink-dist} is not published there): a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each
 * its own {@code java} process, with the JVM memory arguments and dynamic settings that the
 * scripts get from {@code BashJavaUtils}, computed here with the same utilities. The configuration
 * is the project's {@code conf/config.yaml} with ports, folders and sizes for a test. Every process
 * is stopped by its handle in {@link #close()}, or by a shutdown hook if the tests never get there.
 */
public final class StandaloneCluster implements AutoCloseable {
    private static final String JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final String CLI = "org.apache.flink.client.cli.CliFrontend";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Path dir;
    private final Path confDir;
    private final Configuration config;
    private final String classpath;
    private final Map<String, String> taskManagerEnv;
    private final List<String> withheldEnv;
    private final FlinkRest rest;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Map<String, Process> taskManagers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread shutdownHook = new Thread(this::killAll, "stop-flink-cluster");
    private Process jobManager;

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers in {@code dir} (configuration, logs,
     * checkpoints, savepoints), and waits until all have registered.
     *
     * @param taskManagerEnv variables only the TaskManagers get (tokens); the JobManager and the CLI
     *     run without them, as a client without the secrets does
     */
    public static StandaloneCluster start(Path dir, int taskManagers, Map<String, String> taskManagerEnv) throws Exception {
        StandaloneCluster cluster = new StandaloneCluster(dir, taskManagerEnv);
        try {
            cluster.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private StandaloneCluster(Path dir, Map<String, String> taskManagerEnv) throws IOException {
        this.dir = dir.toAbsolutePath();
        this.confDir = this.dir.resolve("conf");
        this.taskManagerEnv = Map.copyOf(taskManagerEnv);
        this.withheldEnv = List.copyOf(taskManagerEnv.keySet());
        Files.createDirectories(confDir);
        Files.createDirectories(this.dir.resolve("log"));
        this.classpath = clusterClasspath();
        this.config = configuration(this.dir);
        Files.write(confDir.resolve(GlobalConfiguration.FLINK_CONF_FILENAME), ConfigurationUtils.convertConfigToWritableLines(config, false));
        Files.writeString(confDir.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.type = File",
                "appender.file.name = file",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                "logger.hadoop.name = org.apache.hadoop",
                "logger.hadoop.level = WARN",
                ""));
        this.rest = new FlinkRest("http://127.0.0.1:" + config.get(org.apache.flink.configuration.RestOptions.PORT));
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** {@code conf/config.yaml} of the project, on free ports of 127.0.0.1, small, with its folders in {@code dir}. */
    private static Configuration configuration(Path dir) {
        Configuration c = GlobalConfiguration.loadConfiguration(projectFile("conf").toString());
        Map<String, String> test = Map.ofEntries(
                Map.entry("jobmanager.rpc.address", "127.0.0.1"),
                Map.entry("jobmanager.rpc.port", String.valueOf(freePort())),
                Map.entry("jobmanager.bind-host", "127.0.0.1"),
                Map.entry("taskmanager.host", "127.0.0.1"),
                Map.entry("taskmanager.bind-host", "127.0.0.1"),
                Map.entry("rest.address", "127.0.0.1"),
                Map.entry("rest.bind-address", "127.0.0.1"),
                Map.entry("rest.port", String.valueOf(freePort())),
                Map.entry("jobmanager.memory.process.size", "1024m"),
                Map.entry("taskmanager.memory.process.size", "1280m"),
                Map.entry("taskmanager.memory.managed.fraction", "0.2"),
                Map.entry("taskmanager.numberOfTaskSlots", "2"),
                // A TaskManager that is gone is noticed within seconds, not the default 50 s.
                Map.entry("heartbeat.interval", "2s"),
                Map.entry("heartbeat.timeout", "10s"),
                // Task metrics on the REST API at most 1 s old (default 10 s), for tests that read them mid-fetch.
                Map.entry("metrics.fetcher.update-interval", "1000"),
                Map.entry("io.tmp.dirs", dir.resolve("tmp").toString()),
                Map.entry("web.upload.dir", dir.resolve("upload").toString()),
                Map.entry("web.tmpdir", dir.resolve("web").toString()),
                // What the distribution's config.yaml gives every Flink JVM on Java 17 (the project's opens).
                Map.entry("env.java.opts.all", "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED "
                        + "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED "
                        + "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED "
                        + "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED "
                        + "--add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED"));
        test.forEach(c::setString);
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        c.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, dir.resolve("savepoints").toUri().toString());
        return c;
    }

    private void startJobManager() throws Exception {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(config);
        List<String> jvm = new ArrayList<>(words(JobManagerProcessUtils.generateJvmParametersStr(spec, config)));
        jvm.addAll(words(config.get(CoreOptions.FLINK_JM_JVM_OPTIONS)));
        jobManager = launch("jobmanager", jvm, JOB_MANAGER, words(JobManagerProcessUtils.generateDynamicConfigsStr(spec)), Map.of());
        Deadline.of(START_TIMEOUT).await("the JobManager's REST API", () -> {
            requireAlive(jobManager, "jobmanager");
            return rest.isUp();
        });
    }

    /** Starts one more TaskManager (which registers on its own); returns its process. */
    public Process startTaskManager() throws IOException {
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(config);
        List<String> jvm = new ArrayList<>(words(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        jvm.addAll(words(config.get(CoreOptions.FLINK_TM_JVM_OPTIONS)));
        // A resource id of our own: the REST API names TaskManagers by it, so a test can find the process.
        String id = "tm-" + taskManagers.size();
        List<String> dynamic = new ArrayList<>(words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        dynamic.addAll(List.of("-D", "taskmanager.resource-id=" + id));
        Process tm = launch("taskmanager-" + taskManagers.size(), jvm, TASK_MANAGER, dynamic, taskManagerEnv);
        taskManagers.put(id, tm);
        return tm;
    }

    /** Waits until {@code count} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int count) throws Exception {
        Deadline.of(START_TIMEOUT).await(count + " TaskManagers registered", () -> {
            requireAlive(jobManager, "jobmanager");
            return rest.get("/overview").path("taskmanagers").asInt() == count;
        });
    }

    /** {@code kill -9} of a TaskManager: no shutdown, nothing flushed. */
    public void killTaskManager(Process tm) throws InterruptedException {
        tm.destroyForcibly();
        tm.waitFor(30, TimeUnit.SECONDS);
    }

    /** The TaskManager process that the REST API calls {@code id}. */
    public Process taskManager(String id) {
        Process tm = taskManagers.get(id);
        if (tm == null) {
            throw new IllegalArgumentException("no TaskManager " + id + " started here: " + taskManagers.keySet());
        }
        return tm;
    }

    public Process jobManager() {
        return jobManager;
    }

    public FlinkRest rest() {
        return rest;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Flink's command line ({@code bin/flink}) against this cluster, run to its end.
     *
     * @return its exit status and everything it printed
     */
    public CliResult cli(String... args) throws Exception {
        Path out = dir.resolve("log").resolve("cli-" + System.nanoTime() + ".out");
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m"));
        cmd.addAll(words(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
        cmd.addAll(List.of("-Dlog.file=" + dir.resolve("log").resolve("client.log"),
                "-Dlog4j.configurationFile=file:" + confDir.resolve("log4j.properties"), "-cp", classpath, CLI));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("FLINK_CONF_DIR", confDir.toString());
        withheldEnv.forEach(pb.environment()::remove);
        Process p = pb.start();
        processes.add(p);
        try {
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                throw new AssertionError("flink " + String.join(" ", args) + " did not end within 3 minutes:\n" + Files.readString(out));
            }
            return new CliResult(p.exitValue(), Files.readString(out));
        } finally {
            p.destroyForcibly();
            processes.remove(p);
        }
    }

    /** What the command line did. */
    public record CliResult(int exitCode, String output) {}

    private Process launch(String name, List<String> jvm, String mainClass, List<String> dynamicConfigs, Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(jvm);
        cmd.addAll(words(config.get(CoreOptions.FLINK_JVM_OPTIONS)));
        cmd.addAll(List.of("-Dlog.file=" + dir.resolve("log").resolve(name + ".log"),
                "-Dlog4j.configurationFile=file:" + confDir.resolve("log4j.properties"),
                "-cp", classpath, mainClass, "--configDir", confDir.toString()));
        cmd.addAll(dynamicConfigs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile());
        withheldEnv.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private void requireAlive(Process p, String name) {
        if (!p.isAlive()) {
            throw new IllegalStateException(name + " (pid " + p.pid() + ") exited with " + p.exitValue() + "; see " + dir.resolve("log"));
        }
    }

    /** Stops every process of the cluster by its handle: SIGTERM, then SIGKILL for any still there after 15 s. */
    @Override
    public void close() {
        List<Process> all = new ArrayList<>(processes);
        all.forEach(Process::destroy);
        for (Process p : all) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(15, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        processes.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void killAll() {
        processes.forEach(Process::destroyForcibly);
    }

    /** The jars of the cluster's classpath, from the files the build wrote ({@code reconflow.cluster.classpath}). */
    private static String clusterClasspath() throws IOException {
        String files = System.getProperty("reconflow.cluster.classpath");
        if (files == null) {
            throw new IllegalStateException("system property reconflow.cluster.classpath is not set: run the cluster tests with mvn verify");
        }
        List<String> entries = new ArrayList<>();
        for (String f : files.split(",")) {
            entries.add(Files.readString(Path.of(f)).trim());
        }
        return entries.stream().filter(e -> !e.isEmpty()).collect(Collectors.joining(java.io.File.pathSeparator));
    }

    /** A file of the project, from the job module's folder (where Maven runs the tests) or the root. */
    public static Path projectFile(String relative) {
        Path fromModule = Path.of("..").resolve(relative);
        return (Files.exists(fromModule) ? fromModule : Path.of(relative)).toAbsolutePath().normalize();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
