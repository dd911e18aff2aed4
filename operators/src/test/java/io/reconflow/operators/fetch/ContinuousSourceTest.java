package io.reconflow.operators.fetch;

import static io.reconflow.operators.fetch.CounterpartyClientTest.DATE;
import static io.reconflow.operators.fetch.CounterpartyClientTest.FEED;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST;
import static io.reconflow.operators.fetch.CounterpartyClientTest.MANIFEST_PATH;
import static io.reconflow.operators.fetch.CounterpartyClientTest.TOKEN;
import static io.reconflow.operators.fetch.CounterpartyClientTest.settings;
import static io.reconflow.operators.fetch.StubCounterparty.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.reconflow.events.BatchManifest;
import io.reconflow.events.BatchRequest;
import io.reconflow.events.ErrorCode;
import io.reconflow.events.FetchTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.testutils.source.reader.TestingSplitEnumeratorContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.core.io.InputStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The continuous counterparty source: its calendar, its enumerator's checkpoint, its reader's polling and watermark. */
class ContinuousSourceTest {
    static final AtomicLong NOW = new AtomicLong();
    static final Set<DayOfWeek> WEEKDAYS = EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);

    static long now() {
        return NOW.get();
    }

    static void at(String instant) {
        NOW.set(Instant.parse(instant).toEpochMilli());
    }

    static ContinuousSchedule schedule(Set<DayOfWeek> days, LocalDate first, int lookback, Duration grace) {
        return new ContinuousSchedule(ZoneId.of("Europe/London"), LocalTime.of(6, 0), days, first, lookback, grace,
                100, ContinuousSourceTest::now);
    }

    final List<SourceReader<FetchTask, FetchSplit>> readers = new ArrayList<>();
    StubCounterparty stub;

    @AfterEach
    void stop() throws Exception {
        for (SourceReader<FetchTask, FetchSplit> r : readers) {
            r.close();
        }
        if (stub != null) {
            stub.close();
        }
    }

    @Test
    void theCalendarOpensWeekdaysAtTheirHourInItsZoneWithinTheLookbackAndNotOnceClosed() {
        ContinuousSchedule s = schedule(WEEKDAYS, null, 3, Duration.ofHours(1));
        // Summer: 06:00 in London is 05:00 UTC.
        at("2026-06-15T04:59:59Z");
        assertThat(s.calendarDates(now())).isEmpty(); // Monday not yet; Friday 12th closed at Sat 01:00 UTC
        at("2026-06-15T05:00:00Z");
        assertThat(s.calendarDates(now())).containsExactly(LocalDate.parse("2026-06-15"));
        // Tuesday 00:30 UTC: Monday is open until its end plus the grace; Tuesday not yet.
        at("2026-06-16T00:30:00Z");
        assertThat(s.calendarDates(now())).containsExactly(LocalDate.parse("2026-06-15"));
        at("2026-06-16T01:00:00Z");
        assertThat(s.calendarDates(now())).isEmpty();
        assertThat(s.closeAt(LocalDate.parse("2026-06-15"))).isEqualTo(Instant.parse("2026-06-16T01:00:00Z").toEpochMilli());

        // A long grace: the lookback reopens what is still open after a stop, never before first_date, never a weekend.
        ContinuousSchedule longGrace = schedule(WEEKDAYS, LocalDate.parse("2026-06-12"), 3, Duration.ofDays(3));
        at("2026-06-16T09:00:00Z");
        assertThat(longGrace.calendarDates(now())).containsExactly(LocalDate.parse("2026-06-15"), LocalDate.parse("2026-06-16"));
        ContinuousSchedule earlier = schedule(WEEKDAYS, LocalDate.parse("2026-06-01"), 4, Duration.ofDays(4));
        assertThat(earlier.calendarDates(now()))
                .containsExactly(LocalDate.parse("2026-06-12"), LocalDate.parse("2026-06-15"), LocalDate.parse("2026-06-16"));
        assertThat(schedule(WEEKDAYS, LocalDate.parse("2026-06-16"), 4, Duration.ofDays(3)).calendarDates(now()))
                .containsExactly(LocalDate.parse("2026-06-16"));
    }

    @Test
    void theEnumeratorOpensEachDateOnceForEveryCounterpartyAndARestoreDoesNotReopenIt(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("business_date=2026-06-17")); // a folder for a date the calendar has not opened
        Files.createDirectories(tmp.resolve("business_date=2026-06-10")); // closed long ago
        Files.createDirectories(tmp.resolve("other"));
        InternalFolderDates folders = new InternalFolderDates(tmp.toUri().toString(), "business_date=", "");
        ContinuousSchedule s = schedule(EnumSet.of(DayOfWeek.TUESDAY), null, 7, Duration.ofHours(1));
        at("2026-06-17T10:00:00Z"); // Wednesday
        TestingSplitEnumeratorContext<FetchSplit> context = new TestingSplitEnumeratorContext<>(2);
        context.registerReader(0, "localhost");
        context.registerReader(1, "localhost");
        ContinuousEnumerator e = new ContinuousEnumerator(context, s, folders, FEED, List.of("acme", "bolt"), 1000,
                new EnumeratorCheckpoint(List.of(), List.of()));
        e.open(e.due());
        assertThat(assignedDates(context)).containsExactlyInAnyOrder("acme/2026-06-17", "bolt/2026-06-17");
        assertThat(BatchEnumeratorTest.assigned(context, 0)).hasSize(1);
        assertThat(BatchEnumeratorTest.assigned(context, 1)).hasSize(1);

        e.open(e.due());
        assertThat(assignedDates(context)).hasSize(2);

        var serializer = new FetchSplitSerializers.Enumerator();
        EnumeratorCheckpoint checkpoint = serializer.deserialize(serializer.getVersion(), serializer.serialize(e.snapshotState(1)));
        assertThat(checkpoint.opened()).containsExactly(LocalDate.parse("2026-06-17"));

        TestingSplitEnumeratorContext<FetchSplit> after = new TestingSplitEnumeratorContext<>(1);
        after.registerReader(0, "localhost");
        ContinuousEnumerator restored = new ContinuousEnumerator(after, s, folders, FEED, List.of("acme", "bolt"), 1000, checkpoint);
        restored.open(restored.due());
        assertThat(assignedDates(after)).isEmpty();

        // Closed at Thursday 01:00 UTC: forgotten, and Thursday's folder is not there yet.
        at("2026-06-18T01:00:00Z");
        restored.open(restored.due());
        assertThat(restored.snapshotState(2).opened()).isEmpty();
        assertThat(assignedDates(after)).isEmpty();
    }

    private static List<String> assignedDates(TestingSplitEnumeratorContext<FetchSplit> context) {
        List<String> out = new ArrayList<>();
        context.getSplitAssignments().values().forEach(a -> a.getAssignedSplits().forEach(
                sp -> out.add(sp.batch().getCounterparty() + "/" + sp.batch().getBusinessDate())));
        return out;
    }

    final Map<String, org.apache.flink.metrics.Metric> metrics = new java.util.TreeMap<>();

    ContinuousReader reader(ContinuousSchedule s) {
        CounterpartySource source = new CounterpartySource(List.of(),
                Map.of("acme", new CounterpartyEndpoint("acme", stub.baseUrl(), "ACME_TOKEN")), settings(), 60_000,
                endpoint -> TOKEN).continuous(FEED, s, null);
        ContinuousReader r = (ContinuousReader) source.createReader(new TestingReaderContext(new org.apache.flink.configuration.Configuration(),
                org.apache.flink.runtime.metrics.groups.InternalSourceReaderMetricGroup.mock(new FetchMetricsTest.Capturing("", metrics))));
        readers.add(r);
        r.start();
        return r;
    }

    /** Polls until {@code n} more records were emitted. */
    static void poll(SourceReader<FetchTask, FetchSplit> reader, TestingReaderOutput<FetchTask> out, int n) throws Exception {
        int target = out.getEmittedRecords().size() + n;
        while (out.getEmittedRecords().size() < target) {
            if (reader.pollNext(out) == InputStatus.NOTHING_AVAILABLE) {
                reader.isAvailable().get(10, TimeUnit.SECONDS);
            }
        }
    }

    static final String REPUBLISHED = MANIFEST.replace("\"B-1\"", "\"B-2\"").replace("\"page_count\":2", "\"page_count\":1");

    @Test
    void theReaderPollsUntilPublishedFetchesARepublicationAndEndsTheDateAtItsClose() throws Exception {
        stub = new StubCounterparty();
        stub.on(MANIFEST_PATH, json(404, "{\"error\":\"not_found\",\"message\":\"not yet\"}"));
        ContinuousSchedule s = schedule(WEEKDAYS, null, 0, Duration.ofHours(1));
        long close = s.closeAt(LocalDate.parse(DATE));
        at("2024-03-01T12:00:00Z");
        ContinuousReader reader = reader(s);
        TestingReaderOutput<FetchTask> out = new Output();
        reader.addSplits(List.of(FetchSplit.of(batch())));
        while (stub.seen(MANIFEST_PATH).size() < 3) {
            step(reader, out);
        }
        assertThat(out.getEmittedRecords()).as("404 is not yet, not a reject").isEmpty();
        assertThat(((Output) out).watermarks).last().isEqualTo(now());

        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        poll(reader, out, 3);
        assertThat(out.getEmittedRecords()).extracting(t -> t.getManifest() != null ? "manifest " + t.getManifest().getBatchId()
                : "page " + t.getPage().getBatchId() + "/" + t.getPage().getPage())
                .containsExactly("manifest B-1", "page B-1/1", "page B-1/2");
        assertThat(((org.apache.flink.metrics.Counter) metrics.get("counterparty.acme.pagesKnown")).getCount()).isEqualTo(2);
        assertThat(((org.apache.flink.metrics.Counter) metrics.get("counterparty.acme.pagesRequested")).getCount()).isEqualTo(2);

        // A checkpoint after the pages, restored: the same batch_id is not emitted again; a new one is.
        var serializer = new FetchSplitSerializers.Split();
        List<FetchSplit> restoredSplits = new ArrayList<>();
        for (FetchSplit split : reader.snapshotState(1)) {
            restoredSplits.add(serializer.deserialize(serializer.getVersion(), serializer.serialize(split)));
        }
        ContinuousReader restored = reader(s);
        TestingReaderOutput<FetchTask> out2 = new Output();
        restored.addSplits(restoredSplits);
        int polls = stub.seen(MANIFEST_PATH).size();
        while (stub.seen(MANIFEST_PATH).size() < polls + 3) {
            step(restored, out2);
        }
        assertThat(out2.getEmittedRecords()).isEmpty();
        stub.on(MANIFEST_PATH, json(200, REPUBLISHED));
        poll(restored, out2, 2);
        assertThat(out2.getEmittedRecords().get(0).getManifest().getBatchId()).isEqualTo("B-2");
        assertThat(out2.getEmittedRecords().get(1).getPage().getBatchId()).isEqualTo("B-2");

        // The watermark stays below the close while the split is held, then the split ends and polls stop.
        at("2024-03-02T01:00:00Z");
        assertThat(restored.watermark(now())).isEqualTo(close - 1);
        step(restored, out2);
        assertThat(restored.snapshotState(2)).isEmpty();
        assertThat(restored.watermark(now())).isEqualTo(now());
        assertThat(((Output) out2).watermarks).last().isEqualTo(now());
        int finalPolls = stub.seen(MANIFEST_PATH).size();
        for (int i = 0; i < 5; i++) {
            step(restored, out2);
        }
        assertThat(stub.seen(MANIFEST_PATH)).hasSize(finalPolls);
        assertThat(out2.getEmittedRecords()).hasSize(2);
    }

    @Test
    void aDateNeverPublishedEndsAtItsCloseWithItsLastFailure() throws Exception {
        stub = new StubCounterparty();
        stub.on(MANIFEST_PATH, json(404, "{\"error\":\"not_found\",\"message\":\"not yet\"}"));
        ContinuousSchedule s = schedule(WEEKDAYS, null, 0, Duration.ofHours(1));
        at("2024-03-01T12:00:00Z");
        ContinuousReader reader = reader(s);
        TestingReaderOutput<FetchTask> out = new Output();
        reader.addSplits(List.of(FetchSplit.of(batch())));
        while (stub.seen(MANIFEST_PATH).size() < 2) {
            step(reader, out);
        }
        at("2024-03-02T01:00:00Z");
        poll(reader, out, 1);
        BatchManifest failed = out.getEmittedRecords().get(0).getManifest();
        assertThat(failed.getFailure().getCode()).isEqualTo(ErrorCode.FETCH_FAILED);
        assertThat(failed.getFailure().getHttpStatus()).isEqualTo(404);
        step(reader, out);
        assertThat(reader.snapshotState(3)).isEmpty();
    }

    @Test
    void noPageRequestWhileThePageFetchQueueIsFullAndTheNextOnceAPlaceFrees() throws Exception {
        stub = new StubCounterparty();
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        at("2024-03-01T12:00:00Z");
        FetchSlots slots = FetchSlots.open(1); // as a page fetch chained on this (the task) thread
        try {
            ContinuousReader reader = reader(schedule(WEEKDAYS, null, 0, Duration.ofHours(1)));
            TestingReaderOutput<FetchTask> out = new Output();
            reader.addSplits(List.of(FetchSplit.of(batch())));
            poll(reader, out, 2); // the manifest, then page 1
            slots.take();

            assertThat(reader.pollNext(out)).isEqualTo(InputStatus.NOTHING_AVAILABLE);
            for (int i = 0; i < 3; i++) {
                step(reader, out); // woken by the ticker: still no place
            }
            assertThat(out.getEmittedRecords()).hasSize(2);

            slots.free();
            poll(reader, out, 1);
            assertThat(out.getEmittedRecords().get(2).getPage().getPage()).isEqualTo(2);
        } finally {
            slots.close();
        }
    }

    @Test
    void noPageRequestOfAPausedCounterpartyAndTheDateDoesNotCloseOverHeldPages() throws Exception {
        stub = new StubCounterparty();
        stub.on(MANIFEST_PATH, json(200, MANIFEST));
        ContinuousSchedule s = schedule(WEEKDAYS, null, 0, Duration.ofHours(1));
        at("2024-03-01T12:00:00Z");
        PauseGate gate = PauseGate.of("acme");
        try {
            ContinuousReader reader = reader(s);
            TestingReaderOutput<FetchTask> out = new Output();
            reader.addSplits(List.of(FetchSplit.of(batch())));
            poll(reader, out, 1); // the manifest
            gate.pause("test");
            for (int i = 0; i < 3; i++) {
                step(reader, out);
            }
            assertThat(out.getEmittedRecords()).hasSize(1);
            assertThat(gate.held()).isEqualTo(1);

            // Past the close: the held pages keep the split, and the watermark below its close.
            at("2024-03-02T01:00:00Z");
            step(reader, out);
            assertThat(reader.snapshotState(1)).singleElement().extracting(FetchSplit::nextPage).isEqualTo(1);
            assertThat(reader.watermark(now())).isEqualTo(s.closeAt(LocalDate.parse(DATE)) - 1);

            gate.resume();
            poll(reader, out, 2);
            assertThat(out.getEmittedRecords()).extracting(t -> t.getPage() == null ? 0 : t.getPage().getPage())
                    .containsExactly(0, 1, 2);
            step(reader, out);
            assertThat(reader.snapshotState(2)).isEmpty();
        } finally {
            gate.resume();
        }
    }

    /** Records the watermarks emitted, in order. */
    static final class Output extends TestingReaderOutput<FetchTask> {
        final List<Long> watermarks = new ArrayList<>();

        @Override
        public void emitWatermark(org.apache.flink.api.common.eventtime.Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }
    }

    /** One poll, then a wait for the next wake-up. */
    static void step(SourceReader<FetchTask, FetchSplit> reader, TestingReaderOutput<FetchTask> out) throws Exception {
        if (reader.pollNext(out) == InputStatus.NOTHING_AVAILABLE) {
            reader.isAvailable().get(10, TimeUnit.SECONDS);
        }
    }

    static BatchRequest batch() {
        return BatchRequest.newBuilder().setCounterparty("acme").setFeed(FEED).setBusinessDate(DATE).build();
    }
}
