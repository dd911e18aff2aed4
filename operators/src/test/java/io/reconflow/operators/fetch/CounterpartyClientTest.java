package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.StubCounterparty.cutShort;
import static io.reconflow.operators.fetch.StubCounterparty.endless;
import static io.reconflow.operators.fetch.StubCounterparty.gzip;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reconflow.events.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CounterpartyClientTest {

    static final String TOKEN = "tok-3f9a2c71e5d04b8a";
    static final String FEED = "energy-confirmations";
    static final String DATE = "2024-03-01";
    static final String MANIFEST_PATH = "/v1/feeds/" + FEED + "/batches/" + DATE + "/manifest";
    static final String PAGE_1 = "/v1/feeds/" + FEED + "/batches/" + DATE + "/pages/1";
    static final String PAGE_2 = "/v1/feeds/" + FEED + "/batches/" + DATE + "/pages/2";
    static final String MANIFEST = "{\"feed\":\"" + FEED + "\",\"business_date\":\"" + DATE + "\",\"batch_id\":\"B-1\","
            + "\"record_count\":3,\"page_count\":2,\"control_total\":\"150.500\",\"published_at\":\"2024-03-02T00:00:00Z\"}";
    static final String RECORD_1 = "{\"trade_id\":\"T-1\", \"volume_mwh\": 12.500}";
    static final String RECORD_2 = "{\"trade_id\":\"T-2\",\"volume_mwh\":1e3,\"delivery_point\":\"Zürich\"}";
    static final String PAGE = "{\"batch_id\":\"B-1\",\"page\":1,\"records\":[" + RECORD_1 + ",\n  " + RECORD_2 + "]}";

    /** Fast enough for tests: 10 ms first backoff, four attempts. */
    static FetchSettings settings(int maxAttempts, Duration requestTimeout, long maxBodyBytes) {
        return FetchSettings.builder().capacity(4).connectTimeout(Duration.ofSeconds(1)).requestTimeout(requestTimeout)
                .maxAttempts(maxAttempts).backoff(Duration.ofMillis(10), Duration.ofMillis(40)).maxBodyBytes(maxBodyBytes)
                .build();
    }

    static FetchSettings settings() {
        return settings(4, Duration.ofSeconds(2), 1 << 20);
    }

    /** Counts what the client reports. */
    static final class Counts implements FetchListener {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong throttled = new AtomicLong();

        @Override
        public void throttled() {
            throttled.incrementAndGet();
        }

        @Override
        public void requestSent() {
            requests.incrementAndGet();
        }

        @Override
        public void retried() {
            retries.incrementAndGet();
        }

        @Override
        public void failed() {
            failures.incrementAndGet();
        }

        @Override
        public void bytesReceived(long n) {
            bytes.addAndGet(n);
        }
    }

    StubCounterparty stub;
    Counts counts;
    CounterpartyClient client;

    @BeforeEach
    void start() throws Exception {
        stub = new StubCounterparty();
        counts = new Counts();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        stub.close();
    }

    CounterpartyClient client(FetchSettings s) {
        return client(stub.baseUrl(), s);
    }

    CounterpartyClient client(String baseUrl, FetchSettings s) {
        client = new CounterpartyClient(new CounterpartyEndpoint("acme", baseUrl, "ACME_TOKEN"), s, counts, () -> TOKEN);
        return client;
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void retriesTransientErrorsThenAnswersWithTheLastAttemptsId() throws Exception {
        stub.on(MANIFEST_PATH, status(503), status(503), json(200, MANIFEST));

        ManifestResult r = await(client(settings()).manifest(FEED, DATE));

        assertThat(r.ok()).isTrue();
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.manifest()).isEqualTo(new ManifestResult.Manifest(FEED, DATE, "B-1", 3, 2, "150.500",
                "2024-03-02T00:00:00Z"));
        List<StubCounterparty.Seen> seen = stub.seen(MANIFEST_PATH);
        assertThat(seen).hasSize(3);
        assertThat(r.correlationId()).isEqualTo(seen.get(2).requestId());
        assertThat(new HashSet<>(seen.stream().map(StubCounterparty.Seen::requestId).toList())).hasSize(3);
        assertThat(counts.requests).hasValue(3);
        assertThat(counts.retries).hasValue(2);
        assertThat(counts.failures).hasValue(0);
        assertThat(counts.bytes.get()).isGreaterThanOrEqualTo(MANIFEST.length());
    }

    @Test
    void sendsTheContractsHeaders() throws Exception {
        stub.on(MANIFEST_PATH, json(200, MANIFEST));

        await(client(settings()).manifest(FEED, DATE));

        StubCounterparty.Seen s = stub.seen(MANIFEST_PATH).get(0);
        assertThat(s.authorization()).isEqualTo("Bearer " + TOKEN);
        assertThat(s.requestId()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(s.accept()).isEqualTo("application/json");
        assertThat(s.acceptEncoding()).isEqualTo("gzip");
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 403, 404, 400, 409})
    void neverRetriesClientErrors(int code) throws Exception {
        stub.on(MANIFEST_PATH, status(code), json(200, MANIFEST));

        ManifestResult r = await(client(settings()).manifest(FEED, DATE));

        assertThat(stub.seen(MANIFEST_PATH)).hasSize(1);
        assertThat(r.ok()).isFalse();
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(r.failure().getHttpStatus()).isEqualTo(code);
        assertThat(r.failure().getAttempts()).isEqualTo(1);
        assertThat(r.failure().getMessage()).contains("HTTP " + code).contains("status_" + code);
        assertThat(r.correlationId()).isEqualTo(stub.seen(MANIFEST_PATH).get(0).requestId());
        assertThat(counts.failures).hasValue(1);
    }

    @Test
    void givesUpAfterMaxAttemptsOnPersistentServerErrors() throws Exception {
        stub.on(PAGE_1, status(500));

        PageResult r = await(client(settings()).page(FEED, DATE, 1));

        List<StubCounterparty.Seen> seen = stub.seen(PAGE_1);
        assertThat(seen).hasSize(4);
        assertThat(r.ok()).isFalse();
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(r.failure().getHttpStatus()).isEqualTo(500);
        assertThat(r.failure().getAttempts()).isEqualTo(4);
        assertThat(r.failure().getMessage()).contains("gave up after 4 attempts").contains("HTTP 500");
        assertThat(r.correlationId()).isEqualTo(seen.get(3).requestId());
        assertThat(counts.requests).hasValue(4);
        assertThat(counts.retries).hasValue(3);
        assertThat(counts.failures).hasValue(1);
    }

    @Test
    void waitsAtLeastRetryAfterSeconds() throws Exception {
        stub.on(MANIFEST_PATH, status(429, "Retry-After", "1"), json(200, MANIFEST));

        ManifestResult r = await(client(settings()).manifest(FEED, DATE));

        assertThat(r.ok()).isTrue();
        List<StubCounterparty.Seen> seen = stub.seen(MANIFEST_PATH);
        assertThat(seen).hasSize(2);
        assertThat(Duration.ofNanos(seen.get(1).nanos() - seen.get(0).nanos())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void doesNotWaitForARetryAfterBeyondTheDeadlineAndHoldsBackTheRestOfTheCounterparty() throws Exception {
        stub.on(MANIFEST_PATH, status(429, "Retry-After", "3600"), json(200, MANIFEST));
        stub.on(PAGE_1, json(200, PAGE));

        ManifestResult r = await(client(settings()).manifest(FEED, DATE));

        assertThat(stub.seen(MANIFEST_PATH)).hasSize(1);
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(r.failure().getHttpStatus()).isEqualTo(429);
        assertThat(r.failure().getMessage()).contains("Retry-After of 3600 s").contains("deadline");

        // The hour applies to the whole counterparty: another path is not asked either.
        PageResult p = await(client.page(FEED, DATE, 1));
        assertThat(stub.seen(PAGE_1)).isEmpty();
        assertThat(p.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(p.failure().getAttempts()).isZero();
        assertThat(p.failure().getMessage()).contains("Retry-After").contains("beyond this request's deadline");
    }

    @Test
    void readsRetryAfterAsSecondsOrHttpDate() {
        Instant now = Instant.parse("2024-03-01T12:00:00Z");
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(now.plusSeconds(10), ZoneOffset.UTC));

        assertThat(ResponseClassifier.parseRetryAfter("7", now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(ResponseClassifier.parseRetryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
        assertThat(ResponseClassifier.parseRetryAfter(inTenSeconds, now)).isEqualTo(Duration.ofSeconds(10));
        assertThat(ResponseClassifier.parseRetryAfter("Fri, 01 Mar 2024 11:00:00 GMT", now)).isEqualTo(Duration.ZERO);
        assertThat(ResponseClassifier.parseRetryAfter("soon", now)).isNull();
        assertThat(ResponseClassifier.parseRetryAfter("-5", now)).isNull();
        assertThat(ResponseClassifier.parseRetryAfter(null, now)).isNull();
    }

    /** A "random" source whose bounded draw is {@code draw(bound)}, to pin the jitter's ends. */
    static RandomGenerator drawing(java.util.function.LongUnaryOperator draw) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public long nextLong(long bound) {
                return draw.applyAsLong(bound);
            }
        };
    }

    @Test
    void backsOffExponentiallyWithFullJitterCappedAtTheMax() {
        FetchSettings s = FetchSettings.builder().capacity(1).connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(1)).maxAttempts(10)
                .backoff(Duration.ofMillis(100), Duration.ofMillis(1000)).maxBodyBytes(1).build();
        RandomGenerator highest = drawing(bound -> bound - 1);
        RandomGenerator lowest = drawing(bound -> 0);

        assertThat(List.of(1, 2, 3, 4, 5, 9).stream().map(n -> Backoff.ceiling(s, n).toMillis()).toList())
                .containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
        assertThat(Backoff.retryDelay(s, 3, null, highest)).isEqualTo(Duration.ofMillis(400));
        assertThat(Backoff.retryDelay(s, 3, null, lowest)).isEqualTo(Duration.ZERO);
        assertThat(Backoff.retryDelay(s, 1, Duration.ofSeconds(2), lowest)).isEqualTo(Duration.ofSeconds(2));
        for (int i = 0; i < 200; i++) {
            assertThat(Backoff.retryDelay(s, 2, null, RandomGenerator.getDefault()))
                    .isBetween(Duration.ZERO, Duration.ofMillis(200));
        }
    }

    @Test
    void retriesABodyCutShort() throws Exception {
        stub.on(PAGE_1, cutShort(PAGE), json(200, PAGE));

        // A request timeout far beyond await()'s: answered at all, the client saw the connection end
        // rather than waiting the timeout out.
        FetchSettings s = settings(4, Duration.ofMinutes(10), 1 << 20).toBuilder().deadline(Duration.ofMinutes(10)).build();
        PageResult r = await(client(s).page(FEED, DATE, 1));

        assertThat(stub.seen(PAGE_1)).hasSize(2);
        assertThat(r.ok()).isTrue();
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.page().records()).containsExactly(RECORD_1, RECORD_2);
    }

    @Test
    void decodesAGzipBody() throws Exception {
        stub.on(PAGE_1, gzip(PAGE));

        PageResult r = await(client(settings()).page(FEED, DATE, 1));

        assertThat(r.ok()).isTrue();
        assertThat(r.page().batchId()).isEqualTo("B-1");
        assertThat(r.page().records()).containsExactly(RECORD_1, RECORD_2);
    }

    @Test
    void stopsReadingABodyOverTheLimitAndDoesNotRetry() throws Exception {
        // 1 GiB offered against a 64 KiB limit: the client must hang up, not buffer it.
        stub.on(PAGE_1, endless(1L << 30));

        PageResult r = await(client(settings(4, Duration.ofSeconds(5), 64 * 1024)).page(FEED, DATE, 1));

        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(r.failure().getMessage()).contains("exceeded 65536 bytes");
        assertThat(r.failure().getHttpStatus()).isEqualTo(200);
        assertThat(counts.bytes.get()).isLessThan(16L << 20);
    }

    @Test
    void aBodyThatStopsBeingJsonIsGivenUpAsItArrivesNotReadToTheLimit() throws Exception {
        stub.on(PAGE_1, StubCounterparty.startsLikeJsonThenGarbage(1L << 30));

        PageResult r = await(client(settings(2, Duration.ofSeconds(5), 64L << 20)).page(FEED, DATE, 1));

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(r.failure().getHttpStatus()).isEqualTo(200);
        assertThat(r.failure().getMessage()).contains("given up while it arrived");
        // Retried like any unparseable body, each time dropped at the first bad bytes.
        assertThat(stub.seen(PAGE_1)).hasSize(2);
        assertThat(counts.bytes.get()).isLessThan(2L << 20);
    }

    @Test
    void failsAtOnceOnADeclaredLengthOverTheLimit() throws Exception {
        stub.on(PAGE_1, json(200, PAGE));

        PageResult r = await(client(settings(4, Duration.ofSeconds(2), 64)).page(FEED, DATE, 1));

        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(r.failure().getMessage()).contains("exceeded 64 bytes");
    }

    @Test
    void limitsTheDecodedSizeOfAGzipBodyToo() throws Exception {
        StringBuilder big = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 20_000; i++) {
            big.append(i == 0 ? "" : ",").append("{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
        }
        String body = big.append("]}").toString();
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(compressed)) {
            gz.write(body.getBytes());
        }
        assertThat(compressed.size()).isLessThan(64 * 1024);
        stub.on(PAGE_1, gzip(body));

        PageResult r = await(client(settings(4, Duration.ofSeconds(2), 64 * 1024)).page(FEED, DATE, 1));

        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(r.failure().getMessage()).contains("decoded response body exceeded 65536 bytes");
    }

    @Test
    void retriesABodyThatDoesNotParseThenReportsItUnparseable() throws Exception {
        stub.on(PAGE_1, json(200, "{\"batch_id\":\"B-1\",\"records\":[{\"a\":1},"));

        PageResult r = await(client(settings()).page(FEED, DATE, 1));

        assertThat(stub.seen(PAGE_1)).hasSize(4);
        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(r.failure().getHttpStatus()).isEqualTo(200);
        assertThat(r.failure().getAttempts()).isEqualTo(4);
    }

    @Test
    void aManifestMissingRequiredFieldsIsRetriedThenUnparseable() throws Exception {
        stub.on(MANIFEST_PATH, json(200, "{\"feed\":\"" + FEED + "\",\"business_date\":\"" + DATE + "\"}"),
                json(200, MANIFEST));

        ManifestResult ok = await(client(settings()).manifest(FEED, DATE));
        assertThat(ok.ok()).isTrue();
        assertThat(ok.attempts()).isEqualTo(2);

        stub.on(MANIFEST_PATH, json(200, "{\"feed\":\"" + FEED + "\",\"business_date\":\"" + DATE + "\"}"));
        ManifestResult bad = await(client.manifest(FEED, DATE));
        assertThat(bad.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(bad.failure().getMessage()).contains("lacks batch_id");
    }

    @Test
    void aBodyThatNeverFinishesHitsTheRequestTimeoutAndIsRetried() throws Exception {
        stub.on(PAGE_1, stub.stallBody(), json(200, PAGE));

        long asked = System.nanoTime();
        PageResult r = await(client(settings(4, Duration.ofMillis(300), 1 << 20)).page(FEED, DATE, 1));

        assertThat(r.ok()).isTrue();
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(stub.seen(PAGE_1)).hasSize(2);
        // The timeout is the behaviour: the retry reached the counterparty only after the stalled
        // attempt's 300 ms, which began after it was asked for, were out.
        assertThat(Duration.ofNanos(stub.seen(PAGE_1).get(1).nanos() - asked)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void retriesWhenNobodyListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        ManifestResult r = await(client("http://127.0.0.1:" + port, settings()).manifest(FEED, DATE));

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(r.failure().getHttpStatus()).isNull();
        assertThat(r.failure().getAttempts()).isEqualTo(4);
        assertThat(r.failure().getMessage()).contains("I/O error");
    }

    @Test
    void keepsTheBaseUrlsPathPrefix() throws Exception {
        stub.on("/api/cp" + MANIFEST_PATH, json(200, MANIFEST));

        ManifestResult r = await(client(stub.baseUrl() + "/api/cp/", settings()).manifest(FEED, DATE));

        assertThat(r.ok()).isTrue();
    }

    @Test
    void neverLetsTheTokenIntoAFailure() throws Exception {
        // A server that echoes the credentials it was given back in its error message.
        stub.on(MANIFEST_PATH, json(401, "{\"error\":\"unauthorized\",\"message\":\"token Bearer " + TOKEN + " revoked\"}"));
        stub.on(PAGE_1, json(500, "{\"error\":\"oops\",\"message\":\"" + TOKEN + "\"}"));

        ManifestResult m = await(client(settings()).manifest(FEED, DATE));
        PageResult p = await(client.page(FEED, DATE, 1));

        assertThat(m.failure().getMessage()).contains("unauthorized").doesNotContain(TOKEN);
        assertThat(p.failure().getMessage()).doesNotContain(TOKEN);
        assertThat(m.toString()).doesNotContain(TOKEN);
        assertThat(client.toString()).doesNotContain(TOKEN);
    }

    @Test
    void aMissingTokenVariableIsNamedNotShown() {
        String variable = "RECONFLOW_TEST_TOKEN_THAT_IS_NOT_SET_7D1F";
        assertThat(System.getenv(variable)).isNull();

        assertThatThrownBy(() -> new CounterpartyClient(new CounterpartyEndpoint("acme", stub.baseUrl(), variable), settings()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(variable)
                .hasMessageContaining("acme");
    }

    @Test
    void aTokenThatCannotBeAHeaderIsRefusedWithoutShowingIt() {
        String bad = "line1\nline2-secret";

        assertThatThrownBy(() -> new CounterpartyClient(new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN"),
                settings(), FetchListener.NONE, () -> bad))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ACME_TOKEN")
                .hasMessageNotContaining("secret");
    }

    @Test
    void aClosedClientAnswersWithAFailure() throws Exception {
        client(settings()).close();

        ManifestResult r = await(client.manifest(FEED, DATE));

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(r.failure().getMessage()).contains("closed");
        assertThat(stub.seen()).isEmpty();
    }

    @Test
    void cancellingTheAnswerStopsTheRetries() throws Exception {
        stub.on(MANIFEST_PATH, status(503));
        FetchSettings slow = FetchSettings.builder().capacity(4).connectTimeout(Duration.ofSeconds(1))
                .requestTimeout(Duration.ofSeconds(2)).maxAttempts(50)
                .backoff(Duration.ofMillis(200), Duration.ofMillis(200)).maxBodyBytes(1 << 20).build();
        CompletableFuture<ManifestResult> f = client(slow).manifest(FEED, DATE);
        while (stub.seen(MANIFEST_PATH).isEmpty()) {
            Thread.onSpinWait();
        }

        f.cancel(true);
        int seenAtCancel = stub.seen(MANIFEST_PATH).size();
        TimeUnit.MILLISECONDS.sleep(600);

        assertThat(stub.seen(MANIFEST_PATH).size()).isLessThanOrEqualTo(seenAtCancel + 1);
    }
}
