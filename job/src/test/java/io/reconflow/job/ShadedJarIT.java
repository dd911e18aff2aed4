package io.reconflow.job;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar that {@code flink run}, the image and the cluster tests use holds the job and its
 * libraries only: no simulator, tool or test class, and no DuckDB or embedded PostgreSQL.
 */
class ShadedJarIT {

    @Test
    void theJobJarHoldsNoTestToolingAndStartsTheJob() throws Exception {
        Path jar = Path.of(System.getProperty("reconflow.job.jar"));
        assertThat(jar).as("the shaded job jar (mvn package)").isRegularFile();
        try (JarFile file = new JarFile(jar.toFile())) {
            List<String> entries = Collections.list(file.entries()).stream().map(ZipEntry::getName).toList();

            assertThat(entries).contains("io/reconflow/job/ReconflowJob.class", "io/reconflow/operators/fetch/FetchPage.class");
            assertThat(entries).filteredOn(e -> e.startsWith("io/reconflow/sim/") || e.startsWith("io/reconflow/testkit/")
                            || e.startsWith("io/reconflow/tools/") || e.startsWith("io/reconflow/job/bench/")
                            || e.startsWith("io/reconflow/job/demo/"))
                    .as("simulator and tool classes").isEmpty();
            assertThat(entries).filteredOn(e -> e.startsWith("io/reconflow/") && e.matches(".*(Test|IT|TestBase)(\\$.*)?\\.class"))
                    .as("test classes").isEmpty();
            // Classes of the operators' test-jar (harness helpers) stay out too.
            assertThat(entries).doesNotContain("io/reconflow/operators/Harnesses.class", "io/reconflow/operators/TestFeeds.class");
            assertThat(entries).filteredOn(e -> e.startsWith("org/duckdb/") || e.startsWith("io/zonky/")
                            || e.startsWith("org/junit/") || e.startsWith("org/assertj/"))
                    .as("test libraries").isEmpty();
            assertThat(file.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo(ReconflowJob.class.getName());
        }
    }
}
