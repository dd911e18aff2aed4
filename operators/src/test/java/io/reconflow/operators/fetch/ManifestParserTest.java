package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reconflow.events.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestParserTest {

    private static ManifestResult.Manifest parse(String body) throws UnparseableBodyException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return ManifestParser.parse(b, b.length, "supply-invoices", "2024-03-01", 100);
    }

    private static String manifest(String pageCount, String controlTotal) {
        return "{\"feed\":\"supply-invoices\",\"business_date\":\"2024-03-01\",\"batch_id\":\"B-1\","
                + "\"record_count\":5,\"page_count\":" + pageCount + ",\"control_total\":" + controlTotal + "}";
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

    @Test
    void aPageCountAboveMaxPagesIsAnInvalidManifestNotRetried() throws Exception {
        assertThat(parse(manifest("100", "\"1\"")).pageCount()).isEqualTo(100);

        assertThatThrownBy(() -> parse(manifest("1000000000", "\"1\"")))
                .isInstanceOfSatisfying(UnparseableBodyException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("page_count 1000000000 is above fetch.max_pages 100");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\"1e999999\"", "\"1e999999999\"", "\"1e-999999999\"", "\"1E3\"",
        "\"123456789012345678901.5\"",                // 21 digits before the point: beyond DECIMAL(38,18)
        "\"1.1234567890123456789\"",                  // 19 places
        "\"12,5\"", "\"\"", "\" \""
    })
    void aControlTotalThatIsNoDecimal38x18IsAnInvalidManifestNotRetried(String total) {
        assertThatThrownBy(() -> parse(manifest("1", total)))
                .isInstanceOfSatisfying(UnparseableBodyException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("control_total").hasSizeLessThan(400);
                });
    }

    @Test
    void hugeNumbersAreInvalidManifestsFoundWithoutBuildingThem() {
        String digits = "9".repeat(100_000);
        for (String body : new String[] {manifest("1", "\"" + digits + "\""), manifest(digits, "\"1\""),
                manifest("1e999999999", "\"1\"")}) {
            assertThatThrownBy(() -> parse(body)).isInstanceOfSatisfying(UnparseableBodyException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
                assertThat(e.getMessage()).hasSizeLessThan(400);
            });
        }
    }

    @Test
    void aRepeatedKeyIsAnInvalidManifest() {
        String body = manifest("1", "\"1\"").replace("\"record_count\":5", "\"record_count\":5,\"record_count\":6");

        assertThatThrownBy(() -> parse(body)).isInstanceOfSatisfying(UnparseableBodyException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID));
    }

    @Test
    void aBodyThatDoesNotParseIsStillRetried() {
        assertThatThrownBy(() -> parse(manifest("1", "\"1\"").replace("}", ""))).isInstanceOfSatisfying(
                UnparseableBodyException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PAGE_UNPARSEABLE);
                    assertThat(e.retryable()).isTrue();
                });
    }
}
