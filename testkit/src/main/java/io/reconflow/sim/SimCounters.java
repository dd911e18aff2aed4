package io.reconflow.sim;

import io.reconflow.sim.CounterpartySimulator.Counters;
import io.reconflow.sim.CounterpartySimulator.Early;
import io.reconflow.sim.CounterpartySimulator.Fault;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What the simulator counts of a client's behaviour, and its request log; thread-safe. */
final class SimCounters {
    static final int LOG_LINES = 10_000;

    private final LongAdder total = new LongAdder();
    private final Map<String, LongAdder> byPath = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final Map<Fault, LongAdder> byFault = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final LongAdder earlyRetries = new LongAdder();
    private final LongAdder retriesAfterPermanent = new LongAdder();
    private final LongAdder hugeBytes = new LongAdder();
    private final Set<String> answeredPermanently = ConcurrentHashMap.newKeySet();
    /** Whole answers per page path. */
    private final Map<String, AtomicInteger> pageServes = new ConcurrentHashMap<>();
    private final LongAdder pagesServedAgain = new LongAdder();
    private final List<Early> earlyRequests = new ArrayList<>();
    private final Deque<String> log = new ArrayDeque<>();

    /** A request arrived: in flight from now until its answer starts to leave. */
    void arrived(String path) {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        total.increment();
        byPath.computeIfAbsent(path, k -> new LongAdder()).increment();
        if (answeredPermanently.contains(path)) {
            retriesAfterPermanent.increment();
        }
    }

    void early(Early e) {
        earlyRetries.increment();
        synchronized (earlyRequests) {
            if (earlyRequests.size() < LOG_LINES) {
                earlyRequests.add(e);
            }
        }
    }

    void answered(String path, int status) {
        byStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
        if (status == 401 || status == 403 || status == 404) {
            answeredPermanently.add(path);
        }
    }

    void fault(Fault fault) {
        byFault.computeIfAbsent(fault, k -> new LongAdder()).increment();
    }

    void outOfFlight() {
        inFlight.decrementAndGet();
    }

    void hugeBytes(long n) {
        hugeBytes.add(n);
    }

    /** A page answered whole (200, intact body). */
    void pageServed(String path) {
        if (pageServes.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet() > 1) {
            pagesServedAgain.increment();
        }
    }

    void log(String line) {
        synchronized (log) {
            log.addLast(line);
            if (log.size() > LOG_LINES) {
                log.removeFirst();
            }
        }
    }

    List<String> requestLog() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    long total() {
        return total.sum();
    }

    Counters snapshot() {
        Map<String, Long> paths = new TreeMap<>();
        byPath.forEach((k, v) -> paths.put(k, v.sum()));
        Map<Integer, Long> statuses = new TreeMap<>();
        byStatus.forEach((k, v) -> statuses.put(k, v.sum()));
        Map<Fault, Long> fs = new EnumMap<>(Fault.class);
        byFault.forEach((k, v) -> fs.put(k, v.sum()));
        List<Early> early;
        synchronized (earlyRequests) {
            early = List.copyOf(earlyRequests);
        }
        return new Counters(total.sum(), paths, statuses, fs, maxInFlight.get(), earlyRetries.sum(),
                retriesAfterPermanent.sum(), hugeBytes.sum(), early, pageServes.size(), pagesServedAgain.sum());
    }

    void reset() {
        total.reset();
        byPath.clear();
        byStatus.clear();
        byFault.clear();
        maxInFlight.set(inFlight.get());
        earlyRetries.reset();
        retriesAfterPermanent.reset();
        hugeBytes.reset();
        pageServes.clear();
        pagesServedAgain.reset();
        synchronized (earlyRequests) {
            earlyRequests.clear();
        }
        answeredPermanently.clear();
        synchronized (log) {
            log.clear();
        }
    }
}
