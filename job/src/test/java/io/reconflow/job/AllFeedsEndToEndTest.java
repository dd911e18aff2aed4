package io.reconflow.job;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Side;
import io.reconflow.domain.feed.FieldKind;
import io.reconflow.domain.match.MatchStatus;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import io.reconflow.testkit.OutputQuery;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each reconciliation under {@code conf/recon/} (the five feeds of FEEDS.md, and any feed added as
 * the README's "Adding a feed" says), from nothing but its schema and its YAML: a
 * scenario with known truth (every outcome, secondary-key pairs, ambiguous groups, invalid records
 * on both sides, duplicates), the whole job on the MiniCluster against the counterparty simulator,
 * and every key, reject, count, type and batch checked against the truth through DuckDB.
 */
class AllFeedsEndToEndTest extends MiniClusterTestBase {

    @TempDir
    Path tmp;

    /** About 100 counterparty records and 90 of ours: small, yet every outcome and every reject code. */
    private static ScenarioSettings settings() {
        return new ScenarioSettings(29L, List.of(java.time.LocalDate.of(2026, 11, 20)), List.of("-"),
                40, 12, 14, 6, 6, 10, 6, 5, 2, 17).withPasses(6, 3);
    }

    /** The five feeds of FEEDS.md. */
    static final List<String> FEEDS = List.of("energy-confirmations", "supply-invoices", "rebate-claims",
            "meter-intervals", "broadcast-spots");

    /** Every reconciliation under conf/recon (a feed added as the README says is tested here without Java). */
    static List<String> reconciliations() throws IOException {
        try (Stream<Path> s = Files.list(RECON)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length())).sorted().toList();
            assertThat(names).containsAll(FEEDS);
            return names;
        }
    }

    private static final Path RECON = Path.of("../conf/recon");

    @ParameterizedTest(name = "{0}")
    @MethodSource("reconciliations")
    void everyKeyEndsAsTheTruthSaysAndEveryRecordIsAccountedFor(String recon) throws Exception {
        Path yaml = RECON.resolve(recon + ".yaml");
        FeedRun run = FeedRun.run(yaml, settings(), tmp, TOKEN_ENV, token(), MiniClusterTestBase::environment);
        assertThat(run.config.name()).isEqualTo(recon);
        boolean keyed = !run.config.matching().keyedPasses().isEmpty();
        if (FEEDS.contains(recon)) {
            assertThat(run.config.feed().name()).isEqualTo(recon);
            assertThat(keyed).as("the YAML has a secondary-key pass").isTrue();
        }

        Truth truth = run.truth;
        Set<MatchStatus> statuses = new TreeSet<>();
        truth.keys().values().forEach(k -> statuses.add(k.status()));
        Set<MatchStatus> all = new TreeSet<>(List.of(MatchStatus.values()));
        if (!keyed) {
            all.remove(MatchStatus.AMBIGUOUS);
        }
        assertThat(statuses).as("the scenario exercises every outcome").isEqualTo(all);
        if (keyed) {
            assertThat(truth.keys().values()).as("and secondary-key pairs")
                    .anyMatch(k -> k.matchType() == Truth.MatchType.SECONDARY);
        }

        run.checkEverything();

        try (OutputQuery q = new OutputQuery(run.out.toString())) {
            // Every reject code the feed's schema can earn shows up (10 invalid records, at most 9 codes).
            Map<Side, Set<String>> codes = run.rejectCodes(q);
            Set<String> expectedCodes = new TreeSet<>();
            truth.rejects().stream().filter(r -> r.side() == Side.COUNTERPARTY).forEach(r -> expectedCodes.add(r.code().name()));
            assertThat(codes.get(Side.COUNTERPARTY)).isEqualTo(expectedCodes)
                    .contains(ErrorCode.MISSING_FIELD.name(), ErrorCode.BAD_TYPE.name(), ErrorCode.BAD_DECIMAL.name(),
                            ErrorCode.DUPLICATE_CONFLICT.name(), ErrorCode.RECORD_UNPARSEABLE.name());
            for (io.reconflow.domain.feed.FieldSpec f : run.config.feed().fields()) {
                if (f.kind() == FieldKind.ENUM || f.allowedInts() != null) {
                    assertThat(codes.get(Side.COUNTERPARTY)).contains(ErrorCode.BAD_ENUM.name());
                }
                if (f.patternText() != null) {
                    assertThat(codes.get(Side.COUNTERPARTY)).contains(ErrorCode.BAD_FORMAT.name());
                }
                if (f.kind() == FieldKind.TIMESTAMP) {
                    assertThat(codes.get(Side.COUNTERPARTY)).contains(ErrorCode.BAD_TIMESTAMP.name());
                }
                if (f.kind() == FieldKind.DATE) {
                    assertThat(codes.get(Side.COUNTERPARTY)).contains(ErrorCode.BAD_DATE.name());
                }
            }
            if (!run.config.internal().format().name().equalsIgnoreCase("parquet")) {
                assertThat(codes).containsKey(Side.INTERNAL);
            }

            // Decimals of 18 and more significant digits went through files, HTTP, Avro, Parquet and DuckDB exactly.
            assertThat(run.wideDecimalsKeptExactly(q).values().stream().mapToInt(Integer::intValue).sum())
                    .as("the scenario has decimals of 18+ significant digits").isPositive();

            // An instant in the match key: the same instant written with other offsets is the same key, and matches.
            boolean timestampInKey = run.config.feed().matchKey().stream()
                    .anyMatch(f -> run.config.feed().field(f).kind() == FieldKind.TIMESTAMP);
            if (timestampInKey) {
                run.matchedKeysWrittenWithOtherOffsets(q).forEach((field, keys) ->
                        assertThat(keys).as("MATCHED keys whose %s was written with another offset", field).isNotEmpty());
            }
        }
    }
}
