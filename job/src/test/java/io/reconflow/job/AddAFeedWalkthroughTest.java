package io.reconflow.job;

import io.reconflow.domain.feed.FieldSpec;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioGenerator;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "Adding a feed", followed as written with the very files it shows (kept as test
 * resources under {@code walkthrough/}): a sixth feed, fx-settlements, from a schema and a YAML and
 * no Java, generated, reconciled end to end and checked against its truth.
 */
class AddAFeedWalkthroughTest extends MiniClusterTestBase {
    private static final String FEED = "fx-settlements";
    private static final String SCHEMA_PATH = "schemas/src/main/avro/feeds/" + FEED + ".avsc";
    private static final String YAML_PATH = "conf/recon/" + FEED + ".yaml";

    @TempDir
    Path tmp;

    private static String resource(String name) throws IOException {
        try (InputStream in = AddAFeedWalkthroughTest.class.getClassLoader().getResourceAsStream("walkthrough/" + name)) {
            assertThat(in).as("test resource walkthrough/%s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The README's "Adding a feed" section. */
    private static String section() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int start = readme.indexOf("\n## Adding a feed\n");
        assertThat(start).as("README has a section \"Adding a feed\"").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** The first fenced code block after {@code marker} in {@code text}. */
    private static String blockAfter(String text, String marker) {
        int at = text.indexOf(marker);
        assertThat(at).as("the walkthrough mentions %s", marker).isNotNegative();
        Matcher m = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL).matcher(text);
        assertThat(m.find(at)).as("a code block follows %s", marker).isTrue();
        return m.group(1);
    }

    @Test
    void theReadmeShowsExactlyTheseFilesAndTheCommandThatRunsThem() throws IOException {
        String section = section();
        assertThat(blockAfter(section, "`" + SCHEMA_PATH + "`")).isEqualTo(resource(FEED + ".avsc"));
        assertThat(blockAfter(section, "`" + YAML_PATH + "`")).isEqualTo(resource(FEED + ".yaml"));
        assertThat(section).contains("./reconflow demo --feed " + FEED);
    }

    @Test
    void followingTheWalkthroughAddsAFeedThatRunsEndToEnd() throws Exception {
        // Steps 1 and 2: the schema and the YAML, where the walkthrough puts them.
        Path checkout = tmp.resolve("checkout");
        Path schema = checkout.resolve(SCHEMA_PATH);
        Path yaml = checkout.resolve(YAML_PATH);
        Files.createDirectories(schema.getParent());
        Files.createDirectories(yaml.getParent());
        Files.writeString(schema, resource(FEED + ".avsc"));
        Files.writeString(yaml, resource(FEED + ".yaml"));
        // The launcher's build puts the schema into the job jar as feeds/fx-settlements.avsc, where the
        // YAML's feed.schema finds it; this test has no such build, so it names the same file by path.
        List<String> schemaByPath = List.of("feed.schema=" + schema);

        ReconConfig config = ReconConfig.load(yaml, schemaByPath);
        assertThat(config.name()).isEqualTo(FEED);
        assertThat(config.feed().fields()).extracting(FieldSpec::name)
                .containsExactly("settlement_id", "currency_pair", "direction", "value_date", "amount", "settled_at");
        assertThat(config.matching().passes()).hasSize(3);
        assertThat(config.matching().keyedPasses().get(0).key()).containsExactly("currency_pair", "value_date", "amount");

        // Step 3, what `./reconflow demo --feed fx-settlements` does first: a demo-sized scenario with known truth.
        List<String> counterparties = config.counterparties().stream().map(c -> c.name()).toList();
        Scenario demo = ScenarioGenerator.generate(config.feed(), config.matching(), ScenarioSettings.demo()
                .withBusinessDates(config.businessDates()).withCounterparties(counterparties));
        Map<MatchStatus, Long> counts = demo.truth().statusCounts();
        assertThat(counts.values()).allMatch(n -> n > 0);
        assertThat(demo.truth().totals().counterpartyServed()).isGreaterThan(1_000);

        // ... and then the job, end to end, checked against the truth (smaller, to stay quick).
        ScenarioSettings small = new ScenarioSettings(41L, config.businessDates(), counterparties,
                30, 10, 12, 5, 5, 9, 6, 4, 2, 13).withPasses(4, 2);
        FeedRun run = FeedRun.run(yaml, schemaByPath, small, tmp.resolve("run"), TOKEN_ENV, token(),
                MiniClusterTestBase::environment);
        Set<MatchStatus> statuses = new TreeSet<>();
        run.truth.keys().values().forEach(k -> statuses.add(k.status()));
        assertThat(statuses).containsExactlyInAnyOrder(MatchStatus.values());
        assertThat(run.truth.keys().values()).anyMatch(k -> k.matchType() == Truth.MatchType.SECONDARY);
        run.checkEverything();
    }

    /**
     * The "no feed-specific code": no Java source of the job or the operators names a feed
     * (but the command line's default, energy-confirmations) or one of the feeds' fields.
     */
    @Test
    void noJavaNamesAFeedOrItsFields() throws IOException {
        Set<String> names = new TreeSet<>();
        Set<String> fields = new TreeSet<>();
        List<Path> yamls = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("../conf/recon"))) {
            s.filter(p -> p.toString().endsWith(".yaml")).forEach(yamls::add);
        }
        for (Path y : yamls) {
            ReconConfig c = ReconConfig.load(y, List.of());
            names.add(c.feed().name());
            c.feed().fields().forEach(f -> fields.add(f.name()));
        }
        names.add(FEED);
        Path schema = tmp.resolve(FEED + ".avsc");
        Files.writeString(schema, resource(FEED + ".avsc"));
        Path yaml = tmp.resolve(FEED + ".yaml");
        Files.writeString(yaml, resource(FEED + ".yaml"));
        ReconConfig.load(yaml, List.of("feed.schema=" + schema)).feed().fields().forEach(f -> fields.add(f.name()));
        assertThat(names).hasSizeGreaterThanOrEqualTo(6);
        // Field names with an underscore are the feeds' own; plain words (sku, rate, side) are also the job's vocabulary.
        fields.removeIf(f -> !f.contains("_"));
        names.remove("energy-confirmations");

        List<String> found = new ArrayList<>();
        for (String root : List.of("../job/src/main/java", "../operators/src/main/java")) {
            try (Stream<Path> s = Files.walk(Path.of(root))) {
                for (Path p : s.filter(x -> x.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(p);
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i).trim();
                        if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
                            continue; // documentation may give examples
                        }
                        for (String word : concat(names, fields)) {
                            if (Pattern.compile("\\b" + Pattern.quote(word) + "\\b").matcher(line).find()) {
                                found.add(p + ":" + (i + 1) + " names " + word);
                            }
                        }
                    }
                }
            }
        }
        assertThat(found).isEmpty();
    }

    private static List<String> concat(Set<String> a, Set<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
