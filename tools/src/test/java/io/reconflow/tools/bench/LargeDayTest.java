package io.reconflow.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.reconflow.job.ReconConfig;
import io.reconflow.operators.fetch.PageParser;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streamed bench day at a tiny size, in three blocks: what the simulator serves from the
 * pages file and what the internal files hold add up to the counts the generator kept, keys stay
 * unique across blocks, and the same arguments write the same bytes. (BenchmarkTest runs the job
 * on such a day and compares its result counts with the generator's.)
 */
class LargeDayTest {
    private static final String TOKEN = "large-day-test-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * The manifest adds up the blocks' distinct records, so no block may repeat another's record: an
     * unparseable text served in two blocks is one record to the batch check, which then finds the
     * day's batch short of its count (it did, by 37 of 975,000 at 1 M).
     */
    @Test
    void noUnparseableTextIsServedInTwoBlocks() throws Exception {
        ReconConfig base = BenchData.config(Path.of("../conf/recon"), BenchData.FEED);
        try (LargeDay day = LargeDay.write(base, BenchData.COUNTERPARTY, 60_000, 500, 20_000, dir.resolve("b/internal"),
                dir.resolve("b/pages"));
             CounterpartySimulator sim = new CounterpartySimulator(day, BenchData.COUNTERPARTY, TOKEN, Faults.none(), 0)) {
            HttpClient http = HttpClient.newHttpClient();
            String batch = sim.url() + "/v1/feeds/" + BenchData.FEED + "/batches/" + BenchData.DATE;
            List<String> notObjects = new java.util.ArrayList<>();
            for (int p = 1; p <= day.pageCount(); p++) {
                for (String r : PageParser.parse(get(http, batch + "/pages/" + p)).records()) {
                    if (!JSON.readTree(r).isObject()) {
                        notObjects.add(r);
                    }
                }
            }
            assertThat(notObjects).hasSizeGreaterThan(30).doesNotHaveDuplicates();
        }
    }

    @Test
    void theServedPagesAndTheInternalFilesAddUpToTheGeneratorsCountsAndKeysStayUniqueAcrossBlocks() throws Exception {
        ReconConfig base = BenchData.config(Path.of("../conf/recon"), BenchData.FEED);
        Path internal = dir.resolve("a/internal");
        try (LargeDay day = LargeDay.write(base, BenchData.COUNTERPARTY, 600, 50, 200, internal, dir.resolve("a/pages"));
             CounterpartySimulator sim = new CounterpartySimulator(day, BenchData.COUNTERPARTY, TOKEN, Faults.none(), 0)) {
            LargeDay.Expected expected = day.expected();
            assertThat(day.blocks()).isEqualTo(3);
            HttpClient http = HttpClient.newHttpClient();
            String batch = sim.url() + "/v1/feeds/" + BenchData.FEED + "/batches/" + BenchData.DATE;
            JsonNode manifest = JSON.readTree(get(http, batch + "/manifest"));
            assertThat(manifest.get("page_count").asInt()).isEqualTo(day.pageCount()).isGreaterThanOrEqualTo(3 * 4);
            String batchId = manifest.get("batch_id").asText();

            long served = 0;
            Set<String> counterpartyIds = new HashSet<>();
            for (int p = 1; p <= day.pageCount(); p++) {
                PageParser.ParsedPage page = PageParser.parse(get(http, batch + "/pages/" + p));
                assertThat(page.batchId()).isEqualTo(batchId);
                assertThat(page.page()).isEqualTo(p);
                served += page.records().size();
                for (String r : page.records()) {
                    JsonNode n = JSON.readTree(r);
                    if (n.isObject() && n.path("trade_id").isTextual()) {
                        counterpartyIds.add(n.get("trade_id").asText());
                    }
                }
            }
            assertThat(served).isEqualTo(expected.counterpartyServed());
            // The manifest counts a record once: an exact duplicate or a conflicting copy is the same record again.
            assertThat(manifest.get("record_count").asLong()).isBetween(served - expected.exactDuplicatesDropped() - expected.rejects(),
                    served - expected.exactDuplicatesDropped());
            assertThat(get(http, batch + "/pages/" + (day.pageCount() + 1))).asString().contains("not_found");

            List<String> ids = internalTradeIds(internal);
            assertThat(ids).hasSize((int) expected.internalWritten());
            List<String> present = ids.stream().filter(id -> !id.isEmpty()).toList();
            assertThat(new HashSet<>(present)).as("internal trade ids unique across blocks").hasSize(present.size());
            assertThat(counterpartyIds).as("trade ids of all three blocks").anyMatch(id -> id.contains("K0-"))
                    .anyMatch(id -> id.contains("K2-"));
            assertThat(expected.resultRows()).isGreaterThan(3 * 180L);
            assertThat(expected.byStatus().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected.resultRows());
            assertThat(expected.byStatus()).containsKeys("MATCHED", "MATCHED_WITHIN_TOLERANCE", "BREAK", "UNMATCHED_INTERNAL",
                    "UNMATCHED_COUNTERPARTY");
            assertThat(expected.rejects()).isPositive();
        }
    }

    @Test
    void theSameArgumentsWriteTheSameBytes() throws Exception {
        ReconConfig base = BenchData.config(Path.of("../conf/recon"), BenchData.FEED);
        try (LargeDay a = LargeDay.write(base, BenchData.COUNTERPARTY, 500, 40, 200, dir.resolve("a/internal"), dir.resolve("a/pages"));
             LargeDay b = LargeDay.write(base, BenchData.COUNTERPARTY, 500, 40, 200, dir.resolve("b/internal"), dir.resolve("b/pages"))) {
            assertThat(a.manifest()).isEqualTo(b.manifest());
            assertThat(Files.readAllBytes(dir.resolve("a/pages/pages.bin"))).isEqualTo(Files.readAllBytes(dir.resolve("b/pages/pages.bin")));
            for (Path f : files(dir.resolve("a/internal"))) {
                assertThat(Files.readAllBytes(f)).isEqualTo(Files.readAllBytes(dir.resolve("b/internal").resolve(f.getFileName())));
            }
            assertThat(a.page(a.pageCount())).isEqualTo(b.page(b.pageCount()));
        }
    }

    private static byte[] get(HttpClient http, String uri) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + TOKEN).build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    private static List<Path> files(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }

    /** The trade_id cell of every row of every part file (the first column, as the feed's schema orders them). */
    private static List<String> internalTradeIds(Path folder) throws Exception {
        List<String> ids = new ArrayList<>();
        for (Path f : files(folder)) {
            List<String> lines = Files.readAllLines(f);
            assertThat(lines.get(0)).startsWith("trade_id,");
            for (String line : lines.subList(1, lines.size())) {
                ids.add(line.substring(0, Math.max(0, line.indexOf(','))));
            }
        }
        return ids;
    }
}
