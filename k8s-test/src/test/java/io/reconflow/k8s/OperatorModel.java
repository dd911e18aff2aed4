package io.reconflow.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;

/**
 * The Flink Kubernetes Operator's view of a manifest, offline: binding to its model classes with
 * every unknown property an error, and validation against its CRD's OpenAPI v3 schema, made strict
 * the way {@code kubectl apply --validate=strict} is (an unknown field is an error, not pruned).
 */
final class OperatorModel {
    private static final Map<String, Class<?>> MODEL = Map.of(
            "FlinkDeployment", FlinkDeployment.class,
            "ConfigMap", ConfigMap.class,
            "Secret", Secret.class,
            "PersistentVolumeClaim", PersistentVolumeClaim.class);

    private final ObjectMapper strict = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .setAnnotationIntrospector(new StrictIntrospector())
            .addHandler(new NewerFlinkVersions());
    private final Schema deploymentSchema;

    OperatorModel() {
        try (InputStream in = OperatorModel.class.getResourceAsStream("/crds/flinkdeployments.flink.apache.org-v1.yml")) {
            JsonNode crd = Manifests.YAML.readTree(in);
            ObjectNode schema = null;
            for (JsonNode v : crd.path("spec").path("versions")) {
                if ("v1beta1".equals(v.path("name").asText())) {
                    schema = v.path("schema").path("openAPIV3Schema").deepCopy();
                }
            }
            if (schema == null) {
                throw new IllegalStateException("the FlinkDeployment CRD has no v1beta1 schema");
            }
            // The API server adds these to every CRD's schema.
            ObjectNode root = (ObjectNode) schema.get("properties");
            root.putObject("apiVersion").put("type", "string");
            root.putObject("kind").put("type", "string");
            root.putObject("metadata").put("type", "object");
            strictify(schema);
            deploymentSchema = SchemaRegistry.withDialect(Dialects.getOpenApi30())
                    .getSchema(SchemaLocation.of("urn:reconflow:crd:flinkdeployments"), schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Binding problems of a document of a kind the model knows (none for a kind it does not). */
    List<String> bindingProblems(Manifests.Doc doc) {
        Class<?> type = MODEL.get(doc.kind());
        if (type == null) {
            return List.of(doc + ": kind '" + doc.kind() + "' is not one this test knows");
        }
        try {
            strict.treeToValue(doc.tree(), type);
            return List.of();
        } catch (IOException | IllegalArgumentException e) {
            return List.of(doc + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** CRD schema problems of a FlinkDeployment. */
    List<String> schemaProblems(Manifests.Doc doc) {
        if (!doc.kind().equals("FlinkDeployment")) {
            return List.of();
        }
        if (!"flink.apache.org/v1beta1".equals(doc.tree().path("apiVersion").asText())) {
            return List.of(doc + ": apiVersion must be flink.apache.org/v1beta1");
        }
        return deploymentSchema.validate(doc.tree()).stream().map(e -> doc + ": " + e).toList();
    }

    /** Object schemas that list their properties accept no others, unless they say they do. */
    private static void strictify(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.get("properties") instanceof ObjectNode && !o.has("additionalProperties")
                    && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
            o.elements().forEachRemaining(OperatorModel::strictify);
        } else if (node != null && node.isArray()) {
            node.elements().forEachRemaining(OperatorModel::strictify);
        }
    }

    /** Ignores the models' {@code ignoreUnknown} and any-setters, so an unknown property fails. */
    private static final class StrictIntrospector extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
            return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
        }

        @Override
        public Boolean hasAnySetter(Annotated a) {
            return Boolean.FALSE;
        }
    }

    /**
     * The model on Maven Central (1.10.0) predates Flink 2.x: its {@link FlinkVersion} stops at
     * v1_20. A {@code v2_N} is left to the CRD schema, whose enum is the 1.15 operator's.
     */
    private static final class NewerFlinkVersions extends DeserializationProblemHandler {
        @Override
        public Object handleWeirdStringValue(DeserializationContext ctxt, Class<?> targetType, String value, String msg) {
            return targetType == FlinkVersion.class && value.matches("v2_\\d+") ? null : NOT_HANDLED;
        }
    }
}
