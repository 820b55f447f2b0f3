package dev.weft.bench.minimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bench.common.RoundsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the minimal case in {@code --smoke} mode (none and weft: 2 launches, one round of 2,000
 * requests to /ping, one launch per archive) and checks that every phase produced its figures.
 * An archive the JVM could not write with the agent attached is a finding the table reports, not a
 * failure here; one it could not write without an agent is.
 */
class MinimalBenchmarkSmokeTest {

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyPhaseProducesItsFigures() throws Exception {
        Options options = Options.parse("--smoke", "--out", Options.moduleDir().resolve("target/minimal-smoke-test.md").toString());
        assertTrue(Files.isRegularFile(options.serviceJar), () -> "missing " + options.serviceJar
                + ": build it first (mvn -B -DskipTests package -pl benchmark/minimal-service)");
        assertTrue(Files.isRegularFile(options.weftAgent), () -> "missing " + options.weftAgent
                + ": build Weft first (mvn -B -DskipTests package at the repository root)");

        MinimalBenchmark.Outcome outcome = new MinimalBenchmark(options, System.out).run();
        System.out.print(outcome.markdown());
        assertEquals(List.of(), outcome.problems());

        RoundsFile rounds = outcome.rounds();
        for (String config : List.of("none", "weft")) {
            assertEquals(2, rounds.byRound("minimal", "startupMs", config).size(), config + ": start-up launches");
            assertEquals(1, rounds.byRound("minimal", "pingThroughputRps", config).size(), config + ": /ping rounds");
            assertEquals(0.0, rounds.byRound("minimal", "pingErrors", config).get(1), config + ": /ping errors");
            assertFalse(rounds.byRound("minimal", "pingAllocatedBytesPerRequest", config).isEmpty(), config + ": allocation");
        }
        assertEquals(1, rounds.byRound("minimal", "appcdsStartupMs", "none").size()
                + (rounds.note("minimal", "appcds-failed") != null ? 0 : 0), "AppCDS launch without the agent");
        assertTrue(rounds.byRound("minimal", "appcdsStartupMs", "weft").size() == 1 || rounds.note("minimal", "appcds-failed") != null,
                "AppCDS with Weft: measured or reported as not written");
        Path tsv = options.out.resolveSibling("minimal-smoke-test-rounds.tsv");
        assertTrue(Files.readString(tsv).contains("\tstartupMs\tweft\t"), () -> tsv + " lacks the start-up values");
        assertTrue(outcome.markdown().contains("### Cheapest route"), outcome.markdown());
        assertTrue(outcome.markdown().contains("### Class-data sharing"), outcome.markdown());
    }
}
