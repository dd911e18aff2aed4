package io.reconflow.job;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A run on this machine keeps its state in RocksDB, checkpoints incrementally, and sizes its TaskManager from -Xmx. */
class LocalResourcesTest {

    @Test
    void aOneGibHeapGetsRocksDbIncrementalCheckpointsAndAsMuchManagedMemory() {
        Configuration conf = LocalResources.settings(MemorySize.parse("1g").getBytes());
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(conf.get(RocksDBConfigurableOptions.USE_BLOOM_FILTER)).isTrue();
        assertThat(conf.get(TaskManagerOptions.TASK_HEAP_MEMORY)).isEqualTo(MemorySize.parse("1g"));
        assertThat(conf.get(TaskManagerOptions.MANAGED_MEMORY_SIZE)).isEqualTo(MemorySize.parse("1g"));
    }

    @Test
    void levelZeroIsCompactedInLargerBatchesThanRocksDbsDefault() throws Exception {
        Configuration conf = LocalResources.settings(MemorySize.parse("1g").getBytes());
        Object factory = Class.forName(conf.get(org.apache.flink.state.rocksdb.RocksDBOptions.OPTIONS_FACTORY))
                .getConstructor().newInstance();
        try (org.rocksdb.ColumnFamilyOptions defaults = new org.rocksdb.ColumnFamilyOptions();
             org.rocksdb.ColumnFamilyOptions local = ((RocksDbLevelZeroOptions) factory)
                     .createColumnOptions(new org.rocksdb.ColumnFamilyOptions(), new java.util.ArrayList<>())) {
            assertThat(local.level0FileNumCompactionTrigger()).isGreaterThan(defaults.level0FileNumCompactionTrigger());
            assertThat(local.level0SlowdownWritesTrigger()).isGreaterThan(local.level0FileNumCompactionTrigger());
            assertThat(local.level0StopWritesTrigger()).isGreaterThan(local.level0SlowdownWritesTrigger());
        }
    }

    @Test
    void managedMemoryStaysWithinItsBounds() {
        assertThat(LocalResources.managed(MemorySize.parse("48m").getBytes())).isEqualTo(MemorySize.parse("64m"));
        assertThat(LocalResources.managed(MemorySize.parse("16g").getBytes())).isEqualTo(MemorySize.parse("2g"));
    }

    @Test
    void onlyAnEmbeddedRunGetsThem() {
        ReconConfig config = ReconConfig.load(Path.of("../conf/recon/energy-confirmations.yaml"), List.of());
        assertThat(ReconflowJob.settings(config, true).get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(ReconflowJob.settings(config, false).keySet()).doesNotContainAnyElementsOf(LocalResources.settings().keySet());
    }
}
