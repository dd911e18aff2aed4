package io.reconflow.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.util.OptionalFailure;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The JobManager's REST API (what the dashboard and {@code curl} use), through the JDK's HttpClient. */
public final class FlinkRest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> TERMINAL = Set.of("FINISHED", "FAILED", "CANCELED");

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(String base) {
        this.base = base;
    }

    /** An answer: its HTTP status and JSON body. */
    public record Response(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    /** True when the REST endpoint answers {@code /overview}. */
    public boolean isUp() {
        try {
            return send(HttpRequest.newBuilder(uri("/overview")).GET()).ok();
        } catch (IOException e) {
            return false;
        }
    }

    /** GET that must succeed. */
    public JsonNode get(String path) throws IOException {
        return require(send(HttpRequest.newBuilder(uri(path)).GET()), "GET " + path);
    }

    /** POST of a JSON body; the answer as it is, an error included. */
    public Response post(String path, Object body) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body))));
    }

    /** {@code POST /jars/upload} (multipart, as the dashboard uploads); returns the jar's id. */
    public String uploadJar(Path jar) throws IOException {
        String boundary = "----reconflow" + UUID.randomUUID();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofString(head, StandardCharsets.UTF_8),
                HttpRequest.BodyPublishers.ofFile(jar),
                HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n", StandardCharsets.UTF_8));
        JsonNode answer = require(send(HttpRequest.newBuilder(uri("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(body)), "POST /jars/upload");
        return Path.of(answer.path("filename").asText()).getFileName().toString();
    }

    /** {@code POST /jars/:id/run} with the program's arguments, optionally from a savepoint; the answer as it is. */
    public Response runJar(String jarId, List<String> programArgs, String savepointPath) throws IOException {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("programArgsList", MAPPER.valueToTree(programArgs));
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
        }
        return post("/jars/" + jarId + "/run", body);
    }

    public String jobState(String jobId) throws IOException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Waits until the job is in {@code state}; fails at once if it ends in another. */
    public void awaitState(String jobId, String state, Duration timeout) throws Exception {
        Deadline.of(timeout).await("job " + jobId + " " + state, () -> {
            String now = jobState(jobId);
            if (!now.equals(state) && TERMINAL.contains(now)) {
                throw new IllegalStateException("job " + jobId + " ended " + now + " instead of " + state + ": "
                        + get("/jobs/" + jobId + "/exceptions").path("root-exception").asText());
            }
            return now.equals(state);
        });
    }

    /** Waits for the job to finish and returns its result as the client would have it (net runtime and accumulators). */
    public JobExecutionResult awaitResult(String jobId, Duration timeout) throws Exception {
        awaitState(jobId, "FINISHED", timeout);
        JsonNode job = get("/jobs/" + jobId);
        Map<String, OptionalFailure<Object>> accumulators = new HashMap<>();
        for (JsonNode a : get("/jobs/" + jobId + "/accumulators").path("user-task-accumulators")) {
            Object value = a.path("type").asText().contains("Long") ? (Object) Long.parseLong(a.path("value").asText()) : a.path("value").asText();
            accumulators.put(a.path("name").asText(), OptionalFailure.of(value));
        }
        return new JobExecutionResult(JobID.fromHexString(jobId), job.path("duration").asLong(), accumulators);
    }

    /**
     * {@code POST /jobs/:id/stop} with {@code drain: false} (the job's state kept for an upgrade), then
     * waits for the savepoint; returns its trigger's final answer ({@code operation.location} is the path).
     */
    public JsonNode stopWithSavepoint(String jobId, Path targetDirectory, Duration timeout) throws Exception {
        Response stop = post("/jobs/" + jobId + "/stop", Map.of("targetDirectory", targetDirectory.toUri().toString(), "drain", false));
        JsonNode trigger = require(stop, "POST /jobs/" + jobId + "/stop");
        String requestId = trigger.path("request-id").asText();
        JsonNode[] done = new JsonNode[1];
        Deadline.of(timeout).await("the savepoint of job " + jobId, () -> {
            done[0] = get("/jobs/" + jobId + "/savepoints/" + requestId);
            return done[0].path("status").path("id").asText().equals("COMPLETED");
        });
        return done[0];
    }

    /** {@code PATCH /jobs/:id?mode=cancel}, then waits until the job is CANCELED (a continuous job never ends by itself). */
    public void cancel(String jobId, Duration timeout) throws Exception {
        require(send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel")).method("PATCH", HttpRequest.BodyPublishers.noBody())),
                "PATCH /jobs/" + jobId);
        awaitState(jobId, "CANCELED", timeout);
    }

    /**
     * {@code POST /jobs/:id/checkpoints} (a checkpoint triggered by hand), then waits for it; returns the
     * trigger's final answer ({@code operation.checkpointId}, or {@code operation.failure-cause}).
     */
    public JsonNode triggerCheckpoint(String jobId, Duration timeout) throws Exception {
        JsonNode trigger = require(post("/jobs/" + jobId + "/checkpoints", Map.of()), "POST /jobs/" + jobId + "/checkpoints");
        String requestId = trigger.path("request-id").asText();
        JsonNode[] done = new JsonNode[1];
        Deadline.of(timeout).await("checkpoint " + requestId + " of job " + jobId, () -> {
            done[0] = get("/jobs/" + jobId + "/checkpoints/" + requestId);
            return done[0].path("status").path("id").asText().equals("COMPLETED");
        });
        return done[0];
    }

    /**
     * The sum over subtasks of the operator metric whose id ends with {@code metric} (e.g.
     * {@code Internal_files.numRecordsOut}: spaces and colons of operator names read as {@code _}), in
     * the vertex whose name contains {@code vertex}; -1 while the metric is not reported yet.
     */
    public long operatorMetric(String jobId, String vertex, String metric) throws IOException {
        String vertexId = null;
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().contains(vertex)) {
                vertexId = v.path("id").asText();
            }
        }
        if (vertexId == null) {
            throw new AssertionError("no vertex named like '" + vertex + "' in job " + jobId);
        }
        String path = "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics";
        for (JsonNode m : get(path)) {
            String id = m.path("id").asText();
            if (id.endsWith(metric)) {
                JsonNode values = get(path + "?get=" + URLEncoder.encode(id, StandardCharsets.UTF_8));
                return values.path(0).path("sum").asLong(-1);
            }
        }
        return -1;
    }

    /**
     * A metric of each subtask of the vertex named like {@code vertex}, by subtask index (-1 where
     * the JobManager has no value of it yet): says which subtask lags when a sum falls short.
     */
    public java.util.List<Long> operatorMetricBySubtask(String jobId, String vertex, String metric) throws IOException {
        JsonNode found = null;
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().contains(vertex)) {
                found = v;
            }
        }
        if (found == null) {
            throw new AssertionError("no vertex named like '" + vertex + "' in job " + jobId);
        }
        java.util.List<Long> values = new java.util.ArrayList<>();
        for (int i = 0; i < found.path("parallelism").asInt(); i++) {
            String path = "/jobs/" + jobId + "/vertices/" + found.path("id").asText() + "/subtasks/" + i + "/metrics";
            long value = -1;
            for (JsonNode m : get(path)) {
                String id = m.path("id").asText();
                if (id.endsWith(metric)) {
                    value = get(path + "?get=" + URLEncoder.encode(id, StandardCharsets.UTF_8)).path(0).path("value").asLong(-1);
                }
            }
            values.add(value);
        }
        return values;
    }

    /** The job's counts of completed checkpoints, and the latest one's id (-1 before any). */
    public JsonNode checkpoints(String jobId) throws IOException {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private Response send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.body() == null || r.body().isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(r.body());
            return new Response(r.statusCode(), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static JsonNode require(Response r, String what) {
        if (!r.ok()) {
            throw new AssertionError(what + " answered " + r.status() + ": " + r.body());
        }
        return r.body();
    }
}
