package io.reconflow.tools.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seeds' asyncio pattern (aiohttp, a semaphore, {@code response.json()}; the script
 * {@code seed_asyncio.py} next to this class) run on the simulator's pages with
 * {@code /usr/bin/python3}, for the "3× the seeds' asyncio pattern" on large pages.
 */
final class SeedAsyncio {
    static final String PYTHON = "/usr/bin/python3";
    private static final Pattern RESULT = Pattern.compile("RESULT pages=(\\d+) millis=(\\d+) records=(\\d+) failed=(\\d+)");

    /** One run, or why there was none ({@code skipped} set, the rest 0). */
    record Result(int pages, long millis, long records, int failed, String skipped) {
        double pagesPerSecond() {
            return pages * 1000.0 / Math.max(1, millis);
        }
    }

    private SeedAsyncio() {}

    /**
     * @param pageUrlPrefix the pages' URL up to the page number
     * @param tokenEnv the variable holding the bearer token (passed on by name, never on the command line)
     */
    static Result run(String pageUrlPrefix, int pages, int concurrency, String tokenEnv) throws IOException, InterruptedException {
        String missing = missing();
        if (missing != null) {
            return new Result(0, 0, 0, 0, missing);
        }
        Path script = Files.createTempFile("reconflow-seed-asyncio-", ".py");
        try (InputStream in = SeedAsyncio.class.getResourceAsStream("seed_asyncio.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            Process p = new ProcessBuilder(PYTHON, script.toString(), pageUrlPrefix, Integer.toString(pages),
                    Integer.toString(concurrency), tokenEnv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroy();
                throw new IOException("the seeds' asyncio pattern failed: " + out.strip());
            }
            Matcher m = RESULT.matcher(out);
            if (!m.find()) {
                throw new IOException("the seeds' asyncio pattern printed no result: " + out.strip());
            }
            return new Result(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Integer.parseInt(m.group(4)), null);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** Why the pattern cannot run here, or null when python3 with aiohttp is there. */
    private static String missing() throws InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return PYTHON + " is not installed";
        }
        try {
            Process p = new ProcessBuilder(List.of(PYTHON, "-c", "import aiohttp")).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? null : "aiohttp is not installed for " + PYTHON + " (Debian: python3-aiohttp)";
        } catch (IOException e) {
            return PYTHON + " cannot be started: " + e.getMessage();
        }
    }
}
