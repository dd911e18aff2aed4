package io.reconflow.job;

import io.reconflow.events.BatchOutcome;
import io.reconflow.events.Reject;
import io.reconflow.domain.feed.AvroSchemas;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.operators.sink.ParquetSinks;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator uids the README promises for savepoint compatibility are exactly the job's. */
class OperatorUidsTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final Path README = Path.of("../README.md");
    private static final String LEDGER_MARK = "with a ledger";
    private static final String COMMITTER = "Sink Committer: ";

    @TempDir
    Path tmp;

    /**
     * The README's list for a configuration: the uids before "with a ledger" (index 0) and after it
     * (index 1), {@code <name>} standing for each keyed pass's name.
     */
    static List<Set<String>> promised(ReconConfig config) throws Exception {
        String text = Files.readString(README);
        int start = text.indexOf("Operator uids, for savepoint compatibility:");
        assertThat(start).as("the README lists the operator uids").isNotNegative();
        String paragraph = text.substring(start, text.indexOf("\n\n", start));
        int ledger = paragraph.indexOf(LEDGER_MARK);
        assertThat(ledger).as("the README lists the ledger's uids apart").isPositive();
        List<String> passes = config.matching().keyedPasses().stream().map(MatchPass::name).toList();
        return List.of(backticked(paragraph.substring(0, ledger), passes), backticked(paragraph.substring(ledger), passes));
    }

    private static Set<String> backticked(String text, List<String> passNames) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("`([a-z0-9<>-]+)`").matcher(text);
        while (m.find()) {
            String uid = m.group(1);
            if (uid.contains("<name>")) {
                passNames.forEach(name -> out.add(uid.replace("<name>", name)));
            } else {
                out.add(uid);
            }
        }
        return out;
    }

    /** The uid of every node of the job built for {@code config}, as ReconflowJob builds it. */
    private static Set<String> uids(ReconConfig config, boolean plug) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(ReconflowJob.flinkSettings(config));
        if (plug) {
            ReconflowJob.plug(env, config);
        } else {
            // What plug builds, less its check of the ledger database (none runs here).
            ReconPipeline.assemble(config, Sources.internalFiles(env, config), Sources.counterpartyBatches(env, config),
                    new ReconPipeline.Sinks(
                            ParquetSinks.generic(config.resultsPath(), AvroSchemas.result(config.feed())),
                            ParquetSinks.specific(config.rejectsPath(), Reject.class),
                            ParquetSinks.specific(config.batchesPath(), BatchOutcome.class),
                            config.ledger().sinks()));
        }
        Set<String> out = new TreeSet<>();
        for (StreamNode n : env.getStreamGraph().getStreamNodes()) {
            assertThat(n.getTransformationUID()).as("uid of %s", n.getOperatorName()).isNotNull();
            out.add(n.getTransformationUID());
        }
        return out;
    }

    private ReconConfig config(String... more) throws Exception {
        Path internal = Files.createDirectories(tmp.resolve("internal"));
        List<String> sets = new ArrayList<>(List.of("business_dates=[2026-11-20]", "internal.path=" + internal,
                "output.path=" + tmp.resolve("out")));
        sets.addAll(List.of(more));
        return ReconConfig.load(ENERGY, sets);
    }

    /** A sink's writer keeps the sink's uid; the committer Flink adds to it is "Sink Committer: " and that uid. */
    private static Set<String> declared(Set<String> graphUids) {
        Set<String> out = new TreeSet<>();
        for (String uid : graphUids) {
            out.add(uid.startsWith(COMMITTER) ? uid.substring(COMMITTER.length()) : uid);
        }
        return out;
    }

    @Test
    void withoutALedgerTheJobHasExactlyTheReadmesUids() throws Exception {
        ReconConfig config = config();
        Set<String> promised = promised(config).get(0);
        assertThat(promised).contains("counterparty-batches", "match", "match-pass-secondary", "results-sink");
        assertThat(declared(uids(config, true))).isEqualTo(promised);
    }

    @Test
    void withALedgerTheJobAddsExactlyTheReadmesLedgerUids() throws Exception {
        ReconConfig config = config("ledger.jdbc_url=jdbc:postgresql://127.0.0.1:1/recon");
        Set<String> all = new TreeSet<>(promised(config).get(0));
        all.addAll(promised(config).get(1));
        assertThat(promised(config).get(1)).isNotEmpty();
        Set<String> uids = uids(config, false);
        assertThat(declared(uids)).isEqualTo(all);
    }
}
