package io.reconflow.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The manifests of {@code k8s/} (every document of every YAML file) and its Dockerfile, as trees
 * that a test may copy and change to prove that a check fails.
 */
final class Manifests {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One YAML document: its file, its place in the file and its tree. */
    record Doc(String file, int index, ObjectNode tree) {
        String kind() {
            return tree.path("kind").asText();
        }

        String name() {
            return tree.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return file + "#" + index + " (" + kind() + " " + name() + ")";
        }
    }

    final List<Doc> docs;
    final String dockerfile;
    /** The project's Flink version ({@code flink.version} of the root pom). */
    final String flinkVersion;

    Manifests(List<Doc> docs, String dockerfile, String flinkVersion) {
        this.docs = docs;
        this.dockerfile = dockerfile;
        this.flinkVersion = flinkVersion;
    }

    static Manifests load(Path k8s, Path rootPom) {
        List<Doc> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(k8s)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
                try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                    int i = 0;
                    while (it.hasNext()) {
                        JsonNode n = it.next();
                        if (n instanceof ObjectNode o) {
                            docs.add(new Doc(f.getFileName().toString(), i, o));
                        }
                        i++;
                    }
                }
            }
            String pom = Files.readString(rootPom);
            int at = pom.indexOf("<flink.version>");
            String version = pom.substring(at + "<flink.version>".length(), pom.indexOf("</flink.version>", at));
            return new Manifests(docs, Files.readString(k8s.resolve("Dockerfile")), version.strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A deep copy, for a test that breaks one thing. */
    Manifests copy() {
        return copy(dockerfile);
    }

    Manifests copy(String otherDockerfile) {
        return new Manifests(docs.stream().map(d -> new Doc(d.file(), d.index(), d.tree().deepCopy())).toList(),
                otherDockerfile, flinkVersion);
    }

    List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    Doc get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new IllegalArgumentException("no " + kind + " " + name + " in k8s/"));
    }

    Optional<Doc> find(String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst();
    }

    /**
     * The pod spec a FlinkDeployment gives the JobManager ({@code jobManager}) or the TaskManagers
     * ({@code taskManager}): the common {@code podTemplate} with the role's own laid over it, lists of
     * named items (containers, env, volumes, volume mounts) merged by name as the operator does with
     * {@code kubernetes.operator.pod-template.merge-arrays-by-name}.
     */
    static ObjectNode pod(ObjectNode deployment, String role) {
        JsonNode common = deployment.path("spec").path("podTemplate").path("spec");
        JsonNode own = deployment.path("spec").path(role).path("podTemplate").path("spec");
        ObjectNode merged = common.isObject() ? ((ObjectNode) common).deepCopy() : JsonNodeFactory.instance.objectNode();
        if (own.isObject()) {
            merge(merged, (ObjectNode) own);
        }
        return merged;
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        from.properties().forEach(e -> {
            JsonNode old = into.get(e.getKey());
            if (old instanceof ObjectNode o && e.getValue() instanceof ObjectNode n) {
                merge(o, n);
            } else if (old instanceof ArrayNode a && e.getValue() instanceof ArrayNode n) {
                Map<String, JsonNode> byName = new LinkedHashMap<>();
                List<JsonNode> unnamed = new ArrayList<>();
                for (JsonNode x : a) {
                    if (x.hasNonNull("name")) byName.put(x.get("name").asText(), x.deepCopy()); else unnamed.add(x);
                }
                for (JsonNode x : n) {
                    String name = x.path("name").asText(null);
                    if (name != null && byName.get(name) instanceof ObjectNode mine && x instanceof ObjectNode theirs) {
                        merge(mine, theirs);
                    } else if (name != null) {
                        byName.put(name, x.deepCopy());
                    } else {
                        unnamed.add(x);
                    }
                }
                ArrayNode out = into.putArray(e.getKey());
                out.addAll(byName.values());
                out.addAll(unnamed);
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    /** The main container of a pod spec ({@code flink-main-container}), or an empty node. */
    static JsonNode mainContainer(JsonNode pod) {
        for (JsonNode c : pod.path("containers")) {
            if ("flink-main-container".equals(c.path("name").asText())) {
                return c;
            }
        }
        return JsonNodeFactory.instance.objectNode();
    }

    /** The container's environment variable {@code name}, or a missing node. */
    static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
