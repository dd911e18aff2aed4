package io.reconflow.job.config;

import io.reconflow.job.ConfigException;
import io.reconflow.job.ContinuousConfig;
import io.reconflow.job.ReconConfig;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.operators.fetch.FetchSettings;
import io.reconflow.domain.match.MatchPass;
import io.reconflow.domain.match.MatchRule;
import io.reconflow.domain.match.MatchSpec;
import io.reconflow.domain.match.RuleKind;
import io.reconflow.operators.source.InternalFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a bound {@link ReconYaml} into a checked {@link ReconConfig}: defaults, required keys and
 * the checks across keys, each failure a {@link ConfigException} that starts with the key at fault.
 */
public final class ConfigBinder {
    private ConfigBinder() {
    }

    /** Reads a reconciliation YAML file and applies {@code key=value} overrides (README: "Configuration reference"). */
    public static ReconConfig load(Path yaml, List<String> overrides) {
        return bind(YamlBinding.read(yaml, overrides), yaml.toAbsolutePath().getParent());
    }

    static ReconConfig bind(ReconYaml y, Path base) {
        String mode = Check.text("mode", y.mode(), "bounded");
        if (!mode.equals("bounded") && !mode.equals("continuous")) {
            throw new ConfigException("mode", "must be bounded or continuous, not '" + mode + "'");
        }
        boolean continuousMode = mode.equals("continuous");
        if (continuousMode && y.businessDates() != null) {
            throw new ConfigException("business_dates", "is for bounded runs; in mode: continuous dates open by continuous.calendar or as internal folders appear");
        }
        // A bounded run ignores the continuous block, so that one YAML serves a continuous job and its backfills.
        String name = Check.matching("name", y.name(), Check.NAME, Check.NAME_HELP);
        FeedSpec feed = feed(Check.required("feed", y.feed()), base);
        List<LocalDate> dates = continuousMode ? List.of() : Check.list("business_dates", y.businessDates());
        if (dates.isEmpty() && !continuousMode) {
            throw new ConfigException("business_dates", "must list at least one date");
        }
        if (new HashSet<>(dates).size() != dates.size()) {
            throw new ConfigException("business_dates", "lists a date twice");
        }
        ReconConfig.Internal internal = internal(Check.required("internal", y.internal()), dates.size());

        // Global fetch settings first: each counterparty's own fetch block is laid over them.
        FetchSettings fetch = FetchBinder.settings("fetch", y.fetch(), FetchSettings.defaults(), true);
        List<CounterpartyEndpoint> counterparties = counterparties(y.counterparties(), fetch);

        Duration ttl = y.dedup() == null || y.dedup().ttl() == null ? Duration.ofDays(7) : y.dedup().ttl();
        ReconYaml.Matching m = Check.required("matching", y.matching());
        MatchSpec matching = matching(m, feed);
        Duration grace = m.grace() == null ? Duration.ofDays(1) : m.grace();
        String output = Check.text("output.path", Check.required("output", y.output()).path());

        ContinuousConfig continuous = null;
        if (continuousMode) {
            continuous = ContinuousBinder.bind(y.continuous(), grace);
            ContinuousConfig.folders(internal.pathPattern());
        }
        return new ReconConfig(name, feed, List.copyOf(dates), internal, counterparties, fetch, ttl,
                matching, grace, output, ledger(y.ledger()), job(y.job()), FetchBinder.pauseSwitch(y.fetch()), continuous);
    }

    private static FeedSpec feed(ReconYaml.Feed f, Path base) {
        String feedName = Check.matching("feed.name", f.name(), Check.NAME, "a feed name of lower-case letters, digits, - and _");
        String schemaJson = readSchema("feed.schema", Check.text("feed.schema", f.schema()), base);
        List<String> matchKey = Check.texts("feed.match_key", f.matchKey());
        List<String> idem = f.idempotencyKey() == null ? null : Check.texts("feed.idempotency_key", f.idempotencyKey());
        String control = Check.text("feed.control_field", f.controlField(), null);
        try {
            return FeedSpec.of(feedName, schemaJson, matchKey, idem, control);
        } catch (RuntimeException e) {
            throw new ConfigException("feed", e.getMessage());
        }
    }

    /** A schema file relative to the working folder or the YAML's folder, else a resource of the job jar. */
    private static String readSchema(String key, String ref, Path base) {
        for (Path p : List.of(Path.of(ref), base.resolve(ref))) {
            if (Files.isRegularFile(p)) {
                try {
                    return Files.readString(p);
                } catch (IOException e) {
                    throw new ConfigException(key, "cannot read " + p + ": " + e.getMessage());
                }
            }
        }
        try (InputStream in = ConfigBinder.class.getClassLoader().getResourceAsStream(ref)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read resource " + ref + ": " + e.getMessage());
        }
        throw new ConfigException(key, "'" + ref + "' is neither a file nor a schema in the job jar");
    }

