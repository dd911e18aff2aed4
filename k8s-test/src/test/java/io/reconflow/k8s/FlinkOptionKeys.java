package io.reconflow.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;

/**
 * The configuration keys Flink (the project's version) knows, read from the {@code *Options}
 * classes of flink-core: every {@link ConfigOption}'s key, and its deprecated fallback keys with
 * the key that replaces them.
 */
final class FlinkOptionKeys {
    /**
     * Keys no flink-core option class declares but that are real: plugin settings (S3), a named
     * reporter's settings, and the Kubernetes operator's per-deployment settings.
     */
    static final List<String> OTHER_PREFIXES = List.of("s3.", "metrics.reporter.", "kubernetes.operator.");

    final Set<String> known = new HashSet<>();
    /** deprecated key → its replacement (an option deprecated as a whole maps to itself). */
    final Map<String, String> deprecated = new HashMap<>();

    static FlinkOptionKeys scan() {
        FlinkOptionKeys keys = new FlinkOptionKeys();
        keys.scanJarOf(ConfigOption.class);
        // The RocksDB state backend declares its own keys (state.backend.rocksdb.*).
        keys.scanJarOf(org.apache.flink.state.rocksdb.RocksDBOptions.class);
        if (keys.known.size() < 300) {
            throw new IllegalStateException("found only " + keys.known.size() + " Flink option keys; the scan is broken");
        }
        if (!keys.known.contains("state.backend.rocksdb.use-bloom-filter")) {
            throw new IllegalStateException("the RocksDB backend's option keys were not found; the scan is broken");
        }
        return keys;
    }

    /** Every {@code *Options} class in the jar that holds {@code inJar}. */
    private void scanJarOf(Class<?> inJar) {
        try (JarFile jar = new JarFile(Path.of(inJar.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                String n = e.getName();
                if (n.startsWith("org/apache/flink/") && n.endsWith("Options.class") && !n.contains("$")) {
                    add(n.substring(0, n.length() - ".class".length()).replace('/', '.'));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void add(String className) {
        Class<?> c;
        try {
            c = Class.forName(className);
        } catch (ClassNotFoundException | LinkageError e) {
            return; // a class that needs what is not on this classpath declares nothing we use
        }
        for (Field f : c.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || !ConfigOption.class.isAssignableFrom(f.getType())) {
                continue;
            }
            ConfigOption<?> option;
            try {
                option = (ConfigOption<?>) f.get(null);
            } catch (IllegalAccessException e) {
                continue;
            }
            known.add(option.key());
            if (f.isAnnotationPresent(Deprecated.class)) {
                deprecated.put(option.key(), option.key());
            }
            for (FallbackKey k : option.fallbackKeys()) {
                if (k.isDeprecated()) {
                    deprecated.put(k.getKey(), option.key());
                }
            }
        }
    }

    /** What is wrong with {@code key}, or null. */
    String problem(String key) {
        String replacement = deprecated.get(key);
        if (replacement != null) {
            return replacement.equals(key) ? key + " is deprecated" : key + " is deprecated: use " + replacement;
        }
        if (known.contains(key) || OTHER_PREFIXES.stream().anyMatch(key::startsWith)) {
            return null;
        }
        return key + " is not a Flink " + "configuration key (Flink would ignore it)";
    }
}
