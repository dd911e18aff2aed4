package io.reconflow.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.reconflow.domain.feed.FeedSpec;
import io.reconflow.operators.fetch.CounterpartyEndpoint;
import io.reconflow.operators.fetch.FetchSettings;
import io.reconflow.operators.fetch.PauseFileWatcher;
import io.reconflow.operators.ledger.LedgerSinks;
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
import java.util.regex.Pattern;

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

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final Pattern ENV_VAR = Pattern.compile("[A-Z_][A-Z0-9_]*");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public String resultsPath() {
        return outputPath + "/results";
    }

    public String rejectsPath() {
        return outputPath + "/rejects";
    }

    public String batchesPath() {
        return outputPath + "/batches";
    }

    /** Reads a reconciliation YAML file and applies {@code key=value} overrides (README: "Overrides"). */
    public static ReconConfig load(Path yaml, List<String> overrides) {
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml.toFile());
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + yaml + ": " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException("--config", yaml + " is not a YAML mapping");
        }
        ObjectNode root = (ObjectNode) tree;
        for (String o : overrides) {
            applyOverride(root, o);
        }
        Path base = yaml.toAbsolutePath().getParent();
        return bind(new ConfigNode("", root), base);
    }

    static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set " + override, "must be key=value, e.g. fetch.capacity=32");
        }
        String key = override.substring(0, eq).trim();
        String text = override.substring(eq + 1);
        JsonNode value;
        try {
            value = text.isEmpty() ? TextNode.valueOf("") : YAML.readTree(text);
        } catch (JsonProcessingException e) {
            value = TextNode.valueOf(text);
        }
        if (value == null || value.isMissingNode()) {
            value = TextNode.valueOf(text);
        }
        // "a.b[0].c" and "a.b.0.c" both address the first element of list b.
        String[] parts = key.replace("[", ".").replace("]", "").split("\\.");
        JsonNode node = root;
        for (int i = 0; i < parts.length; i++) {
            boolean last = i == parts.length - 1;
            String part = parts[i];
            if (node instanceof ObjectNode obj) {
                if (last) {
                    obj.set(part, value);
                } else {
                    JsonNode next = obj.get(part);
                    if (next == null || !next.isContainerNode()) {
                        next = parts[i + 1].chars().allMatch(Character::isDigit)
                                ? obj.putArray(part) : obj.putObject(part);
                    }
                    node = next;
                }
            } else if (node instanceof ArrayNode arr && part.chars().allMatch(Character::isDigit)) {
                int index = Integer.parseInt(part);
                if (index > arr.size()) {
                    throw new ConfigException(key, "list has " + arr.size() + " entries; index " + index + " skips some");
                }
                if (last) {
                    if (index == arr.size()) {
                        arr.add(value);
                    } else {
                        arr.set(index, value);
                    }
                } else {
                    if (index == arr.size()) {
                        arr.add(JsonNodeFactory.instance.objectNode());
                    }
                    node = arr.get(index);
                }
            } else {
                throw new ConfigException(key, "'" + part + "' does not address anything here");
            }
        }
    }

    private static ReconConfig bind(ConfigNode root, Path base) {
        root.onlyKeys("name", "feed", "mode", "continuous", "business_dates", "internal", "counterparties", "fetch", "dedup",
                "matching", "output", "ledger", "job");
        String mode = root.get("mode").string("bounded");
        if (!mode.equals("bounded") && !mode.equals("continuous")) {
            throw new ConfigException("mode", "must be bounded or continuous, not '" + mode + "'");
        }
        boolean continuousMode = mode.equals("continuous");
        if (continuousMode && root.get("business_dates").present()) {
            throw new ConfigException("business_dates", "is for bounded runs; in mode: continuous dates open by continuous.calendar or as internal folders appear");
        }
        // A bounded run ignores the continuous block, so that one YAML serves a continuous job and its backfills.
        String name = root.get("name").matching(NAME, "a name of lower-case letters, digits, - and _");
        FeedSpec feed = feed(root.get("feed"), base);

        List<LocalDate> dates = continuousMode ? List.of() : root.get("business_dates").list(ConfigNode::date);
        if (dates.isEmpty() && !continuousMode) {
            throw new ConfigException("business_dates", "must list at least one date");
        }
        if (new HashSet<>(dates).size() != dates.size()) {
            throw new ConfigException("business_dates", "lists a date twice");
        }

        ConfigNode in = root.get("internal").onlyKeys("format", "path");
        InternalFormat format;
        try {
            format = InternalFormat.of(in.get("format").string());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("internal.format", e.getMessage());
        }
        String pattern = in.get("path").string();
        if (dates.size() > 1 && !pattern.contains("{business_date}")) {
            throw new ConfigException("internal.path", "must contain {business_date} when business_dates lists several dates");
        }
        Internal internal = new Internal(format, pattern);

        // Global fetch settings first: each counterparty's own fetch block is laid over them.
        FetchSettings fetch = fetchSettings(root.get("fetch"), FetchSettings.defaults(), true);

        List<CounterpartyEndpoint> counterparties = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode c : root.get("counterparties").list()) {
            c.onlyKeys("name", "base_url", "token_env", "fetch");
            String cpName = c.get("name").matching(NAME, "a name of lower-case letters, digits, - and _");
            if (!names.add(cpName)) {
                throw new ConfigException(c.get("name").path(), "counterparty '" + cpName + "' is listed twice");
            }
            String url = c.get("base_url").string();
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(c.get("base_url").path(), "'" + url + "' is not an http(s) URL");
            }
            String tokenEnv = c.get("token_env").matching(ENV_VAR, "an environment variable name (A-Z, 0-9, _)");
            FetchSettings own = fetchSettings(c.get("fetch"), fetch, false);
            counterparties.add(new CounterpartyEndpoint(cpName, url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                    tokenEnv, own));
        }
        if (counterparties.isEmpty()) {
            throw new ConfigException("counterparties", "must list at least one counterparty");
        }

        Duration ttl = Duration.ofDays(7);
        ConfigNode dedup = root.get("dedup");
        if (dedup.present()) {
            ttl = dedup.onlyKeys("ttl").get("ttl").duration(ttl);
        }

        ConfigNode m = root.get("matching").onlyKeys("rules", "passes", "grace");
        List<MatchRule> rules = m.get("rules").list(ReconConfig::rule);
        List<MatchPass> passes = MatchSpec.defaultPasses();
        if (m.get("passes").present()) {
            List<ConfigNode> ps = m.get("passes").list();
            passes = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                ConfigNode p = ps.get(i).onlyKeys("name", "tolerances", "key", "rules");
                passes.add(new MatchPass(i + 1, p.get("name").string(), p.get("tolerances").bool(true),
                        p.get("key").present() ? p.get("key").strings() : null,
                        p.get("rules").present() ? p.get("rules").strings() : null));
            }
        }
        MatchSpec matching;
        try {
            matching = new MatchSpec(rules, passes);
            matching.checkAgainst(feed);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("matching", e.getMessage());
        }
        Duration grace = m.get("grace").duration(Duration.ofDays(1));

        String output = root.get("output").onlyKeys("path").get("path").string();

        Ledger ledger = null;
        ConfigNode l = root.get("ledger");
        if (l.present()) {
            l.onlyKeys("jdbc_url", "user_env", "password_env", "batch_size", "batch_interval", "max_retries", "outage_patience");
            if (l.get("jdbc_url").present()) {
                String url = l.get("jdbc_url").string();
                if (!url.startsWith("jdbc:postgresql:")) {
                    throw new ConfigException("ledger.jdbc_url", "'" + url + "' is not a jdbc:postgresql: URL");
                }
                ledger = new Ledger(url,
                        l.get("user_env").matching(ENV_VAR, "an environment variable name (A-Z, 0-9, _)", "RECONFLOW_JDBC_USER"),
                        l.get("password_env").matching(ENV_VAR, "an environment variable name (A-Z, 0-9, _)", "RECONFLOW_JDBC_PASSWORD"),
                        l.get("batch_size").positiveInt(500),
                        l.get("batch_interval").duration(Duration.ofSeconds(1)),
                        l.get("max_retries").positiveInt(5),
                        positive(l.get("outage_patience"), Duration.ofSeconds(60)));
            }
        }

        Job job = new Job(1, Duration.ofSeconds(5));
        ConfigNode j = root.get("job");
        if (j.present()) {
            j.onlyKeys("parallelism", "checkpoint_interval");
            job = new Job(j.get("parallelism").positiveInt(1), j.get("checkpoint_interval").duration(Duration.ofSeconds(5)));
        }
        ContinuousConfig continuous = null;
        if (continuousMode) {
            continuous = ContinuousConfig.bind(root.get("continuous").object(), grace);
            ContinuousConfig.folders(pattern);
        }
        return new ReconConfig(name, feed, List.copyOf(dates), internal, List.copyOf(counterparties), fetch, ttl,
                matching, grace, output, ledger, job, pauseSwitch(root.get("fetch")), continuous);
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

    /**
     * A {@code fetch} block laid over {@code base}: the global one over the defaults, a
     * counterparty's own over the global one. Every key may be left out; nested blocks
     * ({@code rate_limit}, {@code circuit_breaker}) are merged key by key too.
     *
     * @param global whether this is the global block, the only one that may set {@code capacity} and
     *     {@code max_in_flight_total}
     */
    private static FetchSettings fetchSettings(ConfigNode f, FetchSettings base, boolean global) {
        if (!f.present()) {
            return base;
        }
        List<String> keys = new ArrayList<>(List.of("connect_timeout", "request_timeout", "max_attempts",
                "backoff_initial", "backoff_max", "max_body_bytes", "deadline", "max_in_flight", "rate_limit",
                "circuit_breaker", "max_pages"));
        if (global) {
            keys.add(0, "capacity");
            keys.add("max_in_flight_total");
            keys.add("pause_file");
            keys.add("pause_poll");
        }
        f.onlyKeys(keys.toArray(new String[0]));
        Duration backoffInitial = f.get("backoff_initial").duration(base.backoffInitial());
        Duration backoffMax = f.get("backoff_max").duration(base.backoffMax());
        if (backoffMax.compareTo(backoffInitial) < 0) {
            throw new ConfigException(f.get("backoff_max").path(), "must not be below backoff_initial (" + backoffInitial + ")");
        }
        Duration requestTimeout = positive(f.get("request_timeout"), base.requestTimeout());
        Duration deadline = positive(f.get("deadline"), base.deadline());
        if (deadline.compareTo(requestTimeout) < 0) {
            throw new ConfigException(f.get("deadline").path(), "must be at least request_timeout (" + requestTimeout + ")");
        }

        double perSecond = base.requestsPerSecond();
        int burst = base.burst();
        ConfigNode rate = f.get("rate_limit");
        if (rate.present()) {
            rate.onlyKeys("requests_per_second", "burst");
            ConfigNode rps = rate.get("requests_per_second");
            if (rps.present()) {
                java.math.BigDecimal v = rps.decimal();
                if (v.signum() <= 0) {
                    throw new ConfigException(rps.path(), "must be a positive number, not " + v.toPlainString());
                }
                perSecond = v.doubleValue();
            }
            burst = rate.get("burst").positiveInt(burst);
        }

        FetchSettings.Circuit circuit = base.circuit();
        ConfigNode cb = f.get("circuit_breaker");
        if (cb.present()) {
            cb.onlyKeys("failure_rate", "min_requests", "window", "open_for", "probes");
            int rateLimit = cb.get("failure_rate").positiveInt(circuit.failureRatePercent());
            if (rateLimit > 100) {
                throw new ConfigException(cb.get("failure_rate").path(), "must be a percentage from 1 to 100, not " + rateLimit);
            }
            Duration window = positive(cb.get("window"), circuit.window());
            if (window.compareTo(Duration.ofMillis(10)) < 0) {
                throw new ConfigException(cb.get("window").path(), "must be at least 10ms");
            }
            circuit = new FetchSettings.Circuit(rateLimit,
                    cb.get("min_requests").positiveInt(circuit.minRequests()),
                    window,
                    positive(cb.get("open_for"), circuit.openFor()),
                    cb.get("probes").positiveInt(circuit.probes()));
        }

        FetchSettings s = new FetchSettings(
                global ? f.get("capacity").positiveInt(base.capacity()) : base.capacity(),
                positive(f.get("connect_timeout"), base.connectTimeout()),
                requestTimeout,
                f.get("max_attempts").positiveInt(base.maxAttempts()),
                backoffInitial,
                backoffMax,
                f.get("max_body_bytes").positiveLong(base.maxBodyBytes()),
                deadline,
                f.get("max_in_flight").positiveInt(base.maxInFlight()),
                global ? f.get("max_in_flight_total").positiveInt(base.maxInFlightTotal()) : base.maxInFlightTotal(),
                perSecond,
                burst,
                circuit,
                f.get("max_pages").positiveInt(base.maxPages()));
        List<String> problems = s.problems();
        if (!problems.isEmpty()) {
            // Every problem is caught above with its own key; this only guards against a missed one.
            throw new ConfigException(f.path(), String.join("; ", problems));
        }
        return s;
    }

    /** The emergency pause switch (README "Emergency pause"): {@code fetch.pause_file}, read every {@code fetch.pause_poll}. */
    private static PauseFileWatcher.Settings pauseSwitch(ConfigNode fetch) {
        if (!fetch.present()) {
            return null;
        }
        Duration poll = positive(fetch.get("pause_poll"), Duration.ofSeconds(5));
        if (!fetch.get("pause_file").present()) {
            if (fetch.get("pause_poll").present()) {
                throw new ConfigException(fetch.get("pause_poll").path(), "has no effect without fetch.pause_file");
            }
            return null;
        }
        if (poll.compareTo(Duration.ofMillis(100)) < 0) {
            throw new ConfigException(fetch.get("pause_poll").path(), "must be at least 100ms");
        }
        return new PauseFileWatcher.Settings(fetch.get("pause_file").string(), poll);
    }

    private static Duration positive(ConfigNode n, Duration fallback) {
        Duration d = n.duration(fallback);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException(n.path(), "must be longer than zero");
        }
        return d;
    }

    private static FeedSpec feed(ConfigNode f, Path base) {
        f.onlyKeys("name", "schema", "match_key", "idempotency_key", "control_field");
        String feedName = f.get("name").matching(NAME, "a feed name of lower-case letters, digits, - and _");
        String schemaRef = f.get("schema").string();
        String schemaJson = readSchema(f.get("schema").path(), schemaRef, base);
        List<String> matchKey = f.get("match_key").strings();
        List<String> idem = f.get("idempotency_key").present() ? f.get("idempotency_key").strings() : null;
        String control = f.get("control_field").string(null);
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
        try (InputStream in = ReconConfig.class.getClassLoader().getResourceAsStream(ref)) {
            if (in != null) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read resource " + ref + ": " + e.getMessage());
        }
        throw new ConfigException(key, "'" + ref + "' is neither a file nor a schema in the job jar");
    }

    private static MatchRule rule(ConfigNode r) {
        r.onlyKeys("field", "internal_field", "rule", "tolerance", "window", "opposites");
        String field = r.get("field").string();
        RuleKind kind;
        try {
            kind = RuleKind.of(r.get("rule").string());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(r.get("rule").path(), e.getMessage());
        }
        ConfigNode o = r.get("opposites");
        Map<String, String> opposites = o.present() ? o.stringMap() : Map.of();
        return new MatchRule(field, r.get("internal_field").string(field), kind,
                kind == RuleKind.ABS_TOLERANCE || kind == RuleKind.REL_TOLERANCE ? r.get("tolerance").decimal() : null,
                kind == RuleKind.TIME_WINDOW ? r.get("window").duration(null) : null,
                opposites);
    }
}
