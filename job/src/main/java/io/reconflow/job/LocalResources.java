package io.reconflow.job;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;

/**
 * State backend and memory of a run on this machine's embedded MiniCluster ({@code ./reconflow
 * run}, {@code demo}, {@code bench}), sized from this JVM's heap: the MiniCluster's TaskManager
 * lives in it. RocksDB keeps the keyed state off the heap and on local disk, and its incremental
 * checkpoints upload only the files written since the last one, so neither the heap nor a
 * checkpoint's cost grows with the state of a whole day (README "Performance").
 */
public final class LocalResources {
    /*
     * RocksDB's native managed memory (block cache and memtables, shared by the instances of a slot)
     * is as large as the heap: the heap holds only records in flight, while a day's keyed state
     * lives in RocksDB, and with a quarter of the heap a 10 M-record day thrashed its cache and
     * flushed tiny memtables (README "Memory, state and checkpoints of local runs").
     */
    static final MemorySize MIN_MANAGED = MemorySize.ofMebiBytes(64);
    static final MemorySize MAX_MANAGED = MemorySize.ofMebiBytes(2048);

    private LocalResources() {}

    /** The settings for this JVM's heap ({@code -Xmx}). */
    public static Configuration settings() {
        return settings(Runtime.getRuntime().maxMemory());
    }

    static Configuration settings(long maxHeapBytes) {
        Configuration conf = new Configuration();
        // RocksDB, not ForSt: ForSt (Flink 2.x) is built for state on remote storage with the async
        // state API; RocksDB is the mature backend for state on local disk.
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // Most state reads look up a key that is not there yet (the first side of a match key, a new
        // idempotency key): a bloom filter answers those without reading every level of the LSM tree.
        conf.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        // Level 0 compacted in larger batches: checkpoints every few seconds flush many small files.
        conf.set(RocksDBOptions.OPTIONS_FACTORY, RocksDbLevelZeroOptions.class.getName());
        // Without this a local TaskManager claims an unbounded heap; say what -Xmx really gives.
        conf.set(TaskManagerOptions.TASK_HEAP_MEMORY, new MemorySize(maxHeapBytes));
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, managed(maxHeapBytes));
        return conf;
    }

    /** As much as the heap, at least 64 MiB and at most 2 GiB, split between the slots. */
    static MemorySize managed(long maxHeapBytes) {
        long bytes = Math.max(MIN_MANAGED.getBytes(), Math.min(MAX_MANAGED.getBytes(), maxHeapBytes));
        return new MemorySize(bytes);
    }
}
