package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JDK's HTTP client logging of headers would print the bearer token: the job refuses it. */
class HttpClientLogGuardTest {

    @Test
    void refusesSettingsThatLogHeaders() {
        for (String value : new String[] {"all", "headers", "errors,headers", " ALL ", "requests, Headers"}) {
            assertThatThrownBy(() -> HttpClientLogGuard.check(value))
                    .as(value)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("jdk.httpclient.HttpClient.log=" + value)
                    .hasMessageContaining("bearer tokens");
        }
    }

    @Test
    void allowsUnsetAndHeaderlessSettings() {
        for (String value : new String[] {null, "", "errors", "errors,requests", "ssl"}) {
            assertThatCode(() -> HttpClientLogGuard.check(value)).as(String.valueOf(value)).doesNotThrowAnyException();
        }
    }

    @Test
    void noClientIsOpenedWhileTheJvmWouldLogHeaders() {
        String before = System.getProperty(HttpClientLogGuard.PROPERTY);
        System.setProperty(HttpClientLogGuard.PROPERTY, "all");
        try {
            assertThatThrownBy(() -> CounterpartyClients.open(Map.of(), FetchSettings.defaults(), null, null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(HttpClientLogGuard.PROPERTY);
        } finally {
            if (before == null) {
                System.clearProperty(HttpClientLogGuard.PROPERTY);
            } else {
                System.setProperty(HttpClientLogGuard.PROPERTY, before);
            }
        }
        assertThatCode(() -> CounterpartyClients.open(Map.of(), FetchSettings.defaults(), null, null).close())
                .doesNotThrowAnyException();
    }
}
