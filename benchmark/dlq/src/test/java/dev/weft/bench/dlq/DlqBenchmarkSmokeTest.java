package dev.weft.bench.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI's proof that the dead-letter benchmark still works: the packaged harness in smoke mode runs the
 * consumer under none, weft and weft-dlq-off against a real broker, and with Weft every dead letter
 * of the storm, and of the broker outage, is acknowledged and in the dead-letter topic exactly once
 * (the harness exits 1 otherwise). The numbers of this run mean nothing.
 */
class DlqBenchmarkSmokeTest {

    @Test
    void everyConfigurationRunsAndWeftDeliversEveryDeadLetterOnce(@TempDir Path dir) throws Exception {
        Path jar = Paths.get(System.getProperty("bench.jar"));
        assertTrue(Files.isRegularFile(jar), "build the benchmark jar first: " + jar);
        Path out = dir.resolve("dlq.md");
        Path log = dir.resolve("harness.log");
        Process p = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar", jar.toString(),
                        "--smoke",
                        "--weft-agent", System.getProperty("bench.weft.agent"),
                        "--otel-agent", System.getProperty("bench.otel.agent"),
                        "--out", out.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = p.waitFor(4, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(finished, "the smoke run did not finish in 4 minutes:\n" + output);
        assertEquals(0, p.exitValue(), "the smoke run failed:\n" + output);

        List<String> table = Files.readAllLines(out);
        String all = String.join("\n", table);
        assertTrue(table.contains("| dead letters in `<topic>.dlq` (each round) | none | 10 | none |"),
                "the storm's 10 dead letters, under weft only:\n" + all);
        for (String row : List.of("| consumer throughput through the storm (records/s) |",
                "| dead letters/s, first throw to last acknowledgement |",
                "| dead letters/s, broker back to last acknowledgement |")) {
            assertTrue(table.stream().anyMatch(l -> l.startsWith(row) && !l.contains("n/a") && !l.contains("†")),
                    "no complete row " + row + " in:\n" + all);
        }
        assertTrue(output.contains("outage round 1 weft (") && output.contains("10/10 acknowledged"), output);
    }
}
