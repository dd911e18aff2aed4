package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.PAGE_1;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.CounterpartyClientTest.await;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.ErrorCode;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bodies built to make the client work without end, or to sink a page for one record. */
class HostileBodiesTest {

    StubCounterparty stub;
    CounterpartyClientTest.Counts counts;
    CounterpartyClient client;

    @BeforeEach
    void start() throws Exception {
        stub = new StubCounterparty();
        counts = new CounterpartyClientTest.Counts();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        stub.close();
    }

    private CounterpartyClient client(FetchSettings s) {
        client = new CounterpartyClient(new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN"), s, counts, () -> TOKEN);
        return client;
    }

    @Test
    void anEndlessStringWithoutContentLengthIsDroppedAtTheBodyCapAndNotRetried() throws Exception {
        // Longer than Jackson's default 20,000,000-character string limit, which must not fire first.
        long limit = 24L << 20;
        stub.on(PAGE_1, ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            try (OutputStream os = ex.getResponseBody()) {
                os.write("{\"batch_id\":\"B-1\",\"page\":1,\"records\":[{\"a\":\"".getBytes(StandardCharsets.UTF_8));
                for (long sent = 0; sent < 4 * limit; sent += chunk.length) {
                    os.write(chunk);
                }
            }
        });

        PageResult r = await(client(settings(6, Duration.ofSeconds(10), limit)).page(FEED, DATE, 1));

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
        assertThat(r.failure().getMessage()).contains("exceeded " + limit + " bytes");
        assertThat(r.failure().getAttempts()).isEqualTo(1);
        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(counts.bytes.get()).isLessThan(2 * limit);
    }

    @Test
    void hostileRecordsArriveAsOnePageInOneRequest() throws Exception {
        StringBuilder page = new StringBuilder("{\"batch_id\":\"B-1\",\"page\":1,\"records\":[{\"ok\":0}");
        for (String h : PageParserTest.HOSTILE) {
            page.append(',').append(h);
        }
        byte[] body = page.append(",{\"a\":\"xx\"}]}").toString().getBytes(StandardCharsets.UTF_8);
        body[body.length - 6] = (byte) 0xC3; // the last record's bytes stop being UTF-8
        stub.on(PAGE_1, ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: checked as it arrives
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });

        PageResult r = await(client(settings(4, Duration.ofSeconds(5), 1 << 20)).page(FEED, DATE, 1));

        assertThat(r.ok()).as("%s", r.failure()).isTrue();
        assertThat(stub.seen(PAGE_1)).hasSize(1);
        assertThat(r.page().records()).hasSize(PageParserTest.HOSTILE.size() + 2);
        assertThat(r.page().undecodable()).containsOnlyKeys(PageParserTest.HOSTILE.size() + 1);
    }

    @Test
    void aManifestOfTooManyPagesFailsAtOnceWithItsCode() throws Exception {
        stub.on(MANIFEST_PATH, json(200, "{\"feed\":\"" + FEED + "\",\"business_date\":\"" + DATE + "\",\"batch_id\":\"B-1\","
                + "\"record_count\":3,\"page_count\":1000000000,\"control_total\":\"1.5\"}"));

        ManifestResult r = await(client(settings().toBuilder().maxPages(1000).build()).manifest(FEED, DATE));

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.MANIFEST_INVALID);
        assertThat(r.failure().getMessage()).contains("page_count 1000000000 is above fetch.max_pages 1000");
        assertThat(stub.seen(MANIFEST_PATH)).hasSize(1);
    }

    @Test
    void aManifestWithAnAbsurdControlTotalFailsAtOnceWithItsCode() throws Exception {
        stub.on(MANIFEST_PATH, json(200, "{\"feed\":\"" + FEED + "\",\"business_date\":\"" + DATE + "\",\"batch_id\":\"B-1\","
                + "\"record_count\":3,\"page_count\":1,\"control_total\":\"1e999999\"}"));

        ManifestResult r = await(client(settings()).manifest(FEED, DATE));

        assertThat(r.failure().getCode()).isEqualTo(ErrorCode.MANIFEST_INVALID);
        assertThat(r.failure().getMessage()).contains("control_total");
        assertThat(stub.seen(MANIFEST_PATH)).hasSize(1);
    }
}
