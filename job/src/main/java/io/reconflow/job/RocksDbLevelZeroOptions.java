package io.reconflow.job;

import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

import java.util.Collection;

/**
 * RocksDB column options for state written at random keys and checkpointed every few seconds: set
 * by local runs ({@link LocalResources}) and by {@code conf/config.yaml} for a cluster
 * ({@code state.backend.rocksdb.options-factory}).
 *
 * <p>Every incremental checkpoint flushes each column family's memtable, so level 0 gets a small
 * file per state every interval. With RocksDB's defaults (compaction at 4 level-0 files, writes
 * slowed at 20) each compaction into level 1 rewrote the whole of level 1 (500 MB for match on a
 * 10 M-record day, keys being random) to take in a few small files; compaction fell behind, and
 * the checkpoint's flush waited for it ({@code WaitUntilFlushWouldNotStallWrites} in RocksDB's
 * LOG) with the task thread: checkpoints of 40–70 s with the pipeline stopped. Compacting level 0
 * in larger batches rewrites level 1 less often; the bloom filters of level-0 files stay pinned in
 * the block cache, so the extra files cost a read of a missing key little. The same remedy as
 * Spark's RocksDB state store (SPARK-46705).
 */
public class RocksDbLevelZeroOptions implements RocksDBOptionsFactory {
    private static final long serialVersionUID = 1L;

    static final int LEVEL0_COMPACTION_TRIGGER = 16;
    static final int LEVEL0_SLOWDOWN_TRIGGER = 48;
    static final int LEVEL0_STOP_TRIGGER = 96;

    @Override
    public DBOptions createDBOptions(DBOptions currentOptions, Collection<AutoCloseable> handlesToClose) {
        return currentOptions;
    }

    @Override
    public ColumnFamilyOptions createColumnOptions(ColumnFamilyOptions currentOptions, Collection<AutoCloseable> handlesToClose) {
        return currentOptions
                .setLevel0FileNumCompactionTrigger(LEVEL0_COMPACTION_TRIGGER)
                .setLevel0SlowdownWritesTrigger(LEVEL0_SLOWDOWN_TRIGGER)
                .setLevel0StopWritesTrigger(LEVEL0_STOP_TRIGGER);
    }
}
