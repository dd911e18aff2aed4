package io.reconflow.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.reconflow.operators.fetch.FetchSettings;

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
        assertThat(c.matching().passes()).extracting(p -> p.name()).containsExactly("exact", "tolerance", "secondary");
        assertThat(c.matching().passes().get(2).key()).containsExactly("counterparty_id", "delivery_point", "delivery_start", "delivery_end");
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
    void thePauseSwitchIsAFileReadEveryPausePoll() {
        assertThat(ReconConfig.load(ENERGY, List.of()).pause()).isNull();
        ReconConfig c = ReconConfig.load(ENERGY, List.of("fetch.pause_file=/shared/reconflow/pause"));
        assertThat(c.pause()).isEqualTo(new io.reconflow.operators.fetch.PauseFileWatcher.Settings("/shared/reconflow/pause", Duration.ofSeconds(5)));
        assertThat(ReconConfig.load(ENERGY, List.of("fetch.pause_file=s3://b/pause", "fetch.pause_poll=1s")).pause().poll())
                .isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.pause_poll=1s")))
                .hasMessage("fetch.pause_poll: has no effect without fetch.pause_file");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.pause_file=/p", "fetch.pause_poll=10ms")))
                .hasMessage("fetch.pause_poll: must be at least 100ms");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].fetch.pause_file=/p")))
                .hasMessageStartingWith("counterparties[0].fetch.pause_file: unknown key");
    }

    @Test
    void severalDatesNeedAPlaceholderInTheInternalPath() throws Exception {
        Path yaml = tmp.resolve("r.yaml");
        Files.writeString(yaml, Files.readString(ENERGY).replace("business_date={business_date}", "fixed"));
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("business_dates=[2026-11-19, 2026-11-20]",
                "feed.schema=" + Path.of("../schemas/src/main/avro/feeds/energy-confirmations.avsc").toAbsolutePath())))
                .hasMessageStartingWith("internal.path:");
    }

    @Test
    void fetchSettingsDefaultSensiblyAndEachCounterpartyMayOverrideAnyOfThemButCapacity() {
        ReconConfig plain = ReconConfig.load(ENERGY, List.of("fetch={}"));
        FetchSettings d = FetchSettings.defaults();
        assertThat(plain.fetch()).isEqualTo(d);
        assertThat(d.deadline()).isEqualTo(Duration.ofMinutes(2));
        assertThat(d.maxBodyBytes()).isEqualTo(64L * 1024 * 1024);
        assertThat(plain.counterparties().get(0).settings(plain.fetch())).isEqualTo(d);

        ReconConfig c = ReconConfig.load(ENERGY, List.of(
                "fetch.max_attempts=9",
                "fetch.max_in_flight=6",
                "fetch.max_in_flight_total=12",
                "fetch.circuit_breaker.failure_rate=40",
                "counterparties[0].fetch.max_in_flight=2",
                "counterparties[0].fetch.deadline=5m",
                "counterparties[0].fetch.rate_limit={requests_per_second: 2.5, burst: 3}",
                "counterparties[0].fetch.circuit_breaker.open_for=1s"));
        FetchSettings global = c.fetch();
        FetchSettings own = c.counterparties().get(0).settings(global);
        assertThat(global.maxAttempts()).isEqualTo(9);
        assertThat(global.maxInFlight()).isEqualTo(6);
        assertThat(own.maxAttempts()).as("inherited from fetch").isEqualTo(9);
        assertThat(own.maxInFlight()).isEqualTo(2);
        assertThat(own.deadline()).isEqualTo(Duration.ofMinutes(5));
        assertThat(own.requestsPerSecond()).isEqualTo(2.5);
        assertThat(own.burst()).isEqualTo(3);
        assertThat(own.circuit()).isEqualTo(new FetchSettings.Circuit(40, d.circuit().minRequests(),
                d.circuit().window(), Duration.ofSeconds(1), d.circuit().probes()));
        assertThat(own.capacity()).isEqualTo(global.capacity());
        assertThat(own.maxInFlightTotal()).isEqualTo(12);
        // The async operators wait longer than the longest request deadline, waits and retries included.
        assertThat(c.fetchOperatorTimeout()).isGreaterThan(own.deadline());
        assertThat(plain.fetchOperatorTimeout()).isGreaterThan(d.deadline());
    }

    @Test
    void badFetchSettingsAreRejectedNamingTheKey() {
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].fetch.capacity=3")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("counterparties[0].fetch.capacity: unknown key");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].fetch.max_in_flight_total=3")))
                .hasMessageStartingWith("counterparties[0].fetch.max_in_flight_total: unknown key");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].fetch.max_in_flight=0")))
                .hasMessageStartingWith("counterparties[0].fetch.max_in_flight:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("counterparties[0].fetch.deadline=1s")))
                .hasMessageStartingWith("counterparties[0].fetch.deadline:").hasMessageContaining("request_timeout");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.circuit_breaker.failure_rate=150")))
                .hasMessageStartingWith("fetch.circuit_breaker.failure_rate:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.circuit_breaker.open_for=0s")))
                .hasMessageStartingWith("fetch.circuit_breaker.open_for:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.rate_limit.requests_per_second=0")))
                .hasMessageStartingWith("fetch.rate_limit.requests_per_second:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.rate_limit.brust=3")))
                .hasMessageStartingWith("fetch.rate_limit.brust: unknown key");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.backoff_max=10ms")))
                .hasMessageStartingWith("fetch.backoff_max:");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.request_timeout=0s")))
                .hasMessageStartingWith("fetch.request_timeout:");
    }

    @Test
    void maxPagesDefaultsToAHundredThousandAndMayBeSetGloballyOrPerCounterparty() {
        ReconConfig plain = ReconConfig.load(ENERGY, List.of());
        assertThat(plain.fetch().maxPages()).isEqualTo(100_000);

        ReconConfig c = ReconConfig.load(ENERGY, List.of("fetch.max_pages=500", "counterparties[0].fetch.max_pages=20"));
        assertThat(c.fetch().maxPages()).isEqualTo(500);
        assertThat(c.counterparties().get(0).settings(c.fetch()).maxPages()).isEqualTo(20);

        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("fetch.max_pages=0")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("fetch.max_pages:");
    }

    @Test
    void passesAreCheckedNamingWhatIsWrong() {
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.passes[2].key=[colour]")))
                .hasMessageStartingWith("matching:").hasMessageContaining("colour");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.passes[2].rules=[price_per_unit]")))
                .hasMessageStartingWith("matching:").hasMessageContaining("price_per_unit");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.passes[0].key=[delivery_point]")))
                .hasMessageStartingWith("matching:").hasMessageContaining("first pass");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.passes[1].name=exact")))
                .hasMessageStartingWith("matching:").hasMessageContaining("name of its own");
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("matching.passes[2].colour=red")))
                .hasMessageStartingWith("matching.passes[2].colour: unknown key");
    }

    @Test
    void theLedgerRidesOutAMinuteOfDatabaseOutageUnlessToldOtherwise() {
        ReconConfig.Ledger plain = ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=jdbc:postgresql://db/recon")).ledger();
        assertThat(plain.outagePatience()).isEqualTo(Duration.ofSeconds(60));
        assertThat(plain.maxRetries()).isEqualTo(5);
        ReconConfig.Ledger set = ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=jdbc:postgresql://db/recon",
                "ledger.outage_patience=5m")).ledger();
        assertThat(set.outagePatience()).isEqualTo(Duration.ofMinutes(5));
        assertThat(set.sinks().outagePatience()).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> ReconConfig.load(ENERGY, List.of("ledger.jdbc_url=jdbc:postgresql://db/recon",
                "ledger.outage_patience=0s")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("ledger.outage_patience: must be longer than zero");
    }

    private static Path continuousYaml(Path tmp, String block) throws java.io.IOException {
        Path yaml = tmp.resolve("continuous.yaml");
        java.nio.file.Files.writeString(yaml, java.nio.file.Files.readString(ENERGY)
                .replace("business_dates: [2026-11-20]", "mode: continuous\n" + block));
        return yaml;
    }

    @Test
    void continuousModeReadsItsCalendarAndChecksIt(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path yaml = continuousYaml(tmp, """
                continuous:
                  calendar: {time_zone: Europe/London, open_at: "06:00", days: [MON, TUE, WED, THU, FRI], first_date: 2026-11-23, lookback_days: 3}
                  open_on_internal_folder: true
                  manifest_poll: 5m
                """);
        ReconConfig c = ReconConfig.load(yaml, List.of());
        assertThat(c.isContinuous()).isTrue();
        assertThat(c.businessDates()).isEmpty();
        ContinuousConfig k = c.continuous();
        assertThat(k.timeZone()).isEqualTo(java.time.ZoneId.of("Europe/London"));
        assertThat(k.openAt()).isEqualTo(java.time.LocalTime.of(6, 0));
        assertThat(k.days()).containsExactly(java.time.DayOfWeek.MONDAY, java.time.DayOfWeek.TUESDAY,
                java.time.DayOfWeek.WEDNESDAY, java.time.DayOfWeek.THURSDAY, java.time.DayOfWeek.FRIDAY);
        assertThat(k.firstDate()).isEqualTo(java.time.LocalDate.parse("2026-11-23"));
        assertThat(k.lookbackDays()).isEqualTo(3);
        assertThat(k.openOnInternalFolder()).isTrue();
        assertThat(k.manifestPoll()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(k.folderPoll()).isEqualTo(java.time.Duration.ofMinutes(1));
        assertThat(k.stateTtl()).isEqualTo(c.matchGrace().plusDays(2));
        assertThat(ContinuousConfig.folders(c.internal().pathPattern()).prefix()).isEqualTo("business_date=");

        // The same YAML runs bounded for a backfill: the continuous block is then ignored.
        ReconConfig backfill = ReconConfig.load(yaml, List.of("mode=bounded", "business_dates=[2026-11-19]"));
        assertThat(backfill.isContinuous()).isFalse();
        assertThat(backfill.businessDates()).containsExactly(java.time.LocalDate.parse("2026-11-19"));
        assertThat(ReconConfig.load(ENERGY, List.of()).isContinuous()).isFalse();

        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("business_dates=[2026-11-19]")))
                .hasMessageStartingWith("business_dates: is for bounded runs");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("mode=streaming")))
                .hasMessageStartingWith("mode: must be bounded or continuous");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("continuous.calendar.days=[MON, FUNDAY]")))
                .hasMessageStartingWith("continuous.calendar.days[1]: 'FUNDAY' is not one of the days");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("continuous.calendar.open_at=25:00")))
                .hasMessageStartingWith("continuous.calendar.open_at: '25:00' is not a time of day");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("continuous.calendar.time_zone=Mars/Olympus")))
                .hasMessageStartingWith("continuous.calendar.time_zone: is not a time zone");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("continuous.manifest_poll=10ms")))
                .hasMessageStartingWith("continuous.manifest_poll: must be at least 100ms");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("continuous.state_ttl=PT1H")))
                .hasMessageStartingWith("continuous.state_ttl: must be longer than a date stays open");
        assertThatThrownBy(() -> ReconConfig.load(yaml, List.of("internal.path=/data/{business_date}/ours")))
                .hasMessageStartingWith("internal.path: must end in a folder named with {business_date}");
        assertThatThrownBy(() -> ReconConfig.load(continuousYaml(tmp, "continuous: {manifest_poll: 5m}\n"), List.of()))
                .hasMessageStartingWith("continuous: opens no business date");
    }
}
