package io.reconflow.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReconConfigTest {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");

    @TempDir
    Path tmp;

    @Test
    void shippedEnergyConfigurationLoads() {
        ReconConfig c = ReconConfig.load(ENERGY, List.of());
        assertThat(c.name()).isEqualTo("energy-confirmations");
        assertThat(c.feed().matchKey()).containsExactly("trade_id");
        assertThat(c.feed().controlField()).isEqualTo("volume_mwh");
        assertThat(c.matching().rules()).hasSize(9);
        assertThat(c.matching().passes()).extracting(p -> p.name()).containsExactly("exact", "tolerance");
        assertThat(c.counterparties()).singleElement().satisfies(cp -> assertThat(cp.tokenEnv()).isEqualTo("RECONFLOW_TOKEN_NORTHPOOL"));
        assertThat(c.internal().folder(LocalDate.parse("2026-11-20")))
                .isEqualTo("data/internal/energy-confirmations/business_date=2026-11-20");
    }

    @Test
    void anyKeyCanBeOverriddenFromTheCommandLine() {
        ReconConfig c = ReconConfig.load(ENERGY, List.of(
                "fetch.capacity=32",
                "fetch.request_timeout=2s",
                "business_dates=[2026-11-19, 2026-11-20]",
                "counterparties[0].base_url=http://127.0.0.1:9999/",
                "matching.rules.6.tolerance=0.5",
                "output.path=/tmp/out"));
        assertThat(c.fetch().capacity()).isEqualTo(32);
        assertThat(c.fetch().requestTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.businessDates()).containsExactly(LocalDate.parse("2026-11-19"), LocalDate.parse("2026-11-20"));
        assertThat(c.counterparties().get(0).baseUrl()).isEqualTo("http://127.0.0.1:9999");
        assertThat(c.matching().rules().get(6).tolerance()).isEqualByComparingTo("0.5");
        assertThat(c.outputPath()).isEqualTo("/tmp/out");
    }

    @Test
    void badValuesAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.capacity=0")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("fetch.capacity:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.capacty=3")))
                .hasMessageStartingWith("fetch.capacty: unknown key");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("business_dates=[2026-13-01]")))
                .hasMessageStartingWith("business_dates[0]:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].base_url=ftp://x")))
                .hasMessageStartingWith("counterparties[0].base_url:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].token_env=my token")))
                .hasMessageStartingWith("counterparties[0].token_env:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.rules[0].rule=fuzzy")))
                .hasMessageStartingWith("matching.rules[0].rule:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.rules[0].field=colour")))
                .hasMessageStartingWith("matching:").hasMessageContaining("colour");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("feed.match_key=[trade_no]")))
                .hasMessageStartingWith("feed:").hasMessageContaining("trade_no");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("internal.format=xlsx")))
                .hasMessageStartingWith("internal.format:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("feed.schema=nowhere.avsc")))
                .hasMessageStartingWith("feed.schema:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.rules[8].window=soon")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("matching.rules[8].window:");
    }

    @Test
    void severalDatesNeedAPlaceholderInTheInternalPath() throws Exception {
        Path yaml = tmp.resolve("r.yaml");
        Files.writeString(yaml, Files.readString(ENERGY).replace("business_date={business_date}", "fixed"));
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("business_dates=[2026-11-19, 2026-11-20]",
                "feed.schema=" + Path.of("../schemas/src/main/avro/feeds/energy-confirmations.avsc").toAbsolutePath())))
                .hasMessageStartingWith("internal.path:");
    }
}
