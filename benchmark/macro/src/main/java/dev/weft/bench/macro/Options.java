package dev.weft.bench.macro;

import dev.weft.bench.common.AgentConfig;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/** The driver's command line, with defaults relative to the {@code benchmark/macro} module. */
final class Options {

    static final String USAGE = String.join("\n",
            "Usage: java -jar benchmark/macro/target/macro-bench.jar [options]",
            "  --service-jar PATH     the macro service (default ../macro-service/target/macro-service.jar)",
            "  --weft-agent PATH      Weft's agent jar (default ../../agent/target/weft-agent.jar)",
            "  --otel-agent PATH      the OpenTelemetry agent (default target/agents/opentelemetry-javaagent.jar)",
            "  --kafka HOST:PORT      a Kafka broker; without it a broker is started with weft-kafka-broker",
            "  --rounds N             rounds; each runs every configuration once, order rotated (default 5)",
            "  --load-seconds S       measured load per run (default 20)",
            "  --warmup-seconds W     at most W s of warm-up load per run, not measured (default 60)",
            "  --warmup-window-seconds S  warm-up goes on in windows of S s (default 5) ...",
            "  --warmup-tolerance F   ... until two consecutive windows' throughputs are within F (default 0.03)",
            "  --service-cpus LIST    CPUs the service is pinned to with taskset (default 0)",
            "  --driver-cpus LIST     CPUs the driver and its load generator are pinned to (default 1)",
            "  --no-pin               pin nothing",
            "  --connections C        concurrent closed-loop connections (default 8)",
            "  --configs LIST         of none, weft, weft-traces, otel-metrics, otel-traces (default none,weft,otel-metrics)",
            "  --out FILE.json        results (default target/macro-results.json; Markdown next to it)",
            "  --java PATH            the java that runs the service (default: the one running the driver)",
            "  --jvm-opts \"FLAGS\"     flags for every service JVM (default \"-Xmx512m -XX:+UseG1GC\")",
            "  --smoke                1 round, at most 2 s warm-up in 1 s windows, 3 s load: proves everything still starts",
            "Paths are relative to the current directory; defaults are relative to the benchmark/macro module.");

    Path serviceJar;
    Path weftAgent;
    Path otelAgent;
    String kafka;
    int rounds = 5;
    double loadSeconds = 20;
    double warmupSeconds = 60;
    double warmupWindowSeconds = 5;
    double warmupTolerance = 0.03;
    String serviceCpus = "0";
    String driverCpus = "1";
    boolean pin = true;
    int connections = 8;
    List<AgentConfig> configs = List.of(AgentConfig.NONE, AgentConfig.WEFT, AgentConfig.OTEL_METRICS);
    Path out;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> jvmOptions = List.of("-Xmx512m", "-XX:+UseG1GC");
    boolean smoke;
    /** The benchmark/macro module directory the defaults are relative to. */
    final Path moduleDir;

    Options(Path moduleDir) {
        this.moduleDir = moduleDir;
        serviceJar = moduleDir.resolve("../macro-service/target/macro-service.jar").normalize();
        weftAgent = moduleDir.resolve("../../agent/target/weft-agent.jar").normalize();
        otelAgent = moduleDir.resolve("target/agents/opentelemetry-javaagent.jar");
    }

    static Options parse(String... args) {
        Options o = new Options(moduleDir());
        List<String> list = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                list.add(a.substring(0, eq));
                list.add(a.substring(eq + 1));
            } else {
                list.add(a);
            }
        }
        boolean roundsSet = false;
        boolean loadSet = false;
        boolean warmupSet = false;
        boolean windowSet = false;
        for (int i = 0; i < list.size(); i++) {
            String a = list.get(i);
            switch (a) {
                case "--smoke" -> o.smoke = true;
                case "--no-pin" -> o.pin = false;
                case "--help", "-h" -> throw new UsageException(null);
                default -> {
                    if (i + 1 >= list.size()) {
                        throw new UsageException("missing value after " + a);
                    }
                    String v = list.get(++i);
                    switch (a) {
                        case "--service-jar" -> o.serviceJar = Path.of(v);
                        case "--weft-agent" -> o.weftAgent = Path.of(v);
                        case "--otel-agent" -> o.otelAgent = Path.of(v);
                        case "--kafka" -> o.kafka = v;
                        case "--rounds" -> {
                            o.rounds = positiveInt(a, v);
                            roundsSet = true;
                        }
                        case "--load-seconds" -> {
                            o.loadSeconds = positiveDouble(a, v);
                            loadSet = true;
                        }
                        case "--warmup-seconds" -> {
                            o.warmupSeconds = nonNegativeDouble(a, v);
                            warmupSet = true;
                        }
                        case "--connections" -> o.connections = positiveInt(a, v);
                        case "--warmup-window-seconds" -> {
                            o.warmupWindowSeconds = positiveDouble(a, v);
                            windowSet = true;
                        }
                        case "--warmup-tolerance" -> o.warmupTolerance = fraction(a, v);
                        case "--service-cpus" -> o.serviceCpus = v;
                        case "--driver-cpus" -> o.driverCpus = v;
                        case "--configs" -> o.configs = configs(v);
                        case "--out" -> o.out = Path.of(v);
                        case "--java" -> o.java = v;
                        case "--jvm-opts" -> o.jvmOptions = v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
                        default -> throw new UsageException("unknown option " + a);
                    }
                }
            }
        }
        if (o.smoke) {
            o.rounds = roundsSet ? o.rounds : 1;
            o.warmupSeconds = warmupSet ? o.warmupSeconds : 2;
            o.warmupWindowSeconds = windowSet ? o.warmupWindowSeconds : 1;
            o.loadSeconds = loadSet ? o.loadSeconds : 3;
        }
        if (o.out == null) {
            o.out = o.moduleDir.resolve(o.smoke ? "target/macro-smoke.json" : "target/macro-results.json");
        }
        return o;
    }

    private static List<AgentConfig> configs(String v) {
        LinkedHashSet<AgentConfig> set = new LinkedHashSet<>();
        for (String id : v.split(",")) {
            if (!id.isBlank()) {
                try {
                    set.add(AgentConfig.parse(id));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
        }
        if (set.isEmpty()) {
            throw new UsageException("--configs names no configuration");
        }
        return List.copyOf(set);
    }

    private static int positiveInt(String option, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(option + " needs a positive integer, not '" + v + "'");
    }

    private static double fraction(String option, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && d < 1) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(option + " needs a fraction between 0 and 1, not '" + v + "'");
    }

    private static double positiveDouble(String option, String v) {
        double d = nonNegativeDouble(option, v);
        if (d == 0) {
            throw new UsageException(option + " needs a positive number of seconds, not '" + v + "'");
        }
        return d;
    }

    private static double nonNegativeDouble(String option, String v) {
        try {
            double d = Double.parseDouble(v);
            if (d >= 0 && d < 86_400) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(option + " needs a number of seconds, not '" + v + "'");
    }

    /**
     * The {@code benchmark/macro} directory: the parent of the {@code target} folder the driver's
     * classes or jar are in, else the current directory.
     */
    static Path moduleDir() {
        try {
            Path code = Path.of(MacroBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                if (p.getFileName() != null && p.getFileName().toString().equals("target") && Files.isDirectory(p)) {
                    return p.getParent();
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall back to the working directory
        }
        return Path.of("").toAbsolutePath();
    }

    /** A bad command line: the message, then the usage text. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
