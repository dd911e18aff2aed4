package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.ErrorCode;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-counterparty policies as the counterparty sees them: one Retry-After gate, one token
 * bucket, one bulkhead and one circuit breaker shared by every client of it in the JVM.
 */
class CounterpartyPoliciesTest {

    StubCounterparty stub;
    final List<CounterpartyClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        stub = new StubCounterparty();
    }

    @AfterEach
    void stop() {
        clients.forEach(CounterpartyClient::close);
        stub.close();
        assertThat(CounterpartyPolicies.live()).as("policies released with their last client").isZero();
    }

    /** Quick retries, a generous rate, and a circuit that does not open on a couple of faults. */
    static FetchSettings fast() {
        return FetchSettings.builder().capacity(16).connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(2)).maxAttempts(4)
                .backoff(Duration.ofMillis(10), Duration.ofMillis(40)).maxBodyBytes(1 << 20)
                .deadline(Duration.ofSeconds(15))
                .rateLimit(1000, 100)
                .circuit(new FetchSettings.Circuit(50, 20, Duration.ofSeconds(10), Duration.ofMillis(300), 1))
                .build();
    }

    CounterpartyClient client(FetchSettings s, FetchListener listener) {
        CounterpartyClient c = new CounterpartyClient(new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN"),
                s, listener, () -> TOKEN);
        clients.add(c);
        return c;
    }

    static String page(int n) {
        return "/v1/feeds/" + FEED + "/batches/" + DATE + "/pages/" + n;
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /**
     * Requests in flight at the counterparty, from arrival until it starts answering (a client that
     * has the answer may send its next request before the server's thread has finished closing
     * this one); each page is held 60 ms so that requests overlap if the limits let them.
     */
    static final class AtCounterparty {
        final AtomicInteger handling = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();

        StubCounterparty.Responder slowPage() {
            return ex -> {
                most.accumulateAndGet(handling.incrementAndGet(), Math::max);
                try {
                    TimeUnit.MILLISECONDS.sleep(60);
                } finally {
                    handling.decrementAndGet();
                }
                json(200, PAGE).respond(ex);
            };
        }
    }

    @Test
    void aRetryAfterHoldsBackEveryRequestToTheCounterpartyFromEveryClient() throws Exception {
        FetchSettings s = fast();
        CounterpartyClientTest.Counts manifestCounts = new CounterpartyClientTest.Counts();
        CounterpartyClient manifests = client(s, manifestCounts);
        CounterpartyClient pages = client(s, null);
        stub.on(MANIFEST_PATH, status(429, "Retry-After", "1"), json(200, MANIFEST));
        stub.on(PAGE_1, json(200, PAGE));

        CompletableFuture<ManifestResult> m = manifests.manifest(FEED, DATE);
        while (stub.seen(MANIFEST_PATH).isEmpty()) {
            Thread.onSpinWait();
        }
        long throttledAt = stub.seen(MANIFEST_PATH).get(0).nanos();
        // Once the client has the 429, ask another path through another client.
        Eventually.until("the 429 reported", () -> manifestCounts.throttled.get() > 0);
        PageResult p = await(pages.page(FEED, DATE, 1));

        assertThat(await(m).ok()).isTrue();
        assertThat(p.ok()).isTrue();
        assertThat(Duration.ofNanos(stub.seen(PAGE_1).get(0).nanos() - throttledAt))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(stub.seen(MANIFEST_PATH).get(1).nanos() - throttledAt))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRetryAfterAsAnHttpDateIsHonouredToo() throws Exception {
        String inTwoSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2));
        stub.on(MANIFEST_PATH, status(429, "Retry-After", inTwoSeconds), json(200, MANIFEST));

        ManifestResult r = await(client(fast(), null).manifest(FEED, DATE));

        assertThat(r.ok()).isTrue();
        List<StubCounterparty.Seen> seen = stub.seen(MANIFEST_PATH);
        // An HTTP-date has whole seconds: at least one full second is left of the two.
        assertThat(Duration.ofNanos(seen.get(1).nanos() - seen.get(0).nanos())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void neverMoreRequestsInFlightThanTheCounterpartysLimitAcrossClients() throws Exception {
        int limit = 3;
        FetchSettings s = fast().toBuilder().maxInFlight(limit).build();
        CounterpartyClient a = client(s, null);
        CounterpartyClient b = client(s, null);
        List<CompletableFuture<PageResult>> results = new ArrayList<>();
        AtomicInteger sampledMax = new AtomicInteger();
        AtCounterparty atCounterparty = new AtCounterparty();
        for (int i = 1; i <= 12; i++) {
            stub.on(page(i), atCounterparty.slowPage());
        }
        for (int i = 1; i <= 12; i++) {
            results.add((i % 2 == 0 ? a : b).page(FEED, DATE, i));
            sampledMax.accumulateAndGet(a.inFlight(), Math::max);
        }
        for (CompletableFuture<PageResult> r : results) {
            while (!r.isDone()) {
                sampledMax.accumulateAndGet(a.inFlight(), Math::max);
                Thread.onSpinWait();
            }
            assertThat(r.get().ok()).isTrue();
        }

        assertThat(atCounterparty.most.get()).isEqualTo(limit);
        assertThat(sampledMax.get()).isBetween(1, limit);
        assertThat(a.inFlight()).isZero();
    }

    @Test
    void neverMoreRequestsInFlightThanTheTotalLimitAcrossCounterparties() throws Exception {
        int each = 3;
        int total = 4;
        FetchSettings s = fast().toBuilder().maxInFlight(each).maxInFlightTotal(total).build();
        CounterpartyClient acme = client(s, null);
        CounterpartyClient globex = new CounterpartyClient(new CounterpartyEndpoint("globex", stub.baseUrl(), "GLOBEX_TOKEN"),
                s, null, () -> TOKEN);
        clients.add(globex);
        AtCounterparty atCounterparty = new AtCounterparty();
        for (int i = 1; i <= 10; i++) {
            stub.on(page(i), atCounterparty.slowPage());
        }
        List<CompletableFuture<PageResult>> results = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            results.add(acme.page(FEED, DATE, i));
            results.add(globex.page(FEED, DATE, i));
        }
        for (CompletableFuture<PageResult> r : results) {
            assertThat(await(r).ok()).isTrue();
        }

        // Each counterparty alone could have had 3 in flight, 6 together; the total held them to 4.
        assertThat(atCounterparty.most.get()).isEqualTo(total);
    }

    @Test
    void theTokenBucketSpacesRequestsAfterTheBurst() throws Exception {
        double perSecond = 20;
        int burst = 2;
        FetchSettings s = fast().toBuilder().rateLimit(perSecond, burst).build();
        CounterpartyClient c = client(s, null);
        int n = 8;
        for (int i = 1; i <= n; i++) {
            stub.on(page(i), json(200, PAGE));
        }
        List<CompletableFuture<PageResult>> results = new ArrayList<>();
        // When each request is handed to the HTTP client (its arrival adds network jitter the client does not control).
        List<Long> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        long asked = System.nanoTime();
        for (int i = 1; i <= n; i++) {
            results.add(c.page(FEED, DATE, i, id -> sent.add(System.nanoTime())));
        }
        for (CompletableFuture<PageResult> r : results) {
            assertThat(await(r).ok()).isTrue();
        }

        assertThat(stub.seen()).hasSize(n);
        List<Long> handedOver = sent.stream().sorted().toList();
        long period = s.rateLimitPeriod().toNanos();
        // A bucket of `burst`, full when asked and refilled once per period (the first refill perhaps
        // at once): the j-th request goes no sooner than (j / burst - 1) periods after it was asked.
        // Measured from before the asking, so a late timestamp on a loaded machine cannot break it.
        for (int j = 0; j < n; j++) {
            assertThat(handedOver.get(j) - asked).as("request %d", j)
                    .isGreaterThanOrEqualTo((j / burst - 1) * period);
        }
        // So 8 requests at 20/s with a burst of 2 took at least 200 ms.
        assertThat(period).isEqualTo(100_000_000L);
    }

    @Test
    void anOpenCircuitHoldsRequestsBackWithoutUsingTheirAttemptsAndNothingIsLostWhenTheCounterpartyReturns()
            throws Exception {
        FetchSettings.Circuit circuit = new FetchSettings.Circuit(50, 4, Duration.ofSeconds(10), Duration.ofMillis(300), 1);
        FetchSettings s = fast().toBuilder().circuit(circuit).build();
        AtomicBoolean up = new AtomicBoolean(false);
        int pages = 6;
        for (int i = 1; i <= pages; i++) {
            stub.on(page(i), ex -> (up.get() ? json(200, PAGE) : status(503)).respond(ex));
        }
        CounterpartyClient c = client(s, null);

        List<CompletableFuture<PageResult>> results = new ArrayList<>();
        for (int i = 1; i <= pages; i++) {
            results.add(c.page(FEED, DATE, i));
        }
        while (c.circuitState() != 1) {
            Thread.onSpinWait();
        }
        int atOpen = stub.seen().size();
        long opensAtOpen = c.timesCircuitOpened();
        // Down until two probes failed and reopened it (two open periods of 300 ms), well over
        // max_attempts × backoff: without the circuit's waiting they would all fail.
        Eventually.until("two failed probes", () -> c.timesCircuitOpened() >= opensAtOpen + 2);
        int duringOpen = stub.seen().size() - atOpen;
        long reopened = c.timesCircuitOpened() - opensAtOpen;
        up.set(true);

        for (CompletableFuture<PageResult> r : results) {
            PageResult p = await(r);
            assertThat(p.ok()).as("page fetched once the counterparty is back: %s", p.failure()).isTrue();
        }
        assertThat(c.circuitState()).isZero();
        assertThat(c.timesCircuitOpened()).isGreaterThanOrEqualTo(1);
        // While open or half-open only probes went: those that reopened it, one perhaps still out,
        // plus the ones in flight when it opened.
        assertThat((long) duringOpen).isLessThanOrEqualTo((reopened + 1) * circuit.probes() + pages);
        assertThat(duringOpen).isGreaterThan(0);
    }

    @Test
    void theDeadlineBoundsTheWholeRequestWhateverItsAttempts() throws Exception {
        stub.on(MANIFEST_PATH, status(503));
        FetchSettings s = fast().toBuilder()
                .requestTimeout(Duration.ofSeconds(1)).maxAttempts(1000)
                .backoff(Duration.ofMillis(20), Duration.ofMillis(50))
                .deadline(Duration.ofMillis(1200))
                // A circuit that stays closed, to see the deadline alone at work.
                .circuit(new FetchSettings.Circuit(100, 100_000, Duration.ofSeconds(10), Duration.ofSeconds(1), 1))
                .build();

        long start = System.nanoTime();
        ManifestResult r = await(client(s, null).manifest(FEED, DATE));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(r.failure().getHttpStatus()).isEqualTo(503);
        assertThat(r.failure().getMessage()).contains("deadline of 1.2 s").contains("HTTP 503");
        assertThat(r.failure().getAttempts()).isGreaterThan(1).isLessThan(1000);
        // The deadline ended it, not max_attempts (fewer than 1000 were made): it did not end early.
        assertThat(took).isGreaterThanOrEqualTo(s.deadline());
    }

    @Test
    void aRefusedTokenIsLoggedOnceLoudlyCountedAndNeverRetried() throws Exception {
        stub.on(MANIFEST_PATH, json(401, "{\"error\":\"unauthorized\",\"message\":\"bad token " + TOKEN + "\"}"));
        stub.on(PAGE_1, status(403));
        CounterpartyClientTest.Counts counts = new CounterpartyClientTest.Counts();
        AtomicInteger rejected = new AtomicInteger();
        FetchListener listener = new FetchListener() {
            @Override
            public void requestSent() {
                counts.requestSent();
            }

            @Override
            public void retried() {
                counts.retried();
            }

            @Override
            public void failed() {
                counts.failed();
            }

            @Override
            public void bytesReceived(long bytes) {}

            @Override
            public void authRejected(int status) {
                rejected.incrementAndGet();
            }
        };
        ManifestResult m;
        PageResult p;
        ManifestResult again;
        try (LogCapture logs = new LogCapture("io.reconflow", Level.DEBUG)) {
            CounterpartyClient c = client(fast(), listener);
            m = await(c.manifest(FEED, DATE));
            p = await(c.page(FEED, DATE, 1));
            again = await(c.manifest(FEED, DATE));

            List<String> loud = logs.lines().stream().filter(l -> l.startsWith("ERROR")).toList();
            assertThat(loud).singleElement().satisfies(l -> assertThat(l)
                    .contains("counterparty acme").contains("HTTP 401").contains("ACME_TOKEN").doesNotContain(TOKEN));
            assertThat(logs.lines()).isNotEmpty().noneMatch(l -> l.contains(TOKEN));
        }

        assertThat(m.failure().getHttpStatus()).isEqualTo(401);
        assertThat(p.failure().getHttpStatus()).isEqualTo(403);
        assertThat(again.failure().getHttpStatus()).isEqualTo(401);
        assertThat(List.of(m.failure(), p.failure(), again.failure())).allSatisfy(f -> {
            assertThat(f.getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
            assertThat(f.getAttempts()).isEqualTo(1);
            assertThat(f.getMessage()).doesNotContain(TOKEN);
        });
        assertThat(stub.seen(MANIFEST_PATH)).hasSize(2);
        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(counts.retries).hasValue(0);
        assertThat(rejected).hasValue(3);
    }

    @Test
    void nothingRunsOnTheCallersThreadOrTheCommonPoolAndTheCallerNeverWaits() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        FetchListener recording = new FetchListener() {
            @Override
            public void requestSent() {
                threads.add(Thread.currentThread().getName());
            }

            @Override
            public void retried() {
                threads.add(Thread.currentThread().getName());
            }

            @Override
            public void failed() {
                threads.add(Thread.currentThread().getName());
            }

            @Override
            public void bytesReceived(long bytes) {
                threads.add(Thread.currentThread().getName());
            }

            @Override
            public void answered(int status, long latencyNanos) {
                threads.add(Thread.currentThread().getName());
            }
        };
        // The first answer is held until the calls have returned, then a Retry-After: plenty to wait
        // for, none of it on the caller's thread. A call that waited for its answer would get it (the
        // hold gives up after 30 s) and return done.
        java.util.concurrent.CountDownLatch calledBack = new java.util.concurrent.CountDownLatch(1);
        stub.on(MANIFEST_PATH, ex -> {
            calledBack.await(30, TimeUnit.SECONDS);
            status(429, "Retry-After", "1").respond(ex);
        }, json(200, MANIFEST));
        stub.on(PAGE_1, stub.stallBody());
        CounterpartyClient c = client(fast().toBuilder().maxInFlight(1).build(), recording);

        CompletableFuture<ManifestResult> m = c.manifest(FEED, DATE, id -> threads.add(Thread.currentThread().getName()));
        CompletableFuture<PageResult> p = c.page(FEED, DATE, 1, id -> threads.add(Thread.currentThread().getName()));
        boolean returnedBeforeAnyAnswer = !m.isDone() && !p.isDone();
        calledBack.countDown();

        assertThat(returnedBeforeAnyAnswer).as("the calls return before any answer came").isTrue();
        assertThat(await(m).ok()).isTrue();
        assertThat(stub.seen(MANIFEST_PATH)).hasSize(2);
        while (stub.seen(PAGE_1).isEmpty()) {
            Thread.onSpinWait();
        }
        assertThat(Set.copyOf(threads)).isNotEmpty().allSatisfy(t -> assertThat(t).startsWith("reconflow-"))
                .doesNotContain(Thread.currentThread().getName());
        // Cancelling (what the async operator's timeout does) ends the stalled request at once.
        p.cancel(true);
        assertThat(p.isCancelled()).isTrue();
    }
}
