package io.reconflow.job;

import io.reconflow.job.config.ConfigBinder;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.operators.fetch.FetchSettings;
import io.reconflow.operators.fetch.PauseFileWatcher;
import io.reconflow.operators.ledger.LedgerSinks;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.operators.source.InternalFormat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;

/**
 * One reconciliation's configuration (a YAML file under {@code conf/recon/}), typed and checked at
 * start-up. Every key is documented in the README's "Configuration reference".
 */
public record ReconConfig(
        String name,
        FeedSpec feed,
        List<LocalDate> businessDates,
        Internal internal,
        List<CounterpartyEndpoint> counterparties,
        FetchSettings fetch,
        Duration dedupTtl,
        MatchSpec matching,
        Duration matchGrace,
        String outputPath,
        Ledger ledger,
        Job job,
        PauseFileWatcher.Settings pause,
        @javax.annotation.Nullable ContinuousConfig continuous) {

    /** A bounded configuration without a pause switch ({@code fetch.pause_file}). */
    public ReconConfig(String name, FeedSpec feed, List<LocalDate> businessDates, Internal internal,
                       List<CounterpartyEndpoint> counterparties, FetchSettings fetch, Duration dedupTtl, MatchSpec matching,
                       Duration matchGrace, String outputPath, Ledger ledger, Job job) {
        this(name, feed, businessDates, internal, counterparties, fetch, dedupTtl, matching, matchGrace, outputPath,
                ledger, job, null, null);
    }

    /** True in {@code mode: continuous}: dates open by {@link #continuous()}, the job never ends. */
    public boolean isContinuous() {
        return continuous != null;
    }

    /** Where our own records are: a folder per business date. */
    public record Internal(InternalFormat format, String pathPattern) {
        public String folder(LocalDate date) {
            return pathPattern.replace("{business_date}", date.toString());
        }
    }

    /**
     * The PostgreSQL exceptions ledger, or null when the configuration has no {@code ledger.jdbc_url}.
     * Credentials come from the two environment variables, never from the file.
     */
    public record Ledger(String jdbcUrl, String userEnv, String passwordEnv, int batchSize, Duration batchInterval,
                         int maxRetries, Duration outagePatience) {
        public LedgerSinks sinks() {
            return new LedgerSinks(jdbcUrl, userEnv, passwordEnv, batchSize, batchInterval.toMillis(), maxRetries, outagePatience);
        }
    }

    /** How the Flink job runs. */
    public record Job(int parallelism, Duration checkpointInterval) {}

    public String resultsPath() {
        return outputPath + "/results";
    }

    public String rejectsPath() {
        return outputPath + "/rejects";
    }

    public String batchesPath() {
        return outputPath + "/batches";
    }

    /**
     * Reads a reconciliation YAML file and applies {@code key=value} overrides (README: "Configuration
     * reference"); a bad one is a {@link ConfigException} that starts with the key at fault.
     */
    public static ReconConfig load(Path yaml, List<String> overrides) {
        return ConfigBinder.load(yaml, overrides);
    }

    /** How much longer than the longest request deadline the async fetch operators wait before their own timeout. */
    static final Duration FETCH_TIMEOUT_MARGIN = Duration.ofSeconds(10);

    /**
     * The async fetch operators' own timeout: above every counterparty's request deadline (which
     * bounds a request's attempts and all its waits), so that the client always answers first and
     * the operator's timeout is only a last resort that still answers with a reject.
     */
    public Duration fetchOperatorTimeout() {
        Duration longest = fetch.deadline();
        for (CounterpartyEndpoint c : counterparties) {
            Duration d = c.settings(fetch).deadline();
            if (d.compareTo(longest) > 0) {
                longest = d;
            }
        }
        return longest.plus(FETCH_TIMEOUT_MARGIN);
    }
}
