package dev.weft.bench.macro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.bench.common.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the driver in {@code --smoke} mode (1 round, at most 2 s warm-up, 3 s load) with no agent, Weft and
 * the OpenTelemetry agent, against the real PostgreSQL and Redis of this machine and a Kafka broker
 * started by weft-kafka-broker (or the one named by {@code -Dweft.bench.kafka=host:port}).
 */
class MacroBenchmarkSmokeTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyConfigurationStartsServesWithoutErrorsAndProducesEveryMetric() throws Exception {
        String pg = MacroBenchmark.unreachable("127.0.0.1", 5432);
        assertNull(pg, () -> "PostgreSQL is not reachable on 127.0.0.1:5432 (" + pg + "). Start it (trust auth, user"
                + " postgres, database test): pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start");
        String redis = MacroBenchmark.unreachable("127.0.0.1", 6379);
        assertNull(redis, () -> "Redis is not reachable on 127.0.0.1:6379 (" + redis + "). Start it: redis-server"
                + " --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no");

        List<String> args = new ArrayList<>(List.of("--smoke", "--configs", "none,weft,otel-metrics",
                "--out", Options.moduleDir().resolve("target/macro-smoke-test.json").toString()));
        String kafka = System.getProperty("weft.bench.kafka");
        if (kafka != null && !kafka.isBlank()) {
            args.add("--kafka");
            args.add(kafka);
        }
        Options options = Options.parse(args.toArray(String[]::new));
        assertTrue(Files.isRegularFile(options.serviceJar), () -> "missing " + options.serviceJar
                + ": build it first (mvn -B -f benchmark/macro-service/pom.xml package)");
        assertTrue(Files.isRegularFile(options.weftAgent), () -> "missing " + options.weftAgent
                + ": build Weft first (mvn -B -DskipTests package at the repository root)");
        assertTrue(Files.isRegularFile(options.otelAgent), () -> "missing " + options.otelAgent
                + " (the build copies it there in generate-resources)");

        MacroBenchmark.Outcome outcome = new MacroBenchmark(options, System.out).run();
        System.out.print(outcome.markdown());

        for (AgentConfig config : options.configs) {
            List<RunResult> runs = outcome.report().runs.stream().filter(r -> r.config == config).toList();
            assertEquals(1, runs.size(), config + ": runs");
            RunResult run = runs.get(0);
            assertTrue(run.started, () -> config + " did not start: " + run.failure);
            assertNull(run.failure, () -> config + " failed: " + run.failure);
            assertTrue((Long) run.details.get("okRequests") >= 1, () -> config + " served no request");
            assertEquals(0.0, run.get(Metric.ERRORS), () -> config + " had errors: " + run.details.get("errorKinds"));
            Map<?, ?> warmup = (Map<?, ?>) run.details.get("warmup");
            assertEquals(0L, warmup.get("errors"), () -> config + " had errors in warm-up: " + warmup.get("errorKinds"));
            for (Metric metric : Metric.values()) {
                assertTrue(!Double.isNaN(run.get(metric)), () -> config + " produced no " + metric.key);
            }
            if (config == AgentConfig.WEFT) {
                // Metrics only: Weft traces unless told not to.
                assertTrue(((List<?>) run.details.get("jvmFlags")).contains("-Dotel.traces.exporter=none"),
                        () -> "weft runs with tracing on: " + run.details.get("jvmFlags"));
            }
            if (config != AgentConfig.NONE) {
                Map<?, ?> agentMetrics = (Map<?, ?>) run.details.get("agentMetrics");
                assertEquals(200, agentMetrics.get("status"), () -> config + ": the agent's /metrics: " + agentMetrics);
            }
        }
        if (!outcome.problems().isEmpty()) {
            fail("problems: " + outcome.problems());
        }

        Path json = outcome.jsonFile();
        String text = Files.readString(json);
        for (String key : List.of("\"machine\"", "\"nproc\"", "\"cpuModel\"", "\"javaVersion\"", "\"agents\"",
                "\"runs\"", "\"summary\"", "\"ratiosVsNone\"", "\"otel-metrics\"")) {
            assertTrue(text.contains(key), () -> json + " lacks " + key);
        }
        assertNotNull(outcome.report().ratio(AgentConfig.WEFT, Metric.STARTUP_MS));
        assertTrue(outcome.markdown().contains("| start-up to first 200 (ms) |"), outcome.markdown());
    }
}
