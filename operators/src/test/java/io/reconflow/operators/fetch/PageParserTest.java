package io.reconflow.operators.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PageParserTest {

    private static PageParser.ParsedPage parse(String body) throws UnparseableBodyException {
        return bothWays(body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Parses by reading the records' bytes, and at the element ends the framing marked while the
     * body arrived in small pieces (as the client does): both must give the same page or the same error.
     */
    static PageParser.ParsedPage bothWays(byte[] body) throws UnparseableBodyException {
        FramedElements marks = marks(body);
        PageParser.ParsedPage scanned = null;
        UnparseableBodyException scanError = null;
        try {
            scanned = PageParser.parse(body);
        } catch (UnparseableBodyException e) {
            scanError = e;
        }
        if (marks == null) {
            if (scanError != null) {
                throw scanError;
            }
            return scanned;
        }
        try {
            PageParser.ParsedPage marked = PageParser.parse(body, body.length, marks);
            assertThat(scanError).as("marked parse succeeded where scanning failed").isNull();
            assertThat(marked).isEqualTo(scanned);
            return marked;
        } catch (UnparseableBodyException e) {
            assertThat(scanError).as("marked parse failed where scanning did not: %s", e.getMessage()).isNotNull();
            assertThat(e.getMessage()).isEqualTo(scanError.getMessage());
            throw e;
        }
    }

    /** The framing's marks, fed 1 to 7 bytes at a time; null when the framing gives the body up as it arrives. */
    private static FramedElements marks(byte[] body) {
        JsonFraming framing = new JsonFraming(true);
        try {
            for (int at = 0, step = 1; at < body.length; at += step, step = step % 7 + 1) {
                framing.feed(body, at, Math.min(step, body.length - at));
            }
        } catch (JsonFraming.FramingException e) {
            return null;
        }
        return framing.index();
    }

    @Test
    void slicesEachRecordByteExact() throws Exception {
        String r1 = "{ \"trade_id\" : \"T-1\",\n    \"volume_mwh\": 12.500,\t\"price\":1e3 }";
        String r2 = "{\"delivery_point\":\"Zürich – Nord €\",\"note\":\"a\\\"b\\u00e9\\n\",\"legs\":[{\"x\":[1, 2.0]},{}]}";
        String r3 = "{}";
        String body = "{\"batch_id\":\"B-7\",\"page\":2,\"records\":[\n  " + r1 + " ,\n" + r2 + "," + r3 + "\n]}";

        PageParser.ParsedPage page = parse(body);

        assertThat(page.batchId()).isEqualTo("B-7");
        assertThat(page.page()).isEqualTo(2);
        assertThat(page.records()).containsExactly(r1, r2, r3);
    }

    @Test
    void aNonAsciiCharacterRightAfterABackslashIsStillDecodedAsUtf8() throws Exception {
        String record = "{\"v\":\"\\é\",\"w\":\"x\"}";

        assertThat(parse("{\"records\":[" + record + ",{}]}").records()).containsExactly(record, "{}");
    }

    @Test
    void tooManyElementsToMarkAreFoundByReadingThemInstead() throws Exception {
        int n = FramedElements.MAX_MARKS + 10;
        StringBuilder body = new StringBuilder(2 * n + 20).append("{\"records\":[1");
        for (int i = 1; i < n; i++) {
            body.append(",1");
        }
        byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        JsonFraming framing = new JsonFraming(true);
        framing.feed(bytes, 0, bytes.length);

        assertThat(framing.index()).isNull();
        assertThat(PageParser.parse(bytes, bytes.length, framing.index()).records()).hasSize(n);
    }

    @Test
    void keepsNonObjectElementsRaw() throws Exception {
        String body = "{\"records\":[42, 12.500 ,-0.0e-7,\"str\\\"ing\", null,true,false,[1, {\"a\":2}], \"€\"]}";

        assertThat(parse(body).records())
                .containsExactly("42", "12.500", "-0.0e-7", "\"str\\\"ing\"", "null", "true", "false",
                        "[1, {\"a\":2}]", "\"€\"");
    }

    @Test
    void ignoresUnknownFieldsWherever() throws Exception {
        String body = "{\"meta\":{\"records\":[\"not these\"],\"n\":[1,2]},\"batch_id\":\"B\",\"records\":[{\"a\":1}],"
                + "\"next\":null,\"extra\":[{\"records\":1}],\"page\":3}";

        PageParser.ParsedPage page = parse(body);

        assertThat(page.records()).containsExactly("{\"a\":1}");
        assertThat(page.batchId()).isEqualTo("B");
        assertThat(page.page()).isEqualTo(3);
    }

    @Test
    void batchIdAndPageMayBeAbsent() throws Exception {
        PageParser.ParsedPage page = parse("{\"records\":[]}");

        assertThat(page.records()).isEmpty();
        assertThat(page.batchId()).isNull();
        assertThat(page.page()).isNull();
    }

    @Test
    void leavesDuplicateKeysInsideARecordToTheValidator() throws Exception {
        String record = "{\"trade_id\":\"T\",\"trade_id\":\"U\"}";

        assertThat(parse("{\"records\":[" + record + "]}").records()).containsExactly(record);
    }

    @Test
    void parsesOnlyTheGivenLength() throws Exception {
        byte[] buffer = "{\"records\":[1]}GARBAGE".getBytes(StandardCharsets.UTF_8);

        assertThat(PageParser.parse(buffer, 15).records()).containsExactly("1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"batch_id\":\"B\",\"page\":1}",                    // records missing
        "{\"records\":null}",
        "{\"records\":{\"a\":1}}",
        "{\"batch_id\":\"B\",\"records\":[{\"a\":1},{\"b\":",   // truncated inside a record
        "{\"records\":[{\"a\":1}]",                            // truncated after the array
        "{\"records\":[{\"a\":1}",                             // truncated inside the array
        "",
        "not json",
        "[{\"a\":1}]",                                         // not an object
        "{\"records\":[]} {\"records\":[]}",                   // trailing content
        "{\"records\":[1],\"records\":[2]}",                   // which records?
        "{\"batch_id\":7,\"records\":[]}",
        "{\"page\":\"one\",\"records\":[]}",
        "{\"records\":[1,]}",
        "<html>502 Bad Gateway</html>"
    })
    void rejectsBodiesThatAreNotAPage(String body) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(UnparseableBodyException.class);
    }

    @Test
    void aRecordWithBytesThatAreNotUtf8IsMarkedAloneAndTheRestOfThePageGoesOn() throws Exception {
        byte[] body = "{\"page\":1,\"records\":[{\"a\":\"xx\"},{\"b\":2}]}".getBytes(StandardCharsets.UTF_8);
        // The string "xx" sits at bytes 27-28: a lead byte followed by ASCII is malformed UTF-8.
        assertThat((char) body[27]).isEqualTo('x');
        body[27] = (byte) 0xC3;

        PageParser.ParsedPage page = bothWays(body);

        assertThat(page.records()).containsExactly("{\"a\":\"\uFFFDx\"}", "{\"b\":2}");
        assertThat(page.undecodable()).containsOnlyKeys(0);
        assertThat(page.undecodable().get(0)).contains("not valid UTF-8").contains("byte at 6 ");
    }

    /** What the tokenizer must cut out whole, for the validator to reject alone. */
    static final List<String> HOSTILE = List.of(
            "{\"v\":NaN}",
            "{\"v\":-Infinity,\"w\":Infinity}",
            "{\"v\":\"a\u0000b\"}",                          // a raw NUL inside a string
            "{\"v\":\"tab\there\u0001\"}",                     // raw control characters
            "{\"v\":" + "1".repeat(1_500) + "}",
            "{\"v\":1e999999999,\"w\":1e-999999999}",
            "{\"v\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}",
            "{\"v\":1,\"v\":2}",
            "{\"v\":\"\\ud800\"}",
            "{\"v\":\"\\u0000\"}",
            "{\"v\":1 2}",
            "{\"v\":{\"nested\":[{\"x\":\"]}\"}]}}",
            "[1,{\"a\":[]}]",
            "\"\\\"quoted\\\\\"");

    @Test
    void cutsEveryHostileRecordOutWholeBetweenValidNeighbours() throws Exception {
        StringBuilder body = new StringBuilder("{\"batch_id\":\"B\",\"page\":4,\"records\":[{\"ok\":0}");
        for (String h : HOSTILE) {
            body.append(",\n ").append(h).append(" ,{\"ok\":1}");
        }
        PageParser.ParsedPage page = parse(body.append("]}").toString());

        List<String> expected = new ArrayList<>(List.of("{\"ok\":0}"));
        for (String h : HOSTILE) {
            expected.add(h);
            expected.add("{\"ok\":1}");
        }
        assertThat(page.records()).containsExactlyElementsOf(expected);
        assertThat(page.undecodable()).isEmpty();
        assertThat(page.page()).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"records\":[{\"a\":[1}]}",                 // brackets do not match
        "{\"records\":[{\"a\":@}]}",                  // no JSON has '@' outside a string
        "{\"records\":[{\"a\":\"open}]}",             // a string that never closes
        "{\"records\":[{\"a\":1}]]",
        "{\"records\" [1]}",
        "{\"records\":[1] \"page\":1}"
    })
    void aPageWhoseOwnStructureIsBrokenIsUnparseable(String body) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(UnparseableBodyException.class);
    }

    @Test
    void keysWithEscapesAreReadAsTheirText() throws Exception {
        assertThat(parse("{\"rec\\u006frds\":[1],\"page\":2}").records()).containsExactly("1");
    }
}
