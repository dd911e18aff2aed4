package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_2;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static io.reconflow.operators.fetch.StubCounterparty.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The emergency pause: the gate itself, the client's admission under it, and the file that flips it. */
class PauseGateTest {

    @TempDir
    Path tmp;

    @Test
    void holdsWhilePausedAndLetsHeldWorkGoOnResumeInOrder() {
        PauseGate gate = PauseGate.of("gate-unit");
        List<String> ran = new ArrayList<>();
        assertThat(gate.hold(() -> ran.add("never"))).as("not paused: not held").isFalse();
        long before = System.nanoTime();
        assertThat(gate.pausedSince(before)).isFalse();

        gate.pause("maintenance window");
        assertThat(gate.paused()).isTrue();
        assertThat(gate.reason()).isEqualTo("maintenance window");
        assertThat(gate.hold(() -> ran.add("first"))).isTrue();
        assertThat(gate.hold(() -> ran.add("second"))).isTrue();
        assertThat(gate.held()).isEqualTo(2);
        assertThat(ran).isEmpty();
        assertThat(gate.pausedSince(before)).isTrue();

        gate.resume();
        assertThat(gate.paused()).isFalse();
        assertThat(ran).containsExactly("first", "second");
        assertThat(gate.held()).isZero();
        assertThat(gate.pausedSince(before)).as("paused within the interval, though resumed since").isTrue();
        assertThat(gate.pausedSince(System.nanoTime())).isFalse();
    }

    @Test
    void aPausedCounterpartyGetsNoNewRequestFailsNoneAndItsInFlightRequestCompletes() throws Exception {
        String name = "paused-client";
        PauseGate gate = PauseGate.of(name);
        CountDownLatch firstArrived = new CountDownLatch(1);
        CountDownLatch pausedNow = new CountDownLatch(1);
        // Deadline 600 ms: a request held for longer must still not fail, its deadline stopped while held.
        FetchSettings s = CounterpartyClientTest.settings(4, Duration.ofMillis(600), 1 << 20).toBuilder()
                .deadline(Duration.ofMillis(600)).build();
        try (StubCounterparty stub = new StubCounterparty()) {
            stub.on(PAGE_1, ex -> {
                firstArrived.countDown();
                pausedNow.await(5, TimeUnit.SECONDS); // answers only once the pause is on
                json(200, PAGE).respond(ex);
            });
            stub.on(PAGE_2, json(200, PAGE.replace("\"page\":1", "\"page\":2")));
            stub.on(CounterpartyPoliciesTest.page(3), stub.stallBody());
            try (CounterpartyClient client = new CounterpartyClient(new CounterpartyEndpoint(name, stub.baseUrl(), "ACME_TOKEN"),
                    s, FetchListener.NONE, () -> TOKEN);
                 CounterpartyClient witness = new CounterpartyClient(new CounterpartyEndpoint(name + "-witness",
                         stub.baseUrl(), "ACME_TOKEN"), s, FetchListener.NONE, () -> TOKEN)) {
                CompletableFuture<PageResult> inFlight = client.page(FEED, DATE, 1);
                assertThat(firstArrived.await(5, TimeUnit.SECONDS)).isTrue();
                gate.pause("test");
                CompletableFuture<PageResult> held = client.page(FEED, DATE, 2);
                Eventually.until("the new request held", () -> gate.held() == 1);
                pausedNow.countDown();

                assertThat(inFlight.get(5, TimeUnit.SECONDS).ok()).as("in flight when paused: completes").isTrue();
                // A request to an unpaused counterparty, sent after the held one with the same deadline,
                // fails at that deadline: by then the held one's has passed too.
                PageResult late = witness.page(FEED, DATE, 3).get(5, TimeUnit.SECONDS);
                assertThat(late.ok()).isFalse();
                assertThat(late.failure().getMessage()).contains("deadline");
                assertThat(held).as("held, not failed").isNotDone();
                assertThat(stub.seen(PAGE_2)).as("no new request while paused").isEmpty();

                gate.resume();
                PageResult answer = held.get(5, TimeUnit.SECONDS);
                assertThat(answer.ok()).as("after resume: %s", answer.failure()).isTrue();
                assertThat(stub.seen(PAGE_2)).hasSize(1);
            }
        } finally {
            gate.resume();
        }
    }

    @Test
    void aRetryWaitsForTheResumeToo() throws Exception {
        String name = "paused-retry";
        PauseGate gate = PauseGate.of(name);
        try (StubCounterparty stub = new StubCounterparty()) {
            stub.on(PAGE_1, ex -> {
                gate.pause("paused between attempts");
                status(503).respond(ex);
            }, json(200, PAGE));
            try (CounterpartyClient client = new CounterpartyClient(new CounterpartyEndpoint(name, stub.baseUrl(), "ACME_TOKEN"),
                    CounterpartyClientTest.settings(), FetchListener.NONE, () -> TOKEN)) {
                CompletableFuture<PageResult> page = client.page(FEED, DATE, 1);
                Eventually.until("the retry held, after its 503", () -> gate.held() == 1);
                assertThat(page).isNotDone();
                assertThat(stub.seen(PAGE_1)).as("the retry is held").hasSize(1);
                gate.resume();
                assertThat(page.get(5, TimeUnit.SECONDS).ok()).isTrue();
                assertThat(stub.seen(PAGE_1)).hasSize(2);
            }
        } finally {
            gate.resume();
        }
    }

    @Test
    void theFilePausesTheCounterpartiesItNamesAndResumesThemWhenTheyLeaveIt() throws Exception {
        Path file = tmp.resolve("pause");
        Files.writeString(file, "# comment\n\npaused-by-file   counterparty asked us to stop\nsomeone-else\n");
        PauseGate gate = PauseGate.of("paused-by-file");
        PauseGate other = PauseGate.of("not-in-file");
        other.pause("by hand");
        try (AutoCloseable watch = PauseFileWatcher.watch(new PauseFileWatcher.Settings(file.toString(), Duration.ofMillis(50)),
                Set.of("paused-by-file", "not-in-file"))) {
            assertThat(gate.paused()).as("read at once when watching starts").isTrue();
            assertThat(gate.reason()).isEqualTo("counterparty asked us to stop");
            assertThat(other.paused()).as("a watched counterparty the file does not name runs").isFalse();

            Files.writeString(file, "someone-else\n");
            Eventually.until("resumed", () -> !gate.paused());
            Files.writeString(file, "paused-by-file\n");
            Eventually.until("paused", gate::paused);
            assertThat(gate.reason()).isEqualTo("(no reason given)");
            Files.delete(file);
            Eventually.until("resumed", () -> !gate.paused());
        } finally {
            gate.resume();
            other.resume();
        }
        assertThat(PauseFileWatcher.parse("a x y\n#b\n  c\t z ")).isEqualTo(Map.of("a", "x y", "c", "z"));
    }
}
