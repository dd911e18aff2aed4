package io.reconflow.domain.feed;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written canonical texts agree with the JDK's renderings they replace. */
class FeedValuesTest {

    @Test
    void plainDecimalIsTheJdksStrippedPlainText() {
        for (String s : new String[] {"12.500", "100.00", "-0.50", "0.000", "1200", "-7", "0.000001000", "1E+3",
                "123456789012345678901234567890.123456789000000000", "-10.10"}) {
            assertThat(FeedValues.plain(new BigDecimal(s))).as(s).isEqualTo(stripped(new BigDecimal(s)));
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            BigDecimal d = new BigDecimal(BigInteger.valueOf(random.nextLong()).shiftRight(random.nextInt(64)),
                    random.nextInt(-5, 20));
            assertThat(FeedValues.plain(d)).as(d.toString()).isEqualTo(stripped(d));
        }
    }

    @Test
    void instantTextIsInstantToString() {
        long[] edges = {0, 1, -1, 999, 1000, 1_000_000, -1_000_000, 86_400_000_000L - 1,
                Instant.parse("0001-01-01T00:00:00Z").getEpochSecond() * 1_000_000L,
                Instant.parse("0001-01-01T00:00:00Z").getEpochSecond() * 1_000_000L - 1,
                Instant.parse("9999-12-31T23:59:59.999999Z").getEpochSecond() * 1_000_000L + 999_999,
                Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond() * 1_000_000L,
                Instant.parse("2026-11-20T05:00:00.120Z").getEpochSecond() * 1_000_000L + 120_000,
                Long.MAX_VALUE / 1000, Long.MIN_VALUE / 1000};
        for (long micros : edges) {
            assertThat(FeedValues.instantText(micros)).as("%d", micros).isEqualTo(FeedValues.instant(micros).toString());
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long micros = random.nextLong(-80_000_000_000_000_000L, 300_000_000_000_000_000L);
            // A third of them on whole milliseconds or seconds, where the fraction is shorter or absent.
            micros -= switch (i % 3) {
                case 0 -> Math.floorMod(micros, 1_000L);
                case 1 -> Math.floorMod(micros, 1_000_000L);
                default -> 0;
            };
            assertThat(FeedValues.instantText(micros)).as("%d", micros).isEqualTo(FeedValues.instant(micros).toString());
        }
    }

    @Test
    void digestOfATextBeingBuiltIsTheDigestOfItsString() {
        for (String s : new String[] {"", "trade_id=T-42", "name=Zürich\u001fx=\u0000", "😀 emoji", "a".repeat(5000)}) {
            StringBuilder sb = new StringBuilder(s);
            assertThat(Sha256.digest(sb)).as(s).isEqualTo(Sha256.digest(s));
            assertThat(Sha256.hex(sb)).isEqualTo(Sha256.hex(s));
        }
    }

    private static String stripped(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
}
