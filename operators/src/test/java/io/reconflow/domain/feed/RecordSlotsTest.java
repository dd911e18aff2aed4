package io.reconflow.domain.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.reconflow.events.ErrorCode;
import io.reconflow.operators.TestFeeds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming read into slots decides every record exactly as the tree and the validator on it. */
class RecordSlotsTest {
    private final FeedSpec feed = TestFeeds.energy();
    private final RecordValidator validator = new RecordValidator(feed);
    private final RecordSlots slots = new RecordSlots(feed);

    /** What the tree's way says of a text: a violation, or the record's row as text. */
    private String byTree(String text, boolean textValues) {
        RecordJson.Result parsed = RecordJson.read(text);
        if (parsed.violation() != null) {
            return parsed.violation().toString();
        }
        return describe(validator.validate(parsed.node(), textValues));
    }

    private String bySlots(String text, boolean textValues) {
        return switch (slots.read(text)) {
            case VIOLATION -> slots.violation().toString();
            case NOT_OBJECT -> byTree(text, textValues);
            case OK -> describe(validator.validate(slots, textValues));
        };
    }

    private static String describe(RecordValidator.Outcome o) {
        return o.violation() != null ? o.violation().toString() : "row " + o.record();
    }

    @Test
    void agreesWithTheTreeOnMutatedRecords() {
        ObjectNode numbers = TestFeeds.trade("T-1");
        numbers.put("price", new java.math.BigDecimal("43.210"));
        numbers.put("extra", "x");
        List<String> seeds = List.of(TestFeeds.trade("T-1").toString(), numbers.toString(),
                "{\"trade_id\":\"T-2\",\"side\":\"SELL\",\"nested\":{\"a\":[1,2.5,{\"b\":null}]},\"volume_mwh\":1e2}",
                "[1,2]", "\"text\"", "{}");
        // Pieces that break JSON, the bounds and the schema: quotes, escapes, NUL, surrogates, numbers.
        String[] pieces = {"\"", "\\", ",", ":", "{", "}", "[", "]", "0", "9", ".", "e", "E", "-", "+", " ", "x",
            "\u0000", "\\u0000", "\\ud800", "\\udc00", "\ud83d\ude00", "null", "true", "1e999", "1.5e-3",
            "\"trade_id\":\"T-3\",", "\"volume_mwh\":", "\"price\":\"1\",", "\"extra\":", "NaN", "\u0007", "1".repeat(120)};
        Random random = new Random(7);
        int valid = 0;
        int compared = 0;
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(sb.length() + 1);
                String piece = pieces[random.nextInt(pieces.length)];
                switch (random.nextInt(3)) {
                    case 0 -> sb.insert(at, piece);
                    case 1 -> sb.replace(at, Math.min(sb.length(), at + 1), piece);
                    default -> sb.delete(at, Math.min(sb.length(), at + 1 + random.nextInt(4)));
                }
            }
            String text = sb.toString();
            for (boolean textValues : new boolean[] {false, true}) {
                String expected = byTree(text, textValues);
                assertThat(bySlots(text, textValues)).as("%s (text values: %s)", text, textValues).isEqualTo(expected);
                compared++;
                if (expected.startsWith("row")) {
                    valid++;
                }
            }
        }
        assertThat(compared).isEqualTo(40_000);
        assertThat(valid).as("the mutations keep some valid records").isGreaterThan(200);
    }

    @Test
    void aRepeatedKeyIsCaughtForFieldsOfTheFeedAndOthersAlike() {
        assertThat(slots.read("{\"trade_id\":\"T-1\",\"trade_id\":null}")).isEqualTo(RecordSlots.Read.VIOLATION);
        assertThat(slots.violation().code()).isEqualTo(ErrorCode.DUPLICATE_KEY);
        assertThat(slots.violation().field()).isEqualTo("trade_id");
        assertThat(slots.read("{\"zz\":1,\"trade_id\":\"T-1\",\"zz\":2}")).isEqualTo(RecordSlots.Read.VIOLATION);
        assertThat(slots.violation().field()).isEqualTo("zz");
        // Reused: the next record starts empty.
        assertThat(slots.read("{\"trade_id\":\"T-1\"}")).isEqualTo(RecordSlots.Read.OK);
        assertThat(slots.get(feed.field("trade_id")).textValue()).isEqualTo("T-1");
        assertThat(slots.get(feed.field("price"))).isNull();
    }

    @Test
    void cellsInFeedOrderValidateAsTheirJsonObjectWould() {
        Random random = new Random(11);
        String[] values = {"", " ", "T-1", "CP-7", "POWER", "GAS", "TTF", "2026-11-21T00:00:00Z", "2026-11-21",
            "120.5", "-1", "1e3", "43.21", "EUR", "BUY", "SELL", "true", "x\"y", "00.10", "9".repeat(101)};
        ObjectNode base = TestFeeds.trade("T-1");
        for (int n = 0; n < 5_000; n++) {
            ObjectNode json = TestFeeds.JSON.createObjectNode();
            List<String> cells = new ArrayList<>(Arrays.asList(new String[feed.fields().size()]));
            for (FieldSpec f : feed.fields()) {
                String cell = random.nextInt(3) == 0 ? values[random.nextInt(values.length)] : base.get(f.name()).asText();
                if (!cell.isEmpty()) {
                    // As CsvFormat wrote its JSON: empty cells left out.
                    json.put(f.name(), cell);
                    cells.set(f.position(), cell);
                }
            }
            slots.fill(cells);
            assertThat(describe(validator.validate(slots, true))).as("%s", json)
                    .isEqualTo(describe(validator.validate(RecordJson.read(json.toString()).node(), true)));
        }
    }
}
