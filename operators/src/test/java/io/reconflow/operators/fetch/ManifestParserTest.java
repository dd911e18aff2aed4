package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestParserTest {

    private static ManifestResult.Manifest parse(String body) throws UnparseableBodyException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return ManifestParser.parse(b, b.length, "supply-invoices", "2024-03-01");
    }

    @Test
    void readsAllFieldsKeepingTheControlTotalAsText() throws Exception {
        ManifestResult.Manifest m = parse("{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\","
                + "\"batch_id\":\"B-1\",\"record_count\":12345678901,\"page_count\":3,"
                + "\"control_total\":\"1234567890.123456789000\",\"published_at\":\"2024-03-02T01:00:00Z\","
                + "\"unknown\":{\"x\":1}}");

        assertThat(m).isEqualTo(new ManifestResult.Manifest("supply-invoices", "2024-03-01", "B-1", 12345678901L, 3,
                "1234567890.123456789000", "2024-03-02T01:00:00Z"));
    }

    @Test
    void publishedAtIsOptional() throws Exception {
        ManifestResult.Manifest m = parse("{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\","
                + "\"batch_id\":\"B-1\",\"record_count\":0,\"page_count\":0,\"control_total\":\"0\"}");

        assertThat(m.publishedAt()).isNull();
        assertThat(m.pageCount()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":-1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1.5,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1,\"control_total\":\"lots\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":null,\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"rebate-claims\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-02\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"}",
        "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B\",\"record_count\":1,\"page_count\":1,\"control_total\":\"1\"",
        "[]",
        ""
    })
    void rejectsManifestsShortOfTheContract(String body) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(UnparseableBodyException.class);
    }
}
