package io.reconflow.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every manifest of {@code k8s/}, offline, as the Flink Kubernetes Operator and the job would take
 * it; and, for each check, a copy with one thing broken that the check rejects.
 */
class ManifestsTest {
    private static final Path K8S = Path.of("../k8s");
    private static final Path ROOT_POM = Path.of("../pom.xml");
    private static final String APP = "reconflow-energy-confirmations";
    private static final String BACKFILL = "reconflow-energy-backfill";

    private static Manifests manifests;
    private static OperatorModel model;
    private static FlinkOptionKeys keys;

    @TempDir
    Path scratch;

    @BeforeAll
    static void load() {
        manifests = Manifests.load(K8S, ROOT_POM);
        model = new OperatorModel();
        keys = FlinkOptionKeys.scan();
    }

    private List<String> problems(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Manifests.Doc d : m.docs) {
            out.addAll(model.bindingProblems(d));
            out.addAll(model.schemaProblems(d));
            if (d.kind().equals("FlinkDeployment")) {
                out.addAll(new ManifestChecks(m, scratch).all(d, keys));
            }
        }
        return out;
    }

    /** The problems of a copy of the manifests with one FlinkDeployment changed by {@code change}. */
    private List<String> problemsAfter(String deployment, Consumer<ObjectNode> change) {
        Manifests copy = manifests.copy();
        change.accept(copy.get("FlinkDeployment", deployment).tree());
        return problems(copy);
    }

    private static ObjectNode spec(ObjectNode d) {
        return (ObjectNode) d.get("spec");
    }

    private static ObjectNode conf(ObjectNode d) {
        return (ObjectNode) d.get("spec").get("flinkConfiguration");
    }

    private static ObjectNode commonContainer(ObjectNode d) {
        return (ObjectNode) d.get("spec").get("podTemplate").get("spec").get("containers").get(0);
    }

    private static ArrayNode env(ObjectNode container) {
        return (ArrayNode) container.get("env");
    }

    private static void removeEnv(ArrayNode env, String name) {
        for (int i = env.size() - 1; i >= 0; i--) {
            if (env.get(i).path("name").asText().equals(name)) {
                env.remove(i);
            }
        }
    }

    @Test
    void theManifestsAreWhatTheOperatorAndTheJobAccept() {
        assertThat(manifests.ofKind("FlinkDeployment")).extracting(Manifests.Doc::name).containsExactlyInAnyOrder(APP, BACKFILL);
        assertThat(manifests.get("FlinkDeployment", BACKFILL).tree().at("/spec/flinkConfiguration/execution.runtime-mode").asText())
                .isEqualTo("BATCH");
        assertThat(manifests.get("FlinkDeployment", APP).tree().at("/spec/flinkVersion").asText()).isEqualTo("v2_3");
        assertThat(problems(manifests)).isEmpty();
    }

    @Test
    void theFlinkConfigurationFilesUseCurrentKeysOnly() throws Exception {
        for (String file : List.of("config.yaml", "config-prometheus.yaml")) {
            List<String> flat = new ArrayList<>();
            flatten("", Manifests.YAML.readTree(Path.of("../conf", file).toFile()), flat);
            assertThat(flat).as(file).contains("metrics.reporters");
            assertThat(flat.stream().map(keys::problem).filter(p -> p != null)).as(file).isEmpty();
        }
    }

    private static void flatten(String prefix, JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> flatten(prefix + e.getKey() + ".", e.getValue(), out));
        } else {
            out.add(prefix.substring(0, prefix.length() - 1));
        }
    }

    @Test
    void anUnknownFieldFailsTheModelAndTheSchema() {
        List<String> p = problemsAfter(APP, d -> ((ObjectNode) d.get("spec").get("job")).put("upgardeMode", "savepoint"));
        assertThat(p).anyMatch(s -> s.contains("upgardeMode") && s.contains("Unrecognized field"));
        assertThat(p).anyMatch(s -> s.contains("upgardeMode") && !s.contains("Unrecognized field"));
        // Inside the pod template too (fabric8's any-setters would swallow it).
        assertThat(problemsAfter(APP, d -> commonContainer(d).put("envFromm", "x")))
                .anyMatch(s -> s.contains("envFromm") && s.contains("Unrecognized field"))
                .anyMatch(s -> s.contains("envFromm") && !s.contains("Unrecognized field"));
    }

    @Test
    void aFlinkVersionTheOperatorDoesNotKnowFailsTheSchema() {
        assertThat(problemsAfter(APP, d -> spec(d).put("flinkVersion", "v2_9")))
                .anyMatch(s -> s.contains("flinkVersion") && s.contains("enum"));
    }

    @Test
    void flinkVersionMustMatchTheImageAndTheJob() {
        assertThat(problemsAfter(APP, d -> spec(d).put("flinkVersion", "v2_2")))
                .anyMatch(s -> s.contains("flinkVersion v2_2 is not the job's Flink 2.3.0"))
                .anyMatch(s -> s.contains("is Flink 2.3 but flinkVersion is v2_2"));
        assertThat(problemsAfter(APP, d -> spec(d).put("image", "registry.example.internal/reconflow:0.1.0-flink2.2.0")))
                .anyMatch(s -> s.contains("is Flink 2.2 but flinkVersion is v2_3"));
        Manifests oldBase = manifests.copy(manifests.dockerfile.replace("FROM flink:2.3.0-java17", "FROM flink:2.2.0-java17"));
        assertThat(problems(oldBase)).anyMatch(s -> s.contains("Dockerfile: FROM flink:2.2.0 but the job is built for Flink 2.3.0"));
    }

    @Test
    void deprecatedAndUnknownFlinkKeysFail() {
        assertThat(problemsAfter(APP, d -> conf(d).put("state.backend.incremental", "true")))
                .anyMatch(s -> s.contains("state.backend.incremental is deprecated: use execution.checkpointing.incremental"));
        assertThat(problemsAfter(APP, d -> conf(d).put("state.savepoints.dir", "s3://x")))
                .anyMatch(s -> s.contains("state.savepoints.dir is deprecated: use execution.checkpointing.savepoint-dir"));
        assertThat(problemsAfter(APP, d -> conf(d).put("execution.checkpointing.dirr", "s3://x")))
                .anyMatch(s -> s.contains("execution.checkpointing.dirr is not a Flink configuration key"));
    }

    @Test
    void s3NeedsTheS3PluginOfTheJobsFlinkVersion() {
        assertThat(problemsAfter(APP, d -> removeEnv(env(commonContainer(d)), "ENABLE_BUILT_IN_PLUGINS")))
                .anyMatch(s -> s.contains("s3:// is used but the jobManager does not enable flink-s3-fs-hadoop-2.3.0.jar"))
                .anyMatch(s -> s.contains("s3:// is used but the taskManager does not enable"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) env(commonContainer(d)).get(0)).put("value", "flink-s3-fs-hadoop-2.2.0.jar")))
                .anyMatch(s -> s.contains("does not enable flink-s3-fs-hadoop-2.3.0.jar"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) env(commonContainer(d)).get(0)).put("value", "flink-s3-fs-presto-2.3.0.jar")))
                .anyMatch(s -> s.contains("the Parquet FileSink writes s3:// only through flink-s3-fs-hadoop-2.3.0.jar"));
    }

    @Test
    void podsMustRunAsNonRoot() {
        assertThat(problemsAfter(APP, d -> ((ObjectNode) d.at("/spec/podTemplate/spec/securityContext")).remove("runAsNonRoot")))
                .anyMatch(s -> s.contains("jobManager pod lacks securityContext.runAsNonRoot: true"))
                .anyMatch(s -> s.contains("taskManager pod lacks securityContext.runAsNonRoot: true"));
        assertThat(problemsAfter(BACKFILL, d -> ((ObjectNode) d.at("/spec/podTemplate/spec/securityContext")).put("runAsUser", 0)))
                .anyMatch(s -> s.contains("needs a non-zero securityContext.runAsUser"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) commonContainer(d).get("securityContext")).put("allowPrivilegeEscalation", true)))
                .anyMatch(s -> s.contains("must set allowPrivilegeEscalation: false"));
    }

    @Test
    void podTemplatesMustMergeByName() {
        assertThat(problemsAfter(APP, d -> conf(d).remove("kubernetes.operator.pod-template.merge-arrays-by-name")))
                .anyMatch(s -> s.contains("need kubernetes.operator.pod-template.merge-arrays-by-name"));
    }

    @Test
    void everyTokenEnvNeedsATaskManagerVariableFromASecret() {
        assertThat(problemsAfter(APP, d -> removeEnv((ArrayNode) d.at("/spec/taskManager/podTemplate/spec/containers/0/env"),
                "RECONFLOW_TOKEN_NORTHPOOL")))
                .anyMatch(s -> s.contains("the taskManager has no variable RECONFLOW_TOKEN_NORTHPOOL (token of counterparty northpool-energy)"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) d.at("/spec/taskManager/podTemplate/spec/containers/0/env/0/valueFrom/secretKeyRef"))
                .put("key", "RECONFLOW_TOKEN_NORTH")))
                .anyMatch(s -> s.contains("refers to key RECONFLOW_TOKEN_NORTH of Secret reconflow-counterparty-tokens, which k8s/ does not define"));
        assertThat(problemsAfter(BACKFILL, d -> removeEnv(env(commonContainer(d)), "RECONFLOW_JDBC_PASSWORD")))
                .anyMatch(s -> s.contains("the jobManager has no variable RECONFLOW_JDBC_PASSWORD (ledger password)"));
    }

    @Test
    void theJobMustAcceptTheConfigMapsReconciliation() {
        Manifests copy = manifests.copy();
        ObjectNode data = (ObjectNode) copy.get("ConfigMap", "reconflow-recon").tree().get("data");
        data.put("energy-confirmations.yaml", data.get("energy-confirmations.yaml").asText() + "\nschedule: daily\n");
        assertThat(problems(copy)).anyMatch(s -> s.contains("the job refuses /opt/reconflow/conf/energy-confirmations.yaml") && s.contains("schedule"));
        assertThat(problemsAfter(BACKFILL, d -> ((ArrayNode) d.at("/spec/job/args")).set(6, "business_dates=[2026-11-19,2026-11-19]")))
                .anyMatch(s -> s.contains("business_dates: lists a date twice"));
        assertThat(problemsAfter(APP, d -> ((ArrayNode) d.at("/spec/job/args")).set(2, "/opt/reconflow/energy-confirmations.yaml")))
                .anyMatch(s -> s.contains("is no key of a ConfigMap of k8s/ mounted in the JobManager pod"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) commonContainer(d).get("volumeMounts").get(1)).put("mountPath", "/data/ours")))
                .anyMatch(s -> s.contains("internal.path /data/internal/energy-confirmations/business_date=2000-01-01 is on no volume"));
    }

    @Test
    void upgradeModeAndStateFitTheKindOfRun() {
        assertThat(problemsAfter(BACKFILL, d -> ((ObjectNode) d.at("/spec/job")).put("upgradeMode", "savepoint")))
                .anyMatch(s -> s.contains("a BATCH job has no checkpoints to upgrade from: upgradeMode must be stateless"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) d.at("/spec/job")).put("upgradeMode", "stateless")))
                .anyMatch(s -> s.contains("upgradeMode must be savepoint"));
        assertThat(problemsAfter(APP, d -> conf(d).put("execution.checkpointing.savepoint-dir", "file:///tmp/sp")))
                .anyMatch(s -> s.contains("execution.checkpointing.savepoint-dir must be on S3"));
        assertThat(problemsAfter(APP, d -> conf(d).remove("high-availability.type")))
                .anyMatch(s -> s.contains("high-availability.type must be kubernetes"));
        assertThat(problemsAfter(APP, d -> ((ObjectNode) d.at("/spec/job")).put("jarURI", "local:///opt/flink/usrlib/other.jar")))
                .anyMatch(s -> s.contains("is not the jar the Dockerfile copies"));
    }
}
