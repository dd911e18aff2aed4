package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reconflow.events.PageRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tokens are read, and checked, where the requests are made: on the TaskManagers, when a fetch opens. */
class TokenCheckTest {

    static final String UNSET = "RECONFLOW_TEST_TOKEN_THAT_IS_NOT_SET";

    @Test
    void aMissingTokenFailsTheFetchAtOpenNamingTheVariableAndTheCounterparty() {
        FetchPage fn = new FetchPage(
                Map.of("acme", new CounterpartyEndpoint("acme", "http://127.0.0.1:8089", UNSET)), FetchSettings.defaults());

        assertThatThrownBy(() -> AsyncHarness.open(fn, PageRequest.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("environment variable " + UNSET + " (bearer token of counterparty acme) is not set or empty");
    }
}
