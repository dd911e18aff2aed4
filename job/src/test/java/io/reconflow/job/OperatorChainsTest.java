package io.reconflow.job;

import io.reconflow.events.RawRecord;
import io.reconflow.operators.validate.ValidRecord;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamEdge;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which operators share a task (a job vertex), as the job graph Flink builds from the job says:
 * the chains README "Performance" counts on, so that no record is serialized where no shuffle is needed.
 */
class OperatorChainsTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");

    @TempDir
    Path tmp;

    /** The job as {@code ReconflowJob.plug} builds it, at parallelism 2, with its stream and job graphs. */
    private record Built(StreamGraph streamGraph, JobGraph jobGraph) {
        /** The uid of every operator to the name of the vertex it runs in. */
        Map<String, String> vertexByUid() {
            Map<String, String> out = new HashMap<>();
            for (JobVertex v : jobGraph.getVertices()) {
                for (OperatorIDPair op : v.getOperatorIDs()) {
                    out.put(op.getUserDefinedOperatorUid(), v.getID().toString());
                }
            }
            return out;
        }
    }

    private Built build() throws Exception {
        Path internal = Files.createDirectories(tmp.resolve("internal"));
        ReconConfig config = ReconConfig.load(ENERGY, List.of("business_dates=[2026-11-20]", "internal.path=" + internal,
                "output.path=" + tmp.resolve("out"), "job.parallelism=2"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(ReconflowJob.flinkSettings(config));
        ReconflowJob.plug(env, config);
        StreamGraph streamGraph = env.getStreamGraph();
        return new Built(streamGraph, streamGraph.getJobGraph());
    }

    @Test
    void eachSideIsValidatedInItsSourcesTask() throws Exception {
        Map<String, String> vertex = build().vertexByUid();
        assertThat(vertex).containsKeys("internal-files", "validate-internal", "counterparty-batches", "route-fetch-tasks",
                "fetch-pages", "validate-counterparty");
        assertThat(vertex.get("validate-internal")).as("validation of our records runs in the file source's task")
                .isEqualTo(vertex.get("internal-files"));
        assertThat(List.of(vertex.get("counterparty-batches"), vertex.get("route-fetch-tasks"), vertex.get("fetch-pages")))
                .as("the counterparty source, the routing and the page fetch run in the task of the counterparty validation")
                .containsOnly(vertex.get("validate-counterparty"));
        assertThat(vertex.get("validate-internal")).isNotEqualTo(vertex.get("validate-counterparty"));
    }

    @Test
    void theSideFiltersRunInDeduplicationsTaskAndMatchWritesItsOwnResults() throws Exception {
        Map<String, String> vertex = build().vertexByUid();
        assertThat(vertex).containsKeys("internal-side", "counterparty-side", "deduplicate", "results-sink", "match",
                "results-sink-pass-secondary", "match-pass-secondary");
        assertThat(List.of(vertex.get("internal-side"), vertex.get("counterparty-side")))
                .containsOnly(vertex.get("deduplicate"));
        assertThat(vertex.get("results-sink")).isEqualTo(vertex.get("match"));
        assertThat(vertex.get("results-sink-pass-secondary")).isEqualTo(vertex.get("match-pass-secondary"));
    }

    /**
     * Every edge between two tasks: none carries a RawRecord, and validated records cross only into
     * keyed operators (the shuffles to deduplication and matching are needed).
     */
    @Test
    void noRawRecordCrossesATaskBoundaryAndValidRecordsOnlyShuffleByKey() throws Exception {
        Built built = build();
        Map<String, String> vertex = built.vertexByUid();
        List<String> crossing = new ArrayList<>();
        List<String> validUnkeyed = new ArrayList<>();
        for (StreamNode node : built.streamGraph().getStreamNodes()) {
            for (StreamEdge edge : node.getOutEdges()) {
                StreamNode target = built.streamGraph().getStreamNode(edge.getTargetId());
                if (vertex.get(node.getTransformationUID()).equals(vertex.get(target.getTransformationUID()))) {
                    continue;
                }
                Class<?> carried = carried(node, edge);
                String what = node.getOperatorName() + " -> " + target.getOperatorName() + " (" + carried.getSimpleName() + ")";
                crossing.add(what);
                if (carried == ValidRecord.class && !(edge.getPartitioner() instanceof KeyGroupStreamPartitioner)) {
                    validUnkeyed.add(what);
                }
            }
        }
        assertThat(crossing).as("edges between tasks").isNotEmpty()
                .noneMatch(e -> e.endsWith("(" + RawRecord.class.getSimpleName() + ")"))
                .anyMatch(e -> e.endsWith("(" + ValidRecord.class.getSimpleName() + ")"));
        assertThat(validUnkeyed).as("validated records between tasks without a keyBy").isEmpty();
    }

    /** The class of what an edge carries: its side output's type, or its source's output type. */
    private static Class<?> carried(StreamNode source, StreamEdge edge) {
        if (edge.getOutputTag() != null) {
            return edge.getOutputTag().getTypeInfo().getTypeClass();
        }
        TypeSerializer<?> out = source.getTypeSerializerOut();
        if (out instanceof AvroSerializer<?> avro) {
            return avro.getType();
        }
        Object instance = out.createInstance();
        return instance == null ? Object.class : instance.getClass();
    }
}
