package io.reconflow.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CounterpartySimulatorTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String TOKEN = "test-token-7f3a9c";
    private static final String CP = "counterparty-a";
    private static final LocalDate DATE = LocalDate.of(2026, 11, 20);

    private static Scenario scenario;
    private static Scenario.Batch batch;
    private static ExecutorService clientThreads;
    private static HttpClient client;

    @BeforeAll
    static void setUp() {
        SimFeeds.Feed f = SimFeeds.energy();
        scenario = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small()
                .withCounterparties(List.of(CP, "counterparty-b")));
        batch = scenario.batch(CP, DATE);
        clientThreads = Executors.newFixedThreadPool(4);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void tearDown() {
        clientThreads.shutdownNow();
    }

    private static String base() {
        return "/v1/feeds/energy-confirmations/batches/" + DATE;
    }

    private static HttpRequest request(CounterpartySimulator sim, String path, String token, String requestId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.url() + path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (requestId != null) {
            b.header("X-Request-Id", requestId);
        }
        return b.build();
    }

    private static HttpResponse<String> get(CounterpartySimulator sim, String path) throws Exception {
        return client.send(request(sim, path, TOKEN, null), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void countsPagesServedWholeAndPagesFetchedAgain() throws Exception {
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN,
                Faults.builder().seed(1).truncated(1.0).maxFaultsPerPath(1).build(), 0)) {
            // The first answer of each path is cut short (not a page served), the retry whole.
            assertThatThrownBy(() -> get(sim, base() + "/pages/1")).isInstanceOf(java.io.IOException.class);
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(200);
            assertThat(sim.counters().pagesServed()).isEqualTo(1);
            assertThat(sim.counters().pagesServedAgain()).isZero();

            get(sim, base() + "/pages/1");
            get(sim, base() + "/pages/1");
            assertThatThrownBy(() -> get(sim, base() + "/pages/2")).isInstanceOf(java.io.IOException.class);
            get(sim, base() + "/pages/2");

            assertThat(sim.counters().pagesServed()).isEqualTo(2);
            assertThat(sim.counters().pagesServedAgain()).isEqualTo(2);
            sim.resetCounters();
            assertThat(sim.counters().pagesServed()).isZero();
            assertThat(sim.counters().pagesServedAgain()).isZero();
        }
    }

    @Test
    void servesTheManifestAndEveryPageByteExact() throws Exception {
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN)) {
            assertThat(sim.url()).startsWith("http://127.0.0.1:").doesNotEndWith(":0");
            HttpResponse<String> m = client.send(request(sim, base() + "/manifest", TOKEN, "req-1"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(m.headers().firstValue("X-Request-Id")).hasValue("req-1");
            JsonNode manifest = MAPPER.readTree(m.body());
            assertThat(manifest.get("feed").asText()).isEqualTo("energy-confirmations");
            assertThat(manifest.get("business_date").asText()).isEqualTo(DATE.toString());
            assertThat(manifest.get("batch_id").asText()).isEqualTo(batch.manifest().batchId());
            assertThat(manifest.get("record_count").asLong()).isEqualTo(batch.manifest().recordCount());
            assertThat(manifest.get("control_total").isTextual()).isTrue();
            assertThat(manifest.get("published_at").asText()).endsWith("Z");
            int pageCount = manifest.get("page_count").asInt();
            assertThat(pageCount).isEqualTo(batch.pages().size()).isGreaterThan(1);

            List<String> served = new ArrayList<>();
            for (int p = 1; p <= pageCount; p++) {
                HttpResponse<String> page = get(sim, base() + "/pages/" + p);
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).isEqualTo(batch.page(p).body(batch.manifest().batchId()));
                JsonNode body = MAPPER.readTree(page.body());
                assertThat(body.get("batch_id").asText()).isEqualTo(batch.manifest().batchId());
                assertThat(body.get("page").asInt()).isEqualTo(p);
                assertThat(body.get("records")).hasSize(batch.page(p).records().size());
                for (String raw : batch.page(p).records()) {
                    assertThat(page.body()).contains(raw);
                }
                served.addAll(batch.page(p).records());
            }
            assertThat(served).containsExactlyElementsOf(batch.servedRecords());
            // A page fetched twice is the same page.
            assertThat(get(sim, base() + "/pages/1").body()).isEqualTo(batch.page(1).body(batch.manifest().batchId()));

            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.totalRequests()).isEqualTo(pageCount + 2L);
            assertThat(c.status(200)).isEqualTo(pageCount + 2L);
            assertThat(c.path(base() + "/pages/1")).isEqualTo(2);
            assertThat(c.retriesAfterPermanent()).isZero();
        }
    }

    @Test
    void aMissingOrWrongTokenIs401AndUnknownThingsAre404() throws Exception {
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN)) {
            HttpResponse<String> none = client.send(request(sim, base() + "/manifest", null, "r-9"), HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("X-Request-Id")).hasValue("r-9");
            assertThat(MAPPER.readTree(none.body()).get("error").asText()).isEqualTo("unauthorized");
            HttpResponse<String> wrong = client.send(request(sim, base() + "/pages/1", "not-the-token", null),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);

            int pages = batch.pages().size();
            for (String path : List.of(base() + "/pages/" + (pages + 1), base() + "/pages/0", base() + "/pages/x",
                    "/v1/feeds/energy-confirmations/batches/2026-11-19/manifest",
                    "/v1/feeds/energy-confirmations/batches/yesterday/manifest",
                    "/v1/feeds/supply-invoices/batches/" + DATE + "/manifest", "/v2/anything")) {
                HttpResponse<String> r = get(sim, path);
                assertThat(r.statusCode()).as(path).isEqualTo(404);
                assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
                JsonNode err = MAPPER.readTree(r.body());
                assertThat(err.get("error").asText()).isEqualTo("not_found");
                assertThat(err.get("message").asText()).isNotBlank();
            }
            // Repeating a request already answered 401 or 404 is counted: a client must not do it.
            assertThat(get(sim, base() + "/pages/" + (pages + 1)).statusCode()).isEqualTo(404);
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(200);
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.status(401)).isEqualTo(2);
            assertThat(c.status(404)).isEqualTo(8);
            assertThat(c.retriesAfterPermanent()).isEqualTo(2);
            // The log names paths and statuses, never the token or the header.
            assertThat(sim.requestLog()).hasSize((int) c.totalRequests());
            assertThat(sim.requestLog()).anyMatch(l -> l.contains("/pages/1 -> 401"));
            assertThat(String.join("\n", sim.requestLog())).doesNotContain(TOKEN).doesNotContain("not-the-token")
                    .doesNotContainIgnoringCase("authorization").doesNotContain("Bearer");
        }
    }

    @Test
    void eachSimulatorServesOneCounterparty() throws Exception {
        try (CounterpartySimulator a = new CounterpartySimulator(scenario, CP, TOKEN);
             CounterpartySimulator b = new CounterpartySimulator(scenario, "counterparty-b", "other-token", Faults.none(), 0)) {
            assertThat(a.port()).isNotEqualTo(b.port());
            HttpResponse<String> mb = client.send(request(b, base() + "/manifest", "other-token", null), HttpResponse.BodyHandlers.ofString());
            assertThat(MAPPER.readTree(mb.body()).get("batch_id").asText())
                    .isEqualTo(scenario.batch("counterparty-b", DATE).manifest().batchId())
                    .isNotEqualTo(batch.manifest().batchId());
            assertThat(client.send(request(b, base() + "/manifest", TOKEN, null), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(401);
        }
        assertThatThrownBy(() -> new CounterpartySimulator(scenario, "nobody", TOKEN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CounterpartySimulator(scenario, CP, " "))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void transientErrorsStopAfterTheirShareAndAreCounted() throws Exception {
        Faults f = Faults.builder().unavailable(0.5).serverError(0.5).maxFaultsPerPath(2).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            String path = base() + "/pages/2";
            assertThat(get(sim, path).statusCode()).isIn(500, 503);
            HttpResponse<String> second = get(sim, path);
            assertThat(second.statusCode()).isIn(500, 503);
            assertThat(MAPPER.readTree(second.body()).has("error")).isTrue();
            HttpResponse<String> third = get(sim, path);
            assertThat(third.statusCode()).isEqualTo(200);
            assertThat(third.body()).isEqualTo(batch.page(2).body(batch.manifest().batchId()));
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.status(500) + c.status(503)).isEqualTo(2);
            assertThat(c.fault(CounterpartySimulator.Fault.UNAVAILABLE) + c.fault(CounterpartySimulator.Fault.SERVER_ERROR)).isEqualTo(2);
            assertThat(c.retriesAfterPermanent()).isZero();
        }
    }

    @Test
    void throttlingSaysRetryAfterAndCountsEveryRequestToTheCounterpartyThatComesTooEarly() throws Exception {
        Faults f = Faults.builder().throttled(1.0, 1).maxFaultsPerPath(1).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            String throttled = base() + "/pages/1";
            HttpResponse<String> first = get(sim, throttled);
            assertThat(first.statusCode()).isEqualTo(429);
            assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(get(sim, throttled).statusCode()).isEqualTo(200); // too early, but answered
            assertThat(sim.counters().earlyRetries()).isEqualTo(1);
            // The Retry-After is the counterparty's: another path asked before it passed is early too
            // (and, being its first request, is throttled in turn).
            HttpResponse<String> manifest = get(sim, base() + "/manifest");
            assertThat(manifest.statusCode()).isEqualTo(429);
            assertThat(sim.counters().earlyRetries()).isEqualTo(2);

            // A client that waits as told (the client side waiting, not the server) is never early: it
            // waits out the manifest's Retry-After, asks a new path (429 again), waits, and gets it.
            assertThat(patiently(sim, base() + "/pages/2", manifest).statusCode()).isEqualTo(200);
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.earlyRetries()).isEqualTo(2);
            assertThat(c.status(429)).isEqualTo(3);
            assertThat(c.fault(CounterpartySimulator.Fault.THROTTLED)).isEqualTo(3);
        }
    }

    @Test
    void retryAfterCanBeAnHttpDate() throws Exception {
        Faults f = Faults.builder().throttled(1.0, 2).retryAfterAsDate(true).maxFaultsPerPath(1).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            java.time.Instant before = java.time.Instant.now();
            HttpResponse<String> r = get(sim, base() + "/manifest");
            java.time.Instant after = java.time.Instant.now();
            assertThat(r.statusCode()).isEqualTo(429);
            java.time.ZonedDateTime until = java.time.ZonedDateTime.parse(r.headers().firstValue("Retry-After").orElseThrow(),
                    java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
            // The last whole second at or before the moment of the 429 plus the 2 s it asks for.
            assertThat(until.toInstant()).isBetween(before.plusSeconds(2).truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                    after.plusSeconds(2).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            assertThat(get(sim, base() + "/manifest").statusCode()).isEqualTo(200);
            assertThat(sim.counters().earlyRetries()).isEqualTo(1);
        }
    }

    @Test
    void aGarbledBodyIsCompleteButNotJson() throws Exception {
        Faults f = Faults.builder().garbled(1.0).maxFaultsPerPath(1).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            HttpResponse<String> bad = get(sim, base() + "/pages/1");
            assertThat(bad.statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> MAPPER.readTree(bad.body())).isInstanceOf(IOException.class);
            HttpResponse<String> good = get(sim, base() + "/pages/1");
            assertThat(good.body()).isEqualTo(batch.page(1).body(batch.manifest().batchId()));
            assertThat(sim.counters().fault(CounterpartySimulator.Fault.GARBLED)).isEqualTo(1);
        }
    }

    @Test
    void aHugeBodyIsStreamedUntilTheClientHangsUp() throws Exception {
        Faults f = Faults.builder().hugePages(java.util.Set.of(2), Faults.TWO_GIB).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            HttpResponse<java.io.InputStream> r = client.send(request(sim, base() + "/pages/2", TOKEN, "huge"),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Length")).isEmpty();
            byte[] start;
            try (java.io.InputStream in = r.body()) {
                start = in.readNBytes(4 << 20);
            }
            assertThat(new String(start, 0, 40, StandardCharsets.UTF_8)).startsWith("{\"batch_id\":\"huge\",\"page\":2,\"records\":[");
            // Other pages are served as usual.
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(200);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (sim.counters().fault(CounterpartySimulator.Fault.HUGE) == 1 && System.nanoTime() < deadline
                    && sim.requestLog().stream().noneMatch(l -> l.contains("HUGE"))) {
                Thread.onSpinWait();
            }
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.fault(CounterpartySimulator.Fault.HUGE)).isEqualTo(1);
            // It stopped soon after the client did: far short of the 2 GiB it would have sent.
            assertThat(c.hugeBodyBytesSent()).isGreaterThanOrEqualTo(4 << 20).isLessThan(Faults.TWO_GIB);
        }
    }

    @Test
    void aCutBodyFailsTheAttemptOnly() throws Exception {
        Faults f = Faults.builder().truncated(1.0).maxFaultsPerPath(1).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            String path = base() + "/manifest";
            assertThatThrownBy(() -> get(sim, path)).isInstanceOf(IOException.class).hasMessageContaining("content-length");
            HttpResponse<String> retry = get(sim, path);
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(retry.body()).isEqualTo(batch.manifest().toJson());
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.fault(CounterpartySimulator.Fault.TRUNCATED)).isEqualTo(1);
            assertThat(c.totalRequests()).isEqualTo(2);
        }
    }

    @Test
    void aDroppedConnectionSendsNothingThenThePathRecovers() throws Exception {
        Faults f = Faults.builder().reset(1.0).maxFaultsPerPath(1).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            String path = base() + "/manifest";
            // A raw socket, because java.net.http silently retries a GET whose connection closes early.
            try (Socket socket = new Socket("127.0.0.1", sim.port())) {
                socket.setSoTimeout(5_000);
                socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().readAllBytes()).isEmpty();
            }
            HttpResponse<String> retry = get(sim, path);
            assertThat(retry.statusCode()).isEqualTo(200);
            assertThat(retry.body()).isEqualTo(batch.manifest().toJson());
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.fault(CounterpartySimulator.Fault.RESET)).isEqualTo(1);
            assertThat(c.totalRequests()).isEqualTo(2);
            assertThat(c.requestsByStatus()).containsExactly(java.util.Map.entry(200, 1L));
        }
    }

    @Test
    void slowAnswersOverlapAndTheMostInFlightIsCounted() throws Exception {
        Faults f = Faults.builder().slow(1.0, Duration.ofMillis(400)).maxFaultsPerPath(1).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int p = 1; p <= batch.pages().size(); p++) {
                calls.add(client.sendAsync(request(sim, base() + "/pages/" + p, TOKEN, "p" + p), HttpResponse.BodyHandlers.ofString()));
            }
            for (int p = 1; p <= calls.size(); p++) {
                HttpResponse<String> r = calls.get(p - 1).get();
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("X-Request-Id")).hasValue("p" + p);
                assertThat(r.body()).isEqualTo(batch.page(p).body(batch.manifest().batchId()));
            }
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.fault(CounterpartySimulator.Fault.SLOW)).isEqualTo(batch.pages().size());
            assertThat(c.maxInFlight()).isGreaterThan(1);
            // Its share used, the path answers without the delay (the simulator's own count, not a stopwatch).
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(200);
            assertThat(sim.counters().fault(CounterpartySimulator.Fault.SLOW)).isEqualTo(batch.pages().size());
        }
    }

    @Test
    void downForAnswers503ThenRecovers() throws Exception {
        Faults f = Faults.builder().downFor(Duration.ofMillis(300)).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            assertThat(get(sim, base() + "/manifest").statusCode()).isEqualTo(503);
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(503);
            // A client retrying until the service is back: every answer until then a 503, counted as DOWN.
            List<Integer> answers = new ArrayList<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        answers.add(get(sim, base() + "/manifest").statusCode());
                        return answers.get(answers.size() - 1) == 200;
                    });
            assertThat(answers.subList(0, answers.size() - 1)).allMatch(code -> code == 503);
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(200);
            assertThat(sim.counters().fault(CounterpartySimulator.Fault.DOWN)).isEqualTo(2L + answers.size() - 1);
        }
    }

    @Test
    void permanentSwitchesAnswer401Or403Always() throws Exception {
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN,
                Faults.builder().alwaysUnauthorized(true).build(), 0)) {
            assertThat(get(sim, base() + "/manifest").statusCode()).isEqualTo(401);
            assertThat(get(sim, base() + "/manifest").statusCode()).isEqualTo(401);
            assertThat(sim.counters().retriesAfterPermanent()).isEqualTo(1);
            sim.faults(Faults.builder().alwaysForbidden(true).build());
            assertThat(get(sim, base() + "/pages/1").statusCode()).isEqualTo(403);
            sim.faults(Faults.none());
            assertThat(get(sim, base() + "/pages/2").statusCode()).isEqualTo(200);
            assertThat(sim.counters().status(403)).isEqualTo(1);
            sim.resetCounters();
            assertThat(sim.counters().totalRequests()).isZero();
        }
    }

    @Test
    void theSameFaultSeedGivesTheSameFaultsForTheSameRequests() throws Exception {
        Faults f = Faults.builder().seed(5L).unavailable(0.3).serverError(0.2).maxFaultsPerPath(2).build();
        List<List<Integer>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            List<Integer> statuses = new ArrayList<>();
            try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
                for (int p = 1; p <= batch.pages().size(); p++) {
                    for (int attempt = 0; attempt < 3; attempt++) {
                        statuses.add(get(sim, base() + "/pages/" + p).statusCode());
                    }
                }
            }
            runs.add(statuses);
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
        assertThat(runs.get(0)).contains(200).containsAnyOf(500, 503);
    }

    @Test
    void aClientThatRetriesGetsEveryPageDespiteManyFaults() throws Exception {
        // 70 % of attempts fault, but never more than three times on one path.
        Faults f = Faults.builder().seed(99L).unavailable(0.25).serverError(0.1).throttled(0.1, 1)
                .slow(0.1, Duration.ofMillis(30)).truncated(0.1).reset(0.05).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, CP, TOKEN, f, 0)) {
            String manifest = fetchWithRetries(sim, base() + "/manifest");
            int pageCount = MAPPER.readTree(manifest).get("page_count").asInt();
            List<String> served = new ArrayList<>();
            for (int p = 1; p <= pageCount; p++) {
                JsonNode records = MAPPER.readTree(fetchWithRetries(sim, base() + "/pages/" + p)).get("records");
                records.forEach(r -> served.add(r.toString()));
            }
            assertThat(served).hasSize(batch.servedRecords().size());
            CounterpartySimulator.Counters c = sim.counters();
            assertThat(c.totalRequests()).isGreaterThan(pageCount + 1L);
            // Every attempt but the last per path failed with a fault; a slow answer is a fault that still succeeds.
            long failed = c.faults().entrySet().stream().filter(e -> e.getKey() != CounterpartySimulator.Fault.SLOW)
                    .mapToLong(java.util.Map.Entry::getValue).sum();
            assertThat(failed).isEqualTo(c.totalRequests() - (pageCount + 1));
            assertThat(c.earlyRetries()).isZero();
        }
    }

    /** A minimal well-behaved client: honours Retry-After, retries 5xx and I/O errors, never 4xx. */
    private static String fetchWithRetries(CounterpartySimulator sim, String path) throws Exception {
        AtomicInteger attempt = new AtomicInteger();
        HttpResponse<String> r = Failsafe.with(politeRetries(6)).get(() -> client.send(
                request(sim, path, TOKEN, path + "#" + attempt.incrementAndGet()), HttpResponse.BodyHandlers.ofString()));
        if (r.statusCode() != 200) {
            throw new AssertionError(path + " answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * {@code path} asked for by the same well-behaved client, which first waits out the Retry-After of
     * {@code last}, the 429 it already has.
     */
    private static HttpResponse<String> patiently(CounterpartySimulator sim, String path, HttpResponse<String> last) {
        return Failsafe.with(politeRetries(3)).get(ctx -> ctx.isFirstAttempt() ? last
                : client.send(request(sim, path, TOKEN, null), HttpResponse.BodyHandlers.ofString()));
    }

    /**
     * Failsafe, as the real client: retries a 429 after its Retry-After (in seconds) and a 5xx or an
     * I/O error (a cut body, a dropped connection) after a short backoff; any other answer is final.
     */
    private static RetryPolicy<HttpResponse<String>> politeRetries(int attempts) {
        return RetryPolicy.<HttpResponse<String>>builder()
                .handle(IOException.class)
                .handleResultIf(r -> r.statusCode() == 429 || r.statusCode() >= 500)
                .withDelayFn(ctx -> {
                    HttpResponse<String> r = ctx.getLastResult();
                    return r != null && r.statusCode() == 429
                            ? Duration.ofSeconds(Long.parseLong(r.headers().firstValue("Retry-After").orElse("1")))
                            : Duration.ofMillis(10L * ctx.getAttemptCount());
                })
                .withMaxAttempts(attempts)
                .build();
    }
}
