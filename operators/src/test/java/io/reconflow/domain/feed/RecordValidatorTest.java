package io.reconflow.domain.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.operators.TestFeeds;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class RecordValidatorTest {
    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);

    private RecordValidator.Outcome check(ObjectNode n) {
        return validator.validate(n, false);
    }

    private Violation violation(ObjectNode n) {
        RecordValidator.Outcome o = check(n);
        assertThat(o.record()).as("expected a violation for %s", n).isNull();
        return o.violation();
    }

    private BigDecimal decimal(Row r, String field) {
        return (BigDecimal) value(r, field);
    }

    private Object value(Row r, String field) {
        return r.getField(feed.field(field).position());
    }

    @Test
    void validRecordBecomesTypedWithExactDecimalsAndUtcInstants() {
        ObjectNode n = TestFeeds.trade("T-1");
        n.put("delivery_start", "2026-11-21T01:00:00+01:00");
        n.put("unknown_extra", "ignored");
        RecordValidator.Outcome o = check(n);
        assertThat(o.violation()).isNull();
        Row r = o.record();
        assertThat(value(r, "trade_id")).isEqualTo("T-1");
        assertThat(decimal(r, "volume_mwh")).isEqualByComparingTo("120.5");
        assertThat(decimal(r, "price")).isEqualByComparingTo("43.21");
        assertThat(decimal(r, "price").scale()).as("at the field's scale").isEqualTo(feed.field("price").scale());
        assertThat(FeedValues.instant((Long) value(r, "delivery_start")).toString()).isEqualTo("2026-11-21T00:00:00Z");
        assertThat(value(r, "side")).isEqualTo("BUY");
    }

    @Test
    void decimalAsStringAndAsNumberAreTheSameValue() throws Exception {
        ObjectNode asNumber = (ObjectNode) TestFeeds.JSON.readTree(TestFeeds.trade("T-1").put("volume_mwh", "x").toString()
                .replace("\"x\"", "12.5"));
        ObjectNode asString = TestFeeds.trade("T-1").put("volume_mwh", "12.500");
        assertThat(decimal(check(asNumber).record(), "volume_mwh"))
                .isEqualTo(decimal(check(asString).record(), "volume_mwh"));
    }

    @Test
    void decimalsWithManySignificantDigitsStayExact() throws Exception {
        String digits = "12345678901234567890.123456789012345678";
        ObjectNode n = (ObjectNode) TestFeeds.JSON.readTree(TestFeeds.trade("T-1").toString()
                .replace("\"43.21\"", digits));
        assertThat(decimal(check(n).record(), "price").toPlainString()).isEqualTo(digits);
    }

    @Test
    void missingRequiredFieldIsRejected() {
        ObjectNode n = TestFeeds.trade("T-1");
        n.remove("delivery_point");
        assertThat(violation(n)).extracting(Violation::code, Violation::field)
                .containsExactly(ErrorCode.MISSING_FIELD, "delivery_point");
        n = TestFeeds.trade("T-1");
        n.putNull("price");
        assertThat(violation(n).code()).isEqualTo(ErrorCode.MISSING_FIELD);
    }

    @Test
    void wrongTypesAreRejectedWithTheirCode() {
        assertThat(violation(TestFeeds.trade("T-1").put("trade_id", 17)).code()).isEqualTo(ErrorCode.BAD_TYPE);
        assertThat(violation(TestFeeds.trade("T-1").put("volume_mwh", "12,5")).code()).isEqualTo(ErrorCode.BAD_DECIMAL);
        assertThat(violation(TestFeeds.trade("T-1").put("volume_mwh", "1e3")).code()).isEqualTo(ErrorCode.BAD_DECIMAL);
        assertThat(violation(TestFeeds.trade("T-1").put("volume_mwh", true)).code()).isEqualTo(ErrorCode.BAD_TYPE);
        assertThat(violation(TestFeeds.trade("T-1").put("product", "COAL")).code()).isEqualTo(ErrorCode.BAD_ENUM);
        assertThat(violation(TestFeeds.trade("T-1").put("currency", "eur")).code()).isEqualTo(ErrorCode.BAD_FORMAT);
    }

    @Test
    void timestampWithoutOffsetIsRejectedNotAssumedUtc() {
        Violation v = violation(TestFeeds.trade("T-1").put("trade_time", "2026-11-20T09:15:00"));
        assertThat(v.code()).isEqualTo(ErrorCode.BAD_TIMESTAMP);
        assertThat(v.field()).isEqualTo("trade_time");
        assertThat(v.message()).contains("no offset");
        assertThat(violation(TestFeeds.trade("T-1").put("trade_time", "yesterday")).code()).isEqualTo(ErrorCode.BAD_TIMESTAMP);
    }

    @Test
    void domainChecksHold() {
        Violation order = violation(TestFeeds.trade("T-1").put("delivery_end", "2026-11-20T00:00:00Z"));
        assertThat(order.code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(order.field()).isEqualTo("delivery_start");
        Violation positive = violation(TestFeeds.trade("T-1").put("volume_mwh", "0"));
        assertThat(positive.code()).isEqualTo(ErrorCode.DOMAIN_CHECK);
        assertThat(positive.field()).isEqualTo("volume_mwh");
    }

    @Test
    void moreDecimalPlacesThanTheSchemaKeepsIsRejected() {
        Violation v = violation(TestFeeds.trade("T-1").put("price", "1.1234567890123456789"));
        assertThat(v.code()).isEqualTo(ErrorCode.BAD_DECIMAL);
        assertThat(v.message()).contains("decimal places");
    }

    @Test
    void csvTextIsReadAsNumbersAndEmptyCellsAsAbsent() {
        ObjectNode n = TestFeeds.trade("T-1");
        n.put("volume_mwh", "120.500");
        assertThat(validator.validate(n, true).record()).isNotNull();
        n.put("counterparty_id", "");
        assertThat(validator.validate(n, true).violation().code()).isEqualTo(ErrorCode.MISSING_FIELD);
    }

    @Test
    void nonObjectIsUnparseable() throws Exception {
        assertThat(validator.validate(TestFeeds.JSON.readTree("[1,2]"), false).violation().code())
                .isEqualTo(ErrorCode.RECORD_UNPARSEABLE);
    }

    @Test
    void plainDecimalGrammar() {
        assertThat(RecordValidator.isPlainDecimal("-12.50")).isTrue();
        assertThat(RecordValidator.isPlainDecimal(".5")).isTrue();
        assertThat(RecordValidator.isPlainDecimal("1e3")).isFalse();
        assertThat(RecordValidator.isPlainDecimal("1.2.3")).isFalse();
        assertThat(RecordValidator.isPlainDecimal("-")).isFalse();
        assertThat(RecordValidator.isPlainDecimal("")).isFalse();
    }
}
