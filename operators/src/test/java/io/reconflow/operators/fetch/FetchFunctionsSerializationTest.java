package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The functions travel in the job graph, so they must survive Java serialization. */
class FetchFunctionsSerializationTest {

    static final Map<String, CounterpartyEndpoint> ENDPOINTS =
            Map.of("acme", new CounterpartyEndpoint("acme", "http://127.0.0.1:8089", "ACME_TOKEN"));

    @Test
    void theFetchFunctionsSerialize() throws Exception {
        assertThat(InstantiationUtil.clone(new FetchPage(ENDPOINTS, FetchSettings.defaults()))).isNotNull();
        assertThat(InstantiationUtil.clone(new RouteFetchTasks("recon"))).isNotNull();
        assertThat(InstantiationUtil.clone(new CounterpartySource(List.of(io.reconflow.events.BatchRequest.newBuilder()
                .setCounterparty("acme").setFeed("f").setBusinessDate("2024-03-01").build()), ENDPOINTS,
                FetchSettings.defaults(), 1000))).isNotNull();
    }
}
