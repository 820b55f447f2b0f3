package dev.weft.bench.micro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI's proof that the benchmarks still start: the packaged runner in smoke mode (one short
 * iteration each) runs every benchmark under no agent, Weft (metrics only, and with 10% of traces
 * exported to the runner's OTLP sink) and the upstream agent, against the real Redis and a real
 * Kafka broker, and writes its table. Numbers from this run mean nothing; that Weft's traces
 * reached the sink does.
 */
class MicroBenchmarkSmokeTest {

  @Test
  void everyBenchmarkStartsUnderEveryAgent(@TempDir Path dir) throws Exception {
    Path jar = Paths.get(System.getProperty("bench.jar"));
    assertTrue(Files.isRegularFile(jar), "build the benchmark jar first: " + jar);
    Path out = dir.resolve("micro.md");
    Path log = dir.resolve("runner.log");
    Process p =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--smoke",
                "--configs",
                "none,weft,weft-traces,weft-json,otel-metrics",
                "--weft-agent",
                System.getProperty("bench.weft.agent"),
                "--otel-agent",
                System.getProperty("bench.otel.agent"),
                "--out",
                out.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    // About 100 short forks, 5 minutes on an idle two-core machine: room for a busy one.
    boolean finished = p.waitFor(10, TimeUnit.MINUTES);
    if (!finished) {
      // The runner's Kafka broker and forks too: an orphaned broker would hold a CPU and ports
      // for the rest of the build.
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String output = Files.readString(log);
    assertTrue(finished, "the smoke run did not finish in 10 minutes:\n" + output);
    assertEquals(0, p.exitValue(), "the smoke run failed (is Redis running on 127.0.0.1:6379?):\n" + output);
    List<String> table = Files.readAllLines(out);
    for (String label : MicroBenchmarkRunner.LABELS.values()) {
      assertTrue(
          table.stream().anyMatch(l -> l.startsWith("| " + label + " |") && !l.contains("n/a")),
          "no complete row for " + label + " in:\n" + String.join("\n", table));
    }
    // The JDK HTTP server case makes spans under Weft: at least one export must have arrived.
    Matcher exports =
        Pattern.compile("OTLP trace export requests received by the local sink, all forks: weft-traces (\\d+)")
            .matcher(String.join("\n", table));
    assertTrue(exports.find(), "no export count for weft-traces in:\n" + String.join("\n", table));
    assertTrue(
        Long.parseLong(exports.group(1)) > 0,
        "Weft exported no trace to the sink under weft-traces:\n" + output);
  }
}
