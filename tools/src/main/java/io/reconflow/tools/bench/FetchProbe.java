package io.reconflow.tools.bench;

import io.reconflow.operators.fetch.CounterpartyClient;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.operators.fetch.FetchSettings;
import io.reconflow.operators.fetch.PageResult;
import io.reconflow.sim.CounterpartySimulator;
import io.reconflow.sim.Faults;
import io.reconflow.sim.Scenario;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetch rate without Flink: GETs every page of a batch from the simulator, {@code inFlight} at a
 * time, either through the project's {@link CounterpartyClient} (with its policies) or through a
 * bare JDK {@link HttpClient}, so that the two can be compared with the simulator's own ceiling.
 *
 * <pre>FetchProbe [--pages 4000] [--page-size 2] [--latency-ms 50] [--in-flight 64] [--client reconflow|jdk]</pre>
 */
public final class FetchProbe {

    /** What one probe measured. */
    public record Result(String client, int pages, int pageSize, long latencyMs, int inFlight, long millis,
                         int failures, int maxInFlight) {
        public double pagesPerSecond() {
            return pages * 1000.0 / Math.max(1, millis);
        }

        /** Little's law: at most {@code inFlight / latency} pages per second. */
        public double bound() {
            return latencyMs == 0 ? Double.NaN : inFlight * 1000.0 / latencyMs;
        }
    }

    private FetchProbe() {}

    public static void main(String[] args) throws Exception {
        int pages = 4000;
        int pageSize = 2;
        long latencyMs = 50;
        int inFlight = 64;
        String client = "reconflow";
        String tokenEnv = Benchmark.TOKEN_ENV;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pages" -> pages = Integer.parseInt(args[++i]);
                case "--page-size" -> pageSize = Integer.parseInt(args[++i]);
                case "--latency-ms" -> latencyMs = Long.parseLong(args[++i]);
                case "--in-flight" -> inFlight = Integer.parseInt(args[++i]);
                case "--client" -> client = args[++i];
                case "--token-env" -> tokenEnv = args[++i];
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        Result r = run(java.nio.file.Path.of("conf/recon"), client, pages, pageSize, latencyMs, inFlight, tokenEnv);
        System.out.printf("%s client: %,d pages of %d records, latency %d ms, %d in flight: %,d ms, %,.0f pages/s"
                        + " (%.0f %% of the bound %,.0f), %d failed, at most %d in flight%n", r.client(), r.pages(),
                r.pageSize(), r.latencyMs(), r.inFlight(), r.millis(), r.pagesPerSecond(),
                100 * r.pagesPerSecond() / r.bound(), r.bound(), r.failures(), r.maxInFlight());
    }

    /** Warms up on a quarter of the pages, then measures all of them. */
    public static Result run(java.nio.file.Path confDir, String client, int pages, int pageSize, long latencyMs, int inFlight, String tokenEnv)
            throws Exception {
        String token = System.getenv(tokenEnv);
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("set " + tokenEnv);
        }
        Scenario scenario = BenchData.fetchScenario(confDir, pages, pageSize);
        Faults faults = latencyMs == 0 ? Faults.none()
                : Faults.builder().slow(1.0, Duration.ofMillis(latencyMs)).maxFaultsPerPath(Integer.MAX_VALUE).build();
        try (CounterpartySimulator sim = new CounterpartySimulator(scenario, BenchData.COUNTERPARTY, token, faults, 0)) {
            Fetcher f = client.equals("jdk") ? new JdkFetcher(sim.url(), token) : new ClientFetcher(sim.url(), tokenEnv, inFlight);
            try (f) {
                pass(f, Math.max(1, pages / 4), inFlight);
                long start = System.nanoTime();
                int[] failed = pass(f, pages, inFlight);
                long ms = (System.nanoTime() - start) / 1_000_000;
                return new Result(client, pages, pageSize, latencyMs, inFlight, ms, failed[0], failed[1]);
            }
        }
    }

    /** @return failures and the most requests seen in flight */
    private static int[] pass(Fetcher f, int pages, int inFlight) throws InterruptedException {
        Semaphore places = new Semaphore(inFlight);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger now = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        for (int p = 1; p <= pages; p++) {
            places.acquire();
            max.accumulateAndGet(now.incrementAndGet(), Math::max);
            f.page(p).whenComplete((ok, err) -> {
                if (err != null || !Boolean.TRUE.equals(ok)) {
                    failed.incrementAndGet();
                }
                now.decrementAndGet();
                places.release();
            });
        }
        places.acquire(inFlight);
        return new int[] {failed.get(), max.get()};
    }

    private interface Fetcher extends AutoCloseable {
        CompletableFuture<Boolean> page(int page);

        @Override
        void close();
    }

    private static final class ClientFetcher implements Fetcher {
        private final CounterpartyClient client;

        ClientFetcher(String url, String tokenEnv, int inFlight) {
            FetchSettings s = FetchSettings.builder().maxInFlight(inFlight).maxInFlightTotal(inFlight)
                    .rateLimit(1_000_000, 1_000_000).build();
            client = new CounterpartyClient(new CounterpartyEndpoint(BenchData.COUNTERPARTY, url, tokenEnv, null), s);
        }

        @Override
        public CompletableFuture<Boolean> page(int page) {
            return client.page(BenchData.FEED, BenchData.DATE.toString(), page).thenApply(PageResult::ok);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** The JDK client alone, as a careful engineer would call it: the reference for the client's overhead. */
    private static final class JdkFetcher implements Fetcher {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final String base;
        private final String authorization;

        JdkFetcher(String url, String token) {
            this.base = url + "/v1/feeds/" + BenchData.FEED + "/batches/" + BenchData.DATE + "/pages/";
            this.authorization = "Bearer " + token;
        }

        @Override
        public CompletableFuture<Boolean> page(int page) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + page)).header("Authorization", authorization).GET().build();
            return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()).thenApply(resp -> resp.statusCode() == 200);
        }

        @Override
        public void close() {}
    }

}
