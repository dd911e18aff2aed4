package io.reconflow.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.job.ConfigException;
import io.reconflow.job.ReconConfig;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a FlinkDeployment of {@code k8s/} must get right beyond the operator's schema. Each check
 * returns its problems, one line each; none means it holds.
 */
final class ManifestChecks {
    private static final Pattern FROM = Pattern.compile("(?m)^FROM\\s+flink:(\\d+)\\.(\\d+)\\.(\\d+)-java17\\s*$");
    private static final Pattern COPY_JAR = Pattern.compile("(?m)^COPY\\s.*\\s(/opt/flink/usrlib/\\S+\\.jar)\\s*$");
    private static final Pattern IMAGE_FLINK = Pattern.compile(":[^:/]*flink(\\d+)\\.(\\d+)(?:\\.\\d+)?$");
    private static final Pattern FLINK_VERSION = Pattern.compile("v(\\d+)_(\\d+)");
    private static final String MAIN = "io.reconflow.job.ReconflowJob";

    private final Manifests m;
    private final Path scratch;

    /** @param scratch a folder for the reconciliation YAMLs handed to the job's loader */
    ManifestChecks(Manifests m, Path scratch) {
        this.m = m;
        this.scratch = scratch;
    }

    private static Map<String, String> flinkConfiguration(ObjectNode d) {
        Map<String, String> conf = new java.util.LinkedHashMap<>();
        d.path("spec").path("flinkConfiguration").properties().forEach(e -> conf.put(e.getKey(), e.getValue().asText()));
        return conf;
    }

    private static boolean batch(ObjectNode d) {
        return "BATCH".equals(flinkConfiguration(d).get("execution.runtime-mode"));
    }

    /** flinkVersion, the image tag, the Dockerfile's base image and the project's Flink agree. */
    List<String> flinkVersion(Manifests.Doc d) {
        List<String> out = new ArrayList<>();
        String[] project = m.flinkVersion.split("\\.");
        Matcher from = FROM.matcher(m.dockerfile);
        if (!from.find()) {
            out.add("Dockerfile: no 'FROM flink:X.Y.Z-java17'");
        } else if (!from.group(1).equals(project[0]) || !from.group(2).equals(project[1]) || !from.group(3).equals(project[2])) {
            out.add("Dockerfile: FROM flink:" + from.group(1) + "." + from.group(2) + "." + from.group(3)
                    + " but the job is built for Flink " + m.flinkVersion);
        }
        String version = d.tree().path("spec").path("flinkVersion").asText();
        Matcher v = FLINK_VERSION.matcher(version);
        if (!v.matches() || !v.group(1).equals(project[0]) || !v.group(2).equals(project[1])) {
            out.add(d + ": flinkVersion " + version + " is not the job's Flink " + m.flinkVersion);
        }
        String image = d.tree().path("spec").path("image").asText();
        Matcher tag = IMAGE_FLINK.matcher(image);
        if (!tag.find()) {
            out.add(d + ": image " + image + " does not name its Flink version in its tag (…-flinkX.Y.Z)");
        } else if (v.matches() && !(tag.group(1).equals(v.group(1)) && tag.group(2).equals(v.group(2)))) {
            out.add(d + ": image " + image + " is Flink " + tag.group(1) + "." + tag.group(2) + " but flinkVersion is " + version);
        }
        return out;
    }

    /** Every Flink key is one Flink knows, and none is deprecated. */
    List<String> flinkKeys(Manifests.Doc d, FlinkOptionKeys keys) {
        return flinkConfiguration(d.tree()).keySet().stream().map(keys::problem)
                .filter(p -> p != null).map(p -> d + ": " + p).toList();
    }

