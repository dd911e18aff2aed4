package io.reconflow.job.config;

import io.reconflow.job.ConfigException;
import io.reconflow.job.ReconConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Binding errors of the reconciliation YAML: each names the key at fault, in a file or in a --set override. */
class ConfigBindingTest {
    private static final Path RECON = Path.of("../conf/recon");
    private static final Path ENERGY = RECON.resolve("energy-confirmations.yaml");
    private static final String SCHEMA = "feed.schema="
            + Path.of("../schemas/src/main/avro/feeds/energy-confirmations.avsc").toAbsolutePath();

    @TempDir
    Path tmp;

    private static void refused(List<String> overrides, String message) {
        refused(ENERGY, overrides, message);
    }

    private static void refused(Path yaml, List<String> overrides, String message) {
        assertThatThrownBy(() -> ReconConfig.load(yaml, overrides))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }

    /** The energy YAML with {@code from} replaced by {@code to}, next to nothing (so the schema comes by path). */
    private Path energyWith(String from, String to) throws IOException {
        String text = Files.readString(ENERGY);
        assertThat(text).contains(from);
        Path yaml = tmp.resolve("edited.yaml");
        Files.writeString(yaml, text.replace(from, to));
        return yaml;
    }

    @Test
    void everyShippedReconciliationBinds() throws IOException {
        try (Stream<Path> files = Files.list(RECON)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertThat(yamls).hasSizeGreaterThanOrEqualTo(5);
            for (Path yaml : yamls) {
                assertThat(ReconConfig.load(yaml, List.of()).name()).as(yaml.toString())
                        .isEqualTo(yaml.getFileName().toString().replace(".yaml", ""));
            }
        }
    }

    @Test
    void anUnknownKeyAtTheTopLevelFailsNamingItAndTheKnownOnes() throws IOException {
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("colour=red")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("colour: unknown key; known here: name, feed, mode, continuous, business_dates, internal, "
                        + "counterparties, fetch, dedup, matching, output, ledger, job");
        refused(energyWith("business_dates:", "busness_dates:"), List.of(SCHEMA), "busness_dates: unknown key");
    }

    @Test
    void anUnknownKeyAtAnyDepthFailsNamingItsWholePath() throws IOException {
        refused(List.of("feed.matchkey=[trade_id]"), "feed.matchkey: unknown key");
        refused(List.of("internal.folder=/data"), "internal.folder: unknown key");
        refused(List.of("counterparties[0].url=http://x"), "counterparties[0].url: unknown key");
        refused(List.of("counterparties[0].fetch.circuit_breaker.probs=2"),
                "counterparties[0].fetch.circuit_breaker.probs: unknown key");
        refused(List.of("matching.rules[6].tolerence=0.1"), "matching.rules[6].tolerence: unknown key");
        refused(List.of("matching.threshold=1"), "matching.threshold: unknown key");
        refused(List.of("dedup.ttl_days=3"), "dedup.ttl_days: unknown key");
        refused(List.of("output.bucket=b"), "output.bucket: unknown key");
        refused(List.of("ledger.jdbc_uri=jdbc:postgresql://db/recon"), "ledger.jdbc_uri: unknown key");
        refused(List.of("job.paralelism=2"), "job.paralelism: unknown key");
        // A bounded run ignores the continuous block's meaning, but not a typo in it.
        refused(List.of("continuous.calendar.weekdays=[MON]"), "continuous.calendar.weekdays: unknown key");
        // In a file too, not only in overrides.
        refused(energyWith("    token_env:", "    token_en:"), List.of(SCHEMA), "counterparties[0].token_en: unknown key");
        refused(energyWith("  backoff_max: PT10S", "  backoff_max: PT10S\n  rate_limit: {burts: 3}"), List.of(SCHEMA),
                "fetch.rate_limit.burts: unknown key; known here: ");
    }

