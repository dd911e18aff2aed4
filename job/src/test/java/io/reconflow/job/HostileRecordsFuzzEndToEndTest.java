package io.reconflow.job;

import io.reconflow.sim.MalformedRecords;
import io.reconflow.sim.ScenarioSettings;
import io.reconflow.sim.Truth;
import io.reconflow.testkit.OutputQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten thousand malformed records of every hostile kind, a seeded random mix spliced between the
 * valid records of a counterparty's pages and served by the simulator (with its usual transient
 * faults): the job must not fail, must reject each malformed record alone with the code its kind
 * calls for (known from what was injected, not asked of the validator), must still reconcile every
 * valid record as the truth says, keep fetched = valid + rejected exact and every batch complete,
 * and write rejects no larger than what was sent.
 */
class HostileRecordsFuzzEndToEndTest extends MiniClusterTestBase {
    private static final Path ENERGY = Path.of("../conf/recon/energy-confirmations.yaml");
    private static final int MALFORMED = 10_000;
    private static final int MAX_RAW = 65_536;
    private static final int MAX_MESSAGE = 1_024;

    @TempDir
    Path tmp;

    @Test
    void tenThousandMalformedRecordsAreEachRejectedAloneWithTheirCodeAndNothingElseIsLost() throws Exception {
        ScenarioSettings settings = new ScenarioSettings(91L, List.of(LocalDate.parse("2026-11-20")), List.of("any"),
                300, 30, 30, 15, 15, 8, 4, 6, 2, 20, 6, 2);
        AtomicReference<MalformedRecords.Injection> injection = new AtomicReference<>();
        FeedRun run = FeedRun.run(ENERGY, List.of(), settings, tmp, TOKEN_ENV, token(), MiniClusterTestBase::environment,
                (config, scenario) -> {
                    injection.set(MalformedRecords.inject(scenario, config.feed(), MALFORMED, 4242L));
                    return injection.get().scenario();
                });
        List<MalformedRecords.Injected> injected = injection.get().injected();

        // The mix holds every kind, spread over every page.
        Map<MalformedRecords.Kind, Integer> kinds = new EnumMap<>(MalformedRecords.Kind.class);
        injected.forEach(i -> kinds.merge(i.kind(), 1, Integer::sum));
        assertThat(kinds).containsOnlyKeys(MalformedRecords.Kind.values());
        assertThat(injected.stream().map(MalformedRecords.Injected::page).distinct().count())
                .isEqualTo(run.scenario.batches().get(0).pages().size());

        try (OutputQuery q = new OutputQuery(run.out.toString())) {
            // Every valid record reconciled as the truth says; fetched = valid + rejected, exact; batches whole.
            run.checkRows(q);
            run.checkAccounting(q);
            run.checkBatches(q);

            Map<String, MalformedRecords.Injected> bySha = new HashMap<>();
            for (MalformedRecords.Injected i : injected) {
                assertThat(bySha.put(sha256(i.stored()), i)).as("injected records are distinct").isNull();
            }
            List<Truth.ExpectedReject> generated = new ArrayList<>(run.truth.rejects().stream()
                    .filter(r -> r.side() == io.reconflow.events.Side.COUNTERPARTY && !bySha.containsKey(sha256(r.raw())))
                    .toList());
            int matched = 0;
            for (List<Object> r : q.rows("SELECT error_code, field, raw, raw_truncated, raw_sha256, page, message "
                    + "FROM rejects WHERE side = 'COUNTERPARTY'")) {
                assertThat(r.get(6).toString()).hasSizeLessThanOrEqualTo(MAX_MESSAGE);
                MalformedRecords.Injected i = bySha.remove((String) r.get(4));
                if (i == null) {
                    // One of the scenario's own invalid records.
                    Truth.ExpectedReject e = generated.stream().filter(g -> g.code().name().equals(r.get(0))
                            && g.raws().contains((String) r.get(2))).findFirst().orElse(null);
                    assertThat(e).as("unexpected reject %s", r).isNotNull();
                    generated.remove(e);
                    continue;
                }
                matched++;
                String described = i.kind() + " " + abbreviate(i.stored());
                assertThat(r.get(0)).as("code of %s", described).isEqualTo(i.code().name());
                assertThat(r.get(1)).as("field of %s", described).isEqualTo(i.field());
                assertThat(((Number) r.get(5)).intValue()).as("page of %s", described).isEqualTo(i.page());
                boolean cut = i.stored().length() > MAX_RAW;
                assertThat(r.get(3)).as("raw_truncated of %s", described).isEqualTo(cut);
                assertThat(r.get(2)).as("raw of %s", described)
                        .isEqualTo(cut ? i.stored().substring(0, MAX_RAW) : i.stored());
            }
            assertThat(matched).isEqualTo(MALFORMED);
            assertThat(bySha).as("malformed records never rejected").isEmpty();
            assertThat(generated).as("the scenario's own rejects that never came").isEmpty();
        }
        run.checkCommittedFiles();

        // Bounded output: each reject costs at most its record (cut at 65,536 characters, of at most
        // 3 bytes each) and 2 KiB for the rest; a reject that grew with a value's magnitude (the
        // million-character messages of 1e999999) would blow through this.
        long bound = 0;
        for (MalformedRecords.Injected i : injected) {
            bound += Math.min(i.stored().getBytes(StandardCharsets.UTF_8).length, 3L * MAX_RAW) + 2_048;
        }
        bound += 2_048L * run.truth.rejects().size();
        long written;
        try (Stream<Path> files = Files.walk(run.out.resolve("rejects"))) {
            written = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(written).as("bytes of reject Parquet").isPositive().isLessThan(bound);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