    /** The job: the image's jar, the job's main class, the upgrade mode its kind of run needs. */
    List<String> job(Manifests.Doc d) {
        List<String> out = new ArrayList<>();
        JsonNode job = d.tree().path("spec").path("job");
        Matcher copy = COPY_JAR.matcher(m.dockerfile);
        String jar = job.path("jarURI").asText();
        if (!copy.find() || !jar.equals("local://" + copy.group(1))) {
            out.add(d + ": jarURI " + jar + " is not the jar the Dockerfile copies to /opt/flink/usrlib");
        }
        if (!MAIN.equals(job.path("entryClass").asText())) {
            out.add(d + ": entryClass must be " + MAIN);
        }
        Map<String, String> conf = flinkConfiguration(d.tree());
        String mode = job.path("upgradeMode").asText();
        if (batch(d.tree())) {
            if (!mode.equals("stateless")) {
                out.add(d + ": a BATCH job has no checkpoints to upgrade from: upgradeMode must be stateless, not " + mode);
            }
        } else {
            if (!mode.equals("savepoint")) {
                out.add(d + ": the long-running job keeps its state over upgrades: upgradeMode must be savepoint, not " + mode);
            }
            for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir")) {
                if (!conf.getOrDefault(key, "").startsWith("s3://")) {
                    out.add(d + ": " + key + " must be on S3 (s3://…), not '" + conf.getOrDefault(key, "") + "'");
                }
            }
            if (!"kubernetes".equals(conf.get("high-availability.type"))) {
                out.add(d + ": high-availability.type must be kubernetes");
            }
        }
        return out;
    }

    /** Every pod runs as a non-root user without privilege escalation, from pod templates merged by name. */
    List<String> nonRoot(Manifests.Doc d) {
        List<String> out = new ArrayList<>();
        // By default the operator merges the common and the role's pod template lists by position:
        // the TaskManagers' env would then replace the common env entry by entry.
        boolean both = d.tree().path("spec").path("podTemplate").has("spec") && (d.tree().path("spec").path("jobManager").has("podTemplate")
                || d.tree().path("spec").path("taskManager").has("podTemplate"));
        if (both && !"true".equals(flinkConfiguration(d.tree()).get("kubernetes.operator.pod-template.merge-arrays-by-name"))) {
            out.add(d + ": common and per-role pod templates need kubernetes.operator.pod-template.merge-arrays-by-name: \"true\"");
        }
        for (String role : List.of("jobManager", "taskManager")) {
            ObjectNode pod = Manifests.pod(d.tree(), role);
            JsonNode sc = pod.path("securityContext");
            if (!sc.path("runAsNonRoot").asBoolean(false)) {
                out.add(d + ": " + role + " pod lacks securityContext.runAsNonRoot: true");
            }
            if (!sc.path("runAsUser").canConvertToInt() || sc.path("runAsUser").asInt() == 0) {
                out.add(d + ": " + role + " pod needs a non-zero securityContext.runAsUser");
            }
            if (Manifests.mainContainer(pod).path("securityContext").path("allowPrivilegeEscalation").asBoolean(true)) {
                out.add(d + ": " + role + " container must set allowPrivilegeEscalation: false");
            }
        }
        return out;
    }

    /** The reconciliation the job runs: read from the ConfigMap the pods mount, with the job's --set overrides. */
    ReconConfig recon(Manifests.Doc d, List<String> problems) {
        List<String> args = new ArrayList<>();
        d.tree().path("spec").path("job").path("args").forEach(a -> args.add(a.asText()));
        int at = args.indexOf("--config");
        if (args.isEmpty() || !args.get(0).equals("run") || at < 0 || at + 1 >= args.size()) {
            problems.add(d + ": job.args must be run --config <file> [--set key=value]…, not " + args);
            return null;
        }
        String path = args.get(at + 1);
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals("--set")) {
                overrides.add(args.get(i + 1));
            }
        }
        ObjectNode pod = Manifests.pod(d.tree(), "jobManager"); // main runs on the JobManager in application mode
        String yaml = null;
        for (JsonNode mount : Manifests.mainContainer(pod).path("volumeMounts")) {
            String dir = mount.path("mountPath").asText() + "/";
            if (path.startsWith(dir)) {
                for (JsonNode vol : pod.path("volumes")) {
                    if (vol.path("name").asText().equals(mount.path("name").asText()) && vol.has("configMap")) {
                        String cm = vol.path("configMap").path("name").asText();
                        yaml = m.find("ConfigMap", cm).map(c -> c.tree().path("data").path(path.substring(dir.length())))
                                .filter(JsonNode::isTextual).map(JsonNode::asText).orElse(null);
                    }
                }
            }
        }
        if (yaml == null) {
            problems.add(d + ": --config " + path + " is no key of a ConfigMap of k8s/ mounted in the JobManager pod");
            return null;
        }
        try {
            Path file = Files.createTempFile(scratch, "recon", ".yaml");
            Files.writeString(file, yaml);
            return ReconConfig.load(file, overrides);
        } catch (ConfigException e) {
            problems.add(d + ": the job refuses " + path + ": " + e.getMessage());
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The reconciliation's environment: each token_env a TaskManager variable from a Secret of k8s/
     * that has the key; the ledger's user and password on both roles; internal files on a mounted
     * volume; the S3 plugin of the job's Flink version wherever s3:// is used.
     */
    List<String> environment(Manifests.Doc d, ReconConfig recon) {
        List<String> out = new ArrayList<>();
        for (CounterpartyEndpoint c : recon.counterparties()) {
            secretEnv(d, "taskManager", c.tokenEnv(), "token of counterparty " + c.name(), out);
        }
        if (recon.ledger() != null) {
            for (String role : List.of("jobManager", "taskManager")) {
                secretEnv(d, role, recon.ledger().userEnv(), "ledger user", out);
                secretEnv(d, role, recon.ledger().passwordEnv(), "ledger password", out);
            }
        }
        boolean s3 = recon.outputPath().startsWith("s3://")
                || flinkConfiguration(d.tree()).values().stream().anyMatch(v -> v.startsWith("s3://"));
        for (String role : List.of("jobManager", "taskManager")) {
            JsonNode container = Manifests.mainContainer(Manifests.pod(d.tree(), role));
            // A continuous reconciliation lists no date: any date's folder lies where every other one does.
            String dir = recon.internal().folder(recon.businessDates().isEmpty()
                    ? java.time.LocalDate.of(2000, 1, 1) : recon.businessDates().get(0));
            boolean mounted = false;
            for (JsonNode mount : container.path("volumeMounts")) {
                mounted |= dir.startsWith(mount.path("mountPath").asText() + "/");
            }
            if (!mounted) {
                out.add(d + ": internal.path " + dir + " is on no volume the " + role + " mounts");
            }
            String plugins = Manifests.env(container, "ENABLE_BUILT_IN_PLUGINS").path("value").asText("");
            String hadoop = "flink-s3-fs-hadoop-" + m.flinkVersion + ".jar";
            String presto = "flink-s3-fs-presto-" + m.flinkVersion + ".jar";
            List<String> enabled = List.of(plugins.split(";"));
            if (s3 && !enabled.contains(hadoop) && !enabled.contains(presto)) {
                out.add(d + ": s3:// is used but the " + role + " does not enable " + hadoop + " (ENABLE_BUILT_IN_PLUGINS='" + plugins + "')");
            } else if (recon.outputPath().startsWith("s3://") && !enabled.contains(hadoop)) {
                out.add(d + ": the Parquet FileSink writes s3:// only through " + hadoop + " (ENABLE_BUILT_IN_PLUGINS='" + plugins + "')");
            }
        }
        return out;
    }

    private void secretEnv(Manifests.Doc d, String role, String variable, String what, List<String> out) {
        JsonNode ref = Manifests.env(Manifests.mainContainer(Manifests.pod(d.tree(), role)), variable)
                .path("valueFrom").path("secretKeyRef");
        if (!ref.isObject()) {
            out.add(d + ": the " + role + " has no variable " + variable + " (" + what + ") from a Secret (valueFrom.secretKeyRef)");
            return;
        }
        String secret = ref.path("name").asText();
        String key = ref.path("key").asText();
        boolean found = m.find("Secret", secret)
                .map(s -> s.tree().path("stringData").has(key) || s.tree().path("data").has(key)).orElse(false);
        if (!found) {
            out.add(d + ": " + variable + " refers to key " + key + " of Secret " + secret + ", which k8s/ does not define");
        }
    }

    /** Every check of one FlinkDeployment. */
    List<String> all(Manifests.Doc d, FlinkOptionKeys keys) {
        List<String> out = new ArrayList<>();
        out.addAll(flinkVersion(d));
        out.addAll(flinkKeys(d, keys));
        out.addAll(job(d));
        out.addAll(nonRoot(d));
        ReconConfig recon = recon(d, out);
        if (recon != null) {
            out.addAll(environment(d, recon));
        }
        return out;
    }
}
