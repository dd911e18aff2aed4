package io.reconflow.job;

import io.reconflow.events.BatchRequest;
import io.reconflow.events.FetchTask;
import io.reconflow.events.RawRecord;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.operators.fetch.CounterpartySource;
import io.reconflow.operators.fetch.BusinessClock;
import io.reconflow.operators.fetch.InternalFolderDates;
import io.reconflow.operators.source.ClockWatermarks;
import io.reconflow.operators.source.DatedFolders;
import io.reconflow.operators.source.InternalFileFormat;
import java.util.function.Predicate;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The real sources of a reconciliation: the internal files and the counterparties' batches. */
public final class Sources {
    private Sources() {}

    /** A bounded FileSource over the internal folder of every business date; continuous: the dated folders, monitored. */
    public static DataStream<RawRecord> internalFiles(StreamExecutionEnvironment env, ReconConfig config) {
        return internalFiles(env, config, BusinessClock.system());
    }

    /** As {@link #internalFiles(StreamExecutionEnvironment, ReconConfig)}, a continuous run on {@code clock}. */
    public static DataStream<RawRecord> internalFiles(StreamExecutionEnvironment env, ReconConfig config, BusinessClock clock) {
        if (config.isContinuous()) {
            return monitoredFiles(env, config, clock);
        }
        Map<String, String> folderDates = new LinkedHashMap<>();
        List<Path> folders = new ArrayList<>();
        for (LocalDate date : config.businessDates()) {
            Path folder = qualified(config.internal().folder(date));
            try {
                if (!folder.getFileSystem().exists(folder)) {
                    throw new ConfigException("internal.path", "folder " + folder + " for business date " + date + " does not exist");
                }
            } catch (IOException e) {
                throw new ConfigException("internal.path", "cannot look at " + folder + ": " + e.getMessage());
            }
            folders.add(folder);
            folderDates.put(stripSlash(folder.toUri().getPath()), date.toString());
        }
        FileSource<RawRecord> source = FileSource
                .forBulkFileFormat(new InternalFileFormat(config.feed(), config.internal().format(), folderDates),
                        folders.toArray(new Path[0]))
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "Internal files")
                .uid("internal-files");
    }

    /**
     * The counterparty source: one batch per counterparty and business date, whose manifest and page
     * requests it emits (the manifests are fetched on the TaskManagers, where the tokens are).
     */
    public static DataStream<FetchTask> counterpartyBatches(StreamExecutionEnvironment env, ReconConfig config) {
        return counterpartyBatches(env, config, BusinessClock.system());
    }

    /**
     * As {@link #counterpartyBatches(StreamExecutionEnvironment, ReconConfig)}; a continuous run opens its
     * dates by {@code clock} and carries its watermark (the clock, held before any date still pending).
     */
    public static DataStream<FetchTask> counterpartyBatches(StreamExecutionEnvironment env, ReconConfig config,
                                                            BusinessClock clock) {
        List<BatchRequest> batches = new ArrayList<>();
        for (LocalDate date : config.businessDates()) {
            config.counterparties().forEach(c -> batches.add(BatchRequest.newBuilder()
                    .setCounterparty(c.name())
                    .setFeed(config.feed().name())
                    .setBusinessDate(date.toString())
                    .build()));
        }
        Map<String, CounterpartyEndpoint> endpoints = new LinkedHashMap<>();
        config.counterparties().forEach(c -> endpoints.put(c.name(), c));
        CounterpartySource source = new CounterpartySource(batches, endpoints, config.fetch(),
                config.fetchOperatorTimeout().toMillis());
        if (config.isContinuous()) {
            ContinuousConfig c = config.continuous();
            source.continuous(config.feed().name(), c.schedule(config.matchGrace(), clock),
                    c.openOnInternalFolder() ? ContinuousConfig.folders(config.internal().pathPattern()) : null);
        }
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "Counterparty batches", new AvroTypeInfo<>(FetchTask.class))
                .uid("counterparty-batches");
    }

    /**
     * Continuous: the parent of the dated folders, monitored every {@code continuous.folder_poll}; each
     * file's date comes from its folder's name, and only open dates' folders are read.
     */
    private static DataStream<RawRecord> monitoredFiles(StreamExecutionEnvironment env, ReconConfig config, BusinessClock clock) {
        ContinuousConfig c = config.continuous();
        InternalFolderDates folders = ContinuousConfig.folders(config.internal().pathPattern());
        DatedFolders dated = new DatedFolders(folders, c.schedule(config.matchGrace(), clock));
        Predicate<Path> filter = dated.filter();
        FileSource<RawRecord> source = FileSource
                .forBulkFileFormat(new InternalFileFormat(config.feed(), config.internal().format(), Map.of(), dated),
                        new Path(folders.parent()))
                .monitorContinuously(c.folderPoll())
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(filter))
                .build();
        return env.fromSource(source, ClockWatermarks.strategy(clock, c.folderPoll().toMillis()), "Internal files")
                .uid("internal-files");
    }

    /** A local path made absolute (file:/...), or a URI with a scheme (s3://...) as it is. */
    static Path qualified(String location) {
        URI uri = URI.create(location.replace(" ", "%20"));
        if (uri.getScheme() != null && uri.getScheme().length() > 1) {
            return new Path(location);
        }
        return new Path(Paths.get(location).toAbsolutePath().normalize().toUri());
    }

    private static String stripSlash(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

}