    private static ReconConfig.Internal internal(ReconYaml.Internal in, int dates) {
        String formatName = Check.text("internal.format", in.format());
        InternalFormat format;
        try {
            format = InternalFormat.of(formatName);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("internal.format", e.getMessage());
        }
        String pattern = Check.text("internal.path", in.path());
        if (dates > 1 && !pattern.contains("{business_date}")) {
            throw new ConfigException("internal.path", "must contain {business_date} when business_dates lists several dates");
        }
        return new ReconConfig.Internal(format, pattern);
    }

    private static List<CounterpartyEndpoint> counterparties(List<ReconYaml.Counterparty> list, FetchSettings fetch) {
        Check.list("counterparties", list);
        if (list.isEmpty()) {
            throw new ConfigException("counterparties", "must list at least one counterparty");
        }
        List<CounterpartyEndpoint> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ReconYaml.Counterparty c = list.get(i);
            String key = "counterparties[" + i + "]";
            String cpName = Check.matching(key + ".name", c.name(), Check.NAME, Check.NAME_HELP);
            if (!names.add(cpName)) {
                throw new ConfigException(key + ".name", "counterparty '" + cpName + "' is listed twice");
            }
            String url = Check.text(key + ".base_url", c.baseUrl());
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(key + ".base_url", "'" + url + "' is not an http(s) URL");
            }
            String tokenEnv = Check.matching(key + ".token_env", c.tokenEnv(), Check.ENV_VAR, Check.ENV_VAR_HELP);
            FetchSettings own = FetchBinder.settings(key + ".fetch", c.fetch(), fetch, false);
            out.add(new CounterpartyEndpoint(cpName, url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                    tokenEnv, own));
        }
        return List.copyOf(out);
    }

    private static MatchSpec matching(ReconYaml.Matching m, FeedSpec feed) {
        List<ReconYaml.Rule> rs = Check.list("matching.rules", m.rules());
        List<MatchRule> rules = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            rules.add(rule("matching.rules[" + i + "]", rs.get(i)));
        }
        List<MatchPass> passes = MatchSpec.defaultPasses();
        if (m.passes() != null) {
            List<ReconYaml.Pass> ps = Check.list("matching.passes", m.passes());
            passes = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                ReconYaml.Pass p = ps.get(i);
                String key = "matching.passes[" + i + "]";
                passes.add(new MatchPass(i + 1, Check.text(key + ".name", p.name()), p.tolerances() == null || p.tolerances(),
                        p.key() == null ? null : Check.texts(key + ".key", p.key()),
                        p.rules() == null ? null : Check.texts(key + ".rules", p.rules())));
            }
        }
        try {
            MatchSpec matching = new MatchSpec(rules, passes);
            matching.checkAgainst(feed);
            return matching;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("matching", e.getMessage());
        }
    }

    private static MatchRule rule(String key, ReconYaml.Rule r) {
        String field = Check.text(key + ".field", r.field());
        RuleKind kind;
        try {
            kind = RuleKind.of(Check.text(key + ".rule", r.rule()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ".rule", e.getMessage());
        }
        Map<String, String> opposites = Map.of();
        if (r.opposites() != null) {
            r.opposites().forEach((k, v) -> Check.text(key + ".opposites." + k, v));
            opposites = r.opposites();
        }
        boolean tolerance = kind == RuleKind.ABS_TOLERANCE || kind == RuleKind.REL_TOLERANCE;
        return new MatchRule(field, Check.text(key + ".internal_field", r.internalField(), field), kind,
                tolerance ? Check.required(key + ".tolerance", r.tolerance()) : null,
                kind == RuleKind.TIME_WINDOW ? r.window() : null,
                opposites);
    }

    /** The ledger, or null without {@code ledger.jdbc_url}. Credentials come from the environment, never from the file. */
    private static ReconConfig.Ledger ledger(ReconYaml.Ledger l) {
        if (l == null || l.jdbcUrl() == null) {
            return null;
        }
        String url = Check.text("ledger.jdbc_url", l.jdbcUrl());
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("ledger.jdbc_url", "'" + url + "' is not a jdbc:postgresql: URL");
        }
        return new ReconConfig.Ledger(url,
                Check.matching("ledger.user_env", l.userEnv(), Check.ENV_VAR, Check.ENV_VAR_HELP, "RECONFLOW_JDBC_USER"),
                Check.matching("ledger.password_env", l.passwordEnv(), Check.ENV_VAR, Check.ENV_VAR_HELP, "RECONFLOW_JDBC_PASSWORD"),
                Check.positive("ledger.batch_size", l.batchSize(), 500),
                l.batchInterval() == null ? Duration.ofSeconds(1) : l.batchInterval(),
                Check.positive("ledger.max_retries", l.maxRetries(), 5),
                Check.positive("ledger.outage_patience", l.outagePatience(), Duration.ofSeconds(60)));
    }

    private static ReconConfig.Job job(ReconYaml.Job j) {
        if (j == null) {
            return new ReconConfig.Job(1, Duration.ofSeconds(5));
        }
        return new ReconConfig.Job(Check.positive("job.parallelism", j.parallelism(), 1),
                j.checkpointInterval() == null ? Duration.ofSeconds(5) : j.checkpointInterval());
    }
}
