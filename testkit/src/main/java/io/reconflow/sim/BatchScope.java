package io.reconflow.sim;

import io.reconflow.domain.feed.FieldSpec;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;

/** One (counterparty, business date) batch being made: its randomness depends only on the seed, counterparty and date. */
final class BatchScope {
    final FeedPlan plan;
    final String counterparty;
    final LocalDate date;
    final String dateText;
    final SplittableRandom r;
    private final String tag;
    /** The block of a day made in blocks (0, 1, ...); negative for a whole batch. */
    private final int block;
    private int counter;

    BatchScope(FeedPlan plan, int index, String counterparty, LocalDate date) {
        this(plan, index, counterparty, date, -1);
    }

    /**
     * Block {@code block} (0, 1, ...) of a batch generated in blocks: its own randomness, and its own
     * tag in serials, so that keys stay unique across blocks; a negative block is a whole batch.
     */
    BatchScope(FeedPlan plan, int index, String counterparty, LocalDate date, int block) {
        this.plan = plan;
        this.counterparty = counterparty;
        this.date = date;
        this.dateText = date.toString();
        String h = SimKeys.sha256(plan.settings.seed() + "|" + plan.feed.name() + "|" + counterparty + "|" + date
                + (block < 0 ? "" : "|block " + block));
        this.r = new SplittableRandom(Long.parseUnsignedLong(h.substring(0, 16), 16));
        this.tag = letters(index) + date.format(DateTimeFormatter.BASIC_ISO_DATE) + (block < 0 ? "" : "K" + block);
        this.block = block;
    }

    /**
     * What makes a free text of this block differ from every other block's: the block's tag in a
     * block of a day generated in blocks (whose manifest adds up the blocks' distinct records),
     * nothing in a whole batch, whose texts stay as they were.
     */
    String textMark() {
        return block >= 0 ? " " + tag : "";
    }

    /** The same for a JSON number's text: a fraction of fixed width naming the block, nothing in a whole batch. */
    String numberMark() {
        return block >= 0 ? "." + (1_000_000 + block) : "";
    }

    private static String letters(int index) {
        StringBuilder sb = new StringBuilder();
        int i = index;
        do {
            sb.insert(0, (char) ('A' + i % 26));
            i = i / 26 - 1;
        } while (i >= 0);
        return sb.toString();
    }

    /** A fresh value for a counter-carrying key field: unique in the batch by construction. */
    String nextSerial(FieldSpec f) {
        counter++;
        return ValueFactory.word(f) + "-" + tag + "-" + String.format(Locale.ROOT, "%05d", counter);
    }

    /** The serials handed out so far. */
    int counter() {
        return counter;
    }
}
