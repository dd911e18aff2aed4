package io.reconflow.job;

import io.reconflow.operators.fetch.PauseFileWatcher;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code reconflow pause --config F --counterparty NAME --reason "…"} and {@code reconflow resume
 * --config F --counterparty NAME}: flip the emergency pause switch, a line per paused counterparty
 * in the file {@code fetch.pause_file} names, which the running job's TaskManagers read every
 * {@code fetch.pause_poll} (README "Emergency pause"). Needs no running job, no ledger and no token.
 */
final class PauseCommand {
    private PauseCommand() {}

    static void main(String command, String[] args, PrintStream out) throws IOException {
        List<String> rest = new ArrayList<>();
        String counterparty = null;
        String reason = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--counterparty" -> counterparty = value(args, ++i, "--counterparty");
                case "--reason" -> reason = value(args, ++i, "--reason");
                default -> rest.add(args[i]);
            }
        }
        if (counterparty == null) {
            throw new IllegalArgumentException(command + " needs --counterparty NAME");
        }
        if (reason != null && command.equals("resume")) {
            throw new IllegalArgumentException("resume takes no --reason");
        }
        ReconflowJob.CommandLine cli = ReconflowJob.CommandLine.parse(rest.toArray(new String[0]));
        ReconConfig config = ReconConfig.load(cli.config(), cli.overrides());
        if (config.pause() == null) {
            throw new ConfigException("fetch.pause_file", "is not set: this reconciliation has no pause switch");
        }
        String name = counterparty;
        if (config.counterparties().stream().noneMatch(c -> c.name().equals(name))) {
            throw new IllegalArgumentException("--counterparty " + name + " is not a counterparty of " + config.name()
                    + " (" + config.counterparties().stream().map(c -> c.name()).toList() + ")");
        }
        String file = config.pause().file();
        Map<String, String> paused = new LinkedHashMap<>(PauseFileWatcher.read(file));
        if (command.equals("pause")) {
            String why = (reason == null || reason.isBlank() ? "(no reason given)" : reason.replaceAll("\\s+", " ").strip());
            paused.put(name, why + " [" + Instant.now() + "]");
        } else if (paused.remove(name) == null) {
            out.println("reconflow: " + name + " was not paused in " + file);
            return;
        }
        write(file, paused);
        out.println("reconflow: " + name + (command.equals("pause") ? " paused" : " resumed") + " in " + file
                + "; the TaskManagers see it within " + config.pause().poll().toMillis() + " ms");
    }

    /** The whole file anew; a local one through a rename, so that a reader never sees half of it. */
    static void write(String file, Map<String, String> paused) throws IOException {
        StringBuilder text = new StringBuilder("# reconflow emergency pause: one paused counterparty per line, then why\n");
        paused.forEach((k, v) -> text.append(k).append(v.isEmpty() ? "" : " " + v).append('\n'));
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        Path path = PauseFileWatcher.path(file);
        if (!path.getFileSystem().isDistributedFS() && "file".equals(path.toUri().getScheme())) {
            java.nio.file.Path local = java.nio.file.Path.of(path.toUri());
            java.nio.file.Path tmp = local.resolveSibling(local.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        try (OutputStream o = path.getFileSystem().create(path, FileSystem.WriteMode.OVERWRITE)) {
            o.write(bytes);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
