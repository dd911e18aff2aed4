package io.reconflow.domain.feed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fast parser against {@code java.time}, which the validator used before and which stays the
 * reference: the same texts accepted, the same instants, the same reasons for a refusal.
 */
class Rfc3339Test {

    @ParameterizedTest
    @CsvSource({
            "2026-11-20T05:00:00Z, 2026-11-20T05:00:00Z",
            "2026-11-20t05:00:00z, 2026-11-20T05:00:00Z",
            "2026-11-20T06:00:00+01:00, 2026-11-20T05:00:00Z",
            "2026-11-20T00:30:00-05:30, 2026-11-20T06:00:00Z",
            "2026-11-20T05:00Z, 2026-11-20T05:00:00Z",
            "2026-11-20T05:00:00.123456789Z, 2026-11-20T05:00:00.123456Z",
            "2026-11-20T05:00:00.1+00:00, 2026-11-20T05:00:00.100Z",
            "2024-02-29T23:59:59-18:00, 2024-03-01T17:59:59Z",
            "1969-12-31T23:59:59.999999Z, 1969-12-31T23:59:59.999999Z",
            "2026-11-20T05:00:00+01, 2026-11-20T04:00:00Z",
            "2026-11-20T05:00:00+01:00:30, 2026-11-20T03:59:30Z",
    })
    void readsTimestampsAsInstants(String text, String instant) throws Exception {
        assertThat(FeedValues.instant(Rfc3339.epochMicros(text))).isEqualTo(java.time.Instant.parse(instant));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-20T05:00:00", "2026-11-20T05:00", "2026-11-20t05:00:00.5"})
    void aLocalDateTimeHasNoOffset(String text) {
        assertThatThrownBy(() -> Rfc3339.epochMicros(text)).isInstanceOfSatisfying(Rfc3339.Invalid.class,
                e -> assertThat(e.problem()).isEqualTo(Rfc3339.Problem.NO_OFFSET));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "2023-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-11-20T24:00:00Z", "2026-11-20T23:60:00Z", "2026-11-20T23:59:60Z", "2026-11-20 05:00:00Z",
            "2026-11-20T05:00:00+19:00", "2026-11-20T05:00:00+0100", "2026-11-20T05:00:00.1234567890Z",
            "26-11-20T05:00:00Z", "20261-11-20T05:00:00Z", "-0000-11-20T05:00:00Z", "2026-11-20T05:00:00ZZ",
            "2026-11-20T05:00:00+01:60", "2023-02-29T00:00:00", "2026-1-20T05:00:00Z", "２026-11-20T05:00:00Z"})
    void refusesWhatIsNoTimestamp(String text) {
        assertThatThrownBy(() -> Rfc3339.epochMicros(text)).isInstanceOfSatisfying(Rfc3339.Invalid.class,
                e -> assertThat(e.problem()).isEqualTo(Rfc3339.Problem.INVALID));
    }

    @Test
    void aYearBeyondMicrosecondsIsOutOfRange() {
        assertThatThrownBy(() -> Rfc3339.epochMicros("+999999999-12-31T23:59:59Z")).isInstanceOfSatisfying(
                Rfc3339.Invalid.class, e -> assertThat(e.problem()).isEqualTo(Rfc3339.Problem.OUT_OF_RANGE));
    }

    @Test
    void leapDaysAndSignedYearsOfDates() throws Exception {
        assertThat(Rfc3339.epochDay("2024-02-29")).isEqualTo(LocalDate.of(2024, 2, 29).toEpochDay());
        assertThat(Rfc3339.epochDay("2000-02-29")).isEqualTo(LocalDate.of(2000, 2, 29).toEpochDay());
        assertThat(Rfc3339.epochDay("+10000-01-01")).isEqualTo(LocalDate.of(10000, 1, 1).toEpochDay());
        assertThat(Rfc3339.epochDay("-0001-01-01")).isEqualTo(LocalDate.of(-1, 1, 1).toEpochDay());
        for (String bad : List.of("1900-02-29", "2026-04-31", "2026-11-20Z", "2026-11-20T00:00Z", "10000-01-01", "2026-11-2")) {
            assertThatThrownBy(() -> Rfc3339.epochDay(bad)).as(bad).isInstanceOf(Rfc3339.Invalid.class);
        }
    }

    /** Thousands of near-misses of valid texts, each judged the same as java.time judges it. */
    @Test
    void agreesWithJavaTimeOnMutatedTexts() {
        List<String> seeds = List.of("2026-11-20T05:00:00Z", "2024-02-29T23:59:59.123456789+18:00",
                "2026-11-20T05:00-01:30", "+12345-06-30T12:00:00.5z", "-0044-03-15T12:00:00+00:00:30", "2026-11-20T05:00:00",
                "2026-11-20", "2026-12-31T23:59:59.9-00:00");
        String alphabet = "0123456789-+:.TtZz x";
        Random random = new Random(42);
        List<String> texts = new ArrayList<>(seeds);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(sb.length() + 1);
                char ch = alphabet.charAt(random.nextInt(alphabet.length()));
                switch (random.nextInt(3)) {
                    case 0 -> sb.insert(at, ch);
                    case 1 -> { if (at < sb.length()) sb.deleteCharAt(at); }
                    default -> { if (at < sb.length()) sb.setCharAt(at, ch); }
                }
            }
            texts.add(sb.toString());
        }
        int accepted = 0;
        for (String text : texts) {
            String expected = javaTime(text);
            assertThat(fast(text)).as("'%s'", text).isEqualTo(expected);
            assertThat(fastDate(text)).as("date '%s'", text).isEqualTo(javaTimeDate(text));
            accepted += expected.startsWith("OK") ? 1 : 0;
        }
        assertThat(accepted).as("the mutations keep some valid texts").isGreaterThan(1_000);
    }

    /** The validator's former reading, as its outcome. */
    private static String javaTime(String s) {
        try {
            OffsetDateTime t = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            return "OK " + FeedValues.epochMicros(t.toInstant());
        } catch (DateTimeException e) {
            try {
                LocalDateTime.parse(s, DateTimeFormatter.ISO_LOCAL_DATE_TIME);
                return "NO_OFFSET";
            } catch (DateTimeException e2) {
                return "INVALID";
            }
        } catch (ArithmeticException e) {
            return "OUT_OF_RANGE";
        }
    }

    private static String fast(String s) {
        try {
            return "OK " + Rfc3339.epochMicros(s);
        } catch (Rfc3339.Invalid e) {
            return e.problem().name();
        }
    }

    private static String javaTimeDate(String s) {
        try {
            return "OK " + LocalDate.parse(s, DateTimeFormatter.ISO_LOCAL_DATE).toEpochDay();
        } catch (DateTimeException e) {
            return "INVALID";
        }
    }

    private static String fastDate(String s) {
        try {
            return "OK " + Rfc3339.epochDay(s);
        } catch (Rfc3339.Invalid e) {
            return e.problem().name();
        }
    }
}