    @Test
    void aValueOfTheWrongTypeFailsNamingTheKeyAndWhatItMustBe() throws IOException {
        refused(List.of("fetch.capacity=lots"), "fetch.capacity: must be a whole number, not 'lots'");
        refused(List.of("fetch.capacity=99999999999"), "fetch.capacity: must be a whole number up to 2147483647");
        refused(List.of("fetch.max_attempts=1.5"), "fetch.max_attempts: must be a whole number");
        refused(List.of("fetch.max_body_bytes=[1]"), "fetch.max_body_bytes: must be a whole number");
        refused(List.of("job.parallelism=true"), "job.parallelism: must be a whole number");
        refused(List.of("fetch.capacity="), "fetch.capacity: must be a whole number");
        refused(List.of("matching.passes[0].tolerances=maybe"), "matching.passes[0].tolerances: must be true or false, not 'maybe'");
        refused(List.of("matching.rules[6].tolerance=abc"), "matching.rules[6].tolerance: must be a decimal number, not 'abc'");
        refused(List.of("fetch.rate_limit.requests_per_second=fast"), "fetch.rate_limit.requests_per_second: must be a decimal number");
        refused(List.of("fetch.deadline={minutes: 2}"), "fetch.deadline: must be a duration");
        refused(List.of("dedup.ttl=a week"), "dedup.ttl: 'a week' is not a duration (PT5S, P2D, 500ms, 5s, 2m, 1h, 7d)");
        refused(List.of("business_dates=[2026-11-20, tomorrow]"), "business_dates[1]: 'tomorrow' is not a YYYY-MM-DD date");
        refused(List.of("feed.match_key=trade_id"), "feed.match_key: must be a list");
        refused(List.of("counterparties={name: x}"), "counterparties: must be a list");
        refused(List.of("feed=energy"), "feed: must be a mapping");
        refused(List.of("matching.rules[0]=opposite"), "matching.rules[0]: must be a mapping");
        refused(List.of("name=[a, b]"), "name: must be a single value");
        refused(List.of("matching.rules[0].opposites={BUY: [SELL]}"), "matching.rules[0].opposites.BUY: must be a single value");
        refused(energyWith("  capacity: 16", "  capacity: sixteen"), List.of(SCHEMA), "fetch.capacity: must be a whole number, not 'sixteen'");
    }

    @Test
    void aMissingRequiredKeyFailsNamingIt() throws IOException {
        refused(List.of("name=~"), "name: is required");
        refused(List.of("feed.schema=~"), "feed.schema: is required");
        refused(List.of("feed.match_key=~"), "feed.match_key: is required");
        refused(List.of("feed.match_key=[trade_id, ~]"), "feed.match_key[1]: is required");
        refused(List.of("internal.format=~"), "internal.format: is required");
        refused(List.of("counterparties[0].token_env=~"), "counterparties[0].token_env: is required");
        refused(List.of("matching.rules[2].field=~"), "matching.rules[2].field: is required");
        refused(List.of("matching.rules[6].tolerance=~"), "matching.rules[6].tolerance: is required");
        refused(List.of("matching.passes[1].name=~"), "matching.passes[1].name: is required");
        refused(List.of("output.path=\"\""), "output.path: must not be empty");
        refused(energyWith("output:\n  path: out\n", ""), List.of(SCHEMA), "output: is required");
        refused(energyWith("business_dates: [2026-11-20]\n", ""), List.of(SCHEMA), "business_dates: is required");
        refused(energyWith("  path: data/internal/energy-confirmations/business_date={business_date}\n", ""),
                List.of(SCHEMA), "internal.path: is required");
    }

    @Test
    void aKeySetTwiceFailsNamingIt() throws IOException {
        refused(energyWith("  capacity: 16", "  capacity: 16\n  capacity: 32"), List.of(SCHEMA), "fetch.capacity: is set twice");
        refused(energyWith("    token_env:", "    name: other\n    token_env:"), List.of(SCHEMA), "counterparties[0].name: is set twice");
        refused(energyWith("name: energy-confirmations\n", "name: energy-confirmations\nname: energy\n"), List.of(SCHEMA),
                "name: is set twice");
    }

    @Test
    void keysLeftOutTakeTheirDocumentedDefaults() {
        ReconConfig c = ReconConfig.load(ENERGY, List.of("dedup={}", "job={}", "ledger={}"));
        assertThat(c.dedupTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(c.matchGrace()).isEqualTo(Duration.ofDays(1));
        assertThat(c.job()).isEqualTo(new ReconConfig.Job(1, Duration.ofSeconds(5)));
        assertThat(c.ledger()).isNull();
        ReconConfig.Ledger ledger = ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=jdbc:postgresql://db/recon")).ledger();
        assertThat(ledger).isEqualTo(new ReconConfig.Ledger("jdbc:postgresql://db/recon", "RECONFLOW_JDBC_USER",
                "RECONFLOW_JDBC_PASSWORD", 500, Duration.ofSeconds(1), 5, Duration.ofSeconds(60)));
        assertThat(ReconConfig.load(ENERGY, List.of("dedup.ttl=36h", "job.checkpoint_interval=500ms")))
                .satisfies(s -> assertThat(s.dedupTtl()).isEqualTo(Duration.ofHours(36)))
                .satisfies(s -> assertThat(s.job().checkpointInterval()).isEqualTo(Duration.ofMillis(500)));
    }
}
