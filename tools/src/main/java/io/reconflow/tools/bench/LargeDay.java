package io.reconflow.tools.bench;

import io.reconflow.job.ReconConfig;
import io.reconflow.sim.InternalFiles;
import io.reconflow.sim.PageSource;
import io.reconflow.sim.Scenario;
import io.reconflow.sim.ScenarioBlocks;
import io.reconflow.sim.Truth;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bench day generated block by block ({@link ScenarioBlocks}) and streamed to files, so that its
 * size is bounded by the disk, not by the benchmark's heap: the internal CSV part files in the
 * job's input folder, the counterparty's page bodies one after the other in {@code pages.bin}
 * (their offsets kept in memory, 8 bytes a page), served by the simulator from there. Only one
 * block (at most {@code blockRecords} counterparty records) is in memory at a time. What a correct
 * job must report is added up from the blocks' truths as they are generated.
 */
final class LargeDay implements PageSource, AutoCloseable {
    /** The internal part files' size, as the in-memory bench day had it. */
    static final int RECORDS_PER_FILE = 50_000;

    /**
     * What the day must come to.
     *
     * @param byStatus result rows per status, statuses without rows left out
     * @param rejects counterparty rejects (schema and DUPLICATE_CONFLICT) plus internal ones
     */
    record Expected(long counterpartyServed, long internalWritten, long exactDuplicatesDropped, long resultRows,
                    long rejects, Map<String, Long> byStatus) {}

    private final String feed;
    private final byte[] manifest;
    private final long[] offsets;
    private final FileChannel pages;
    private final Expected expected;
    private final int blocks;

    private LargeDay(String feed, byte[] manifest, long[] offsets, FileChannel pages, Expected expected, int blocks) {
        this.feed = feed;
        this.manifest = manifest;
        this.offsets = offsets;
        this.pages = pages;
        this.expected = expected;
        this.blocks = blocks;
    }

    /**
     * Generates about {@code records} counterparty records (and about as many internal ones) in
     * blocks of {@code blockRecords}: the internal files go to {@code internalDir} (emptied of
     * earlier part files by the caller), the pages to {@code work/pages.bin}.
     */
    static LargeDay write(ReconConfig base, String counterparty, int records, int pageSize, int blockRecords,
                          Path internalDir, Path work) throws IOException {
        if (records < 1 || blockRecords < 1 || pageSize < 1) {
            throw new IllegalArgumentException("records, block records and page size must be at least 1");
        }
        Files.createDirectories(internalDir);
        Files.createDirectories(work);
        Path pagesFile = work.resolve("pages.bin");
        int blocks = (int) ((records + (long) blockRecords - 1) / blockRecords);
        String format = base.internal().format().name().toLowerCase(Locale.ROOT);
        ScenarioBlocks generator = new ScenarioBlocks(base.feed(), base.matching());
        long[] offsets = new long[1024];
        int pageCount = 0;
        long distinct = 0;
        long served = 0;
        long internal = 0;
        long dropped = 0;
        long rows = 0;
        long rejects = 0;
        Map<String, Long> byStatus = new TreeMap<>();
        String control = "0";
        Scenario.Manifest head = null;
        int part = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(pagesFile), 1 << 20)) {
            for (int b = 0; b < blocks; b++) {
                int n = Math.min(blockRecords, records - b * blockRecords);
                Scenario block = generator.block(b, BenchData.settings(counterparty, n, pageSize));
                Scenario.Batch batch = block.batches().get(0);
                Truth truth = block.truth();
                head = head == null ? batch.manifest() : head;
                control = ScenarioBlocks.addControlTotals(control, batch.manifest().controlTotal());
                distinct += batch.manifest().recordCount();
                for (Scenario.Page p : batch.pages()) {
                    // Page numbers run on across blocks, under the one batch id.
                    byte[] body = new Scenario.Page(pageCount + 1, p.records()).bodyBytes(head.batchId());
                    out.write(body);
                    if (pageCount + 1 == offsets.length) {
                        offsets = Arrays.copyOf(offsets, offsets.length * 2);
                    }
                    offsets[pageCount + 1] = offsets[pageCount] + body.length;
                    pageCount++;
                }
                part += InternalFiles.writeParts(batch.internal(), base.feed(), internalDir, format, RECORDS_PER_FILE, part).size();
                Truth.Totals totals = truth.totals();
                served += totals.counterpartyServed();
                internal += totals.internalWritten();
                dropped += totals.exactDuplicatesDropped();
                rejects += totals.counterpartyRejected() + totals.internalRejected();
                rows += truth.keys().size();
                truth.statusCounts().forEach((s, c) -> {
                    if (c > 0) {
                        byStatus.merge(s.name(), c, Long::sum);
                    }
                });
            }
        }
        Scenario.Manifest m = new Scenario.Manifest(head.feed(), head.businessDate(), head.batchId(), distinct, pageCount,
                control, head.publishedAt());
        return new LargeDay(base.feed().name(), m.toJson().getBytes(StandardCharsets.UTF_8), Arrays.copyOf(offsets, pageCount + 1),
                FileChannel.open(pagesFile, StandardOpenOption.READ),
                new Expected(served, internal, dropped, rows, rejects, byStatus), blocks);
    }

    Expected expected() {
        return expected;
    }

    int blocks() {
        return blocks;
    }

    @Override
    public String feed() {
        return feed;
    }

    @Override
    public LocalDate businessDate() {
        return BenchData.DATE;
    }

    @Override
    public byte[] manifest() {
        return manifest.clone();
    }

    @Override
    public int pageCount() {
        return offsets.length - 1;
    }

    /** Positional reads: the simulator's handler threads read pages at once without sharing a file position. */
    @Override
    public byte[] page(int number) {
        int length = (int) (offsets[number] - offsets[number - 1]);
        ByteBuffer buf = ByteBuffer.allocate(length);
        try {
            long at = offsets[number - 1];
            while (buf.hasRemaining()) {
                int read = pages.read(buf, at + buf.position());
                if (read < 0) {
                    throw new IOException("pages.bin ends before page " + number);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read page " + number, e);
        }
        return buf.array();
    }

    @Override
    public void close() throws IOException {
        pages.close();
    }
}
