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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code reconflow pause --config F --counterparty NAME --reason "…"} and {@code reconflow resume
 * --config F --counterparty NAME}: flip the emergency pause switch, a line per paused counterparty
 * in the file {@code fetch.pause_file} names, which the running job's TaskManagers read every
 * {@code fetch.pause_poll} (README "Emergency pause"). Needs no running job, no ledger and no token.
 */
final class PauseCommand {
    private PauseCommand() {}

    /** {@code reconflow pause|resume} with its arguments, for tests: parsed as the command line does. */
    static void main(String command, String[] args, PrintStream out) throws IOException {
        if (command.equals("pause")) {
            Cli.Pause p = Cli.parse(new Cli.Pause(), args);
            run(true, p.commandLine(), p.counterparty, p.reason, out);
        } else {
            Cli.Resume r = Cli.parse(new Cli.Resume(), args);
            run(false, r.commandLine(), r.counterparty, null, out);
        }
    }

    static void run(boolean pause, ReconflowJob.CommandLine cli, String counterparty, String reason, PrintStream out)
            throws IOException {
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
        if (pause) {
            String why = (reason == null || reason.isBlank() ? "(no reason given)" : reason.replaceAll("\\s+", " ").strip());
            paused.put(name, why + " [" + Instant.now() + "]");
        } else if (paused.remove(name) == null) {
            out.println("reconflow: " + name + " was not paused in " + file);
            return;
        }
        write(file, paused);
        out.println("reconflow: " + name + (pause ? " paused" : " resumed") + " in " + file
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
}
