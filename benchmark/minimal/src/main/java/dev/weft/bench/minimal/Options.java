package dev.weft.bench.minimal;

import dev.weft.bench.common.AgentConfig;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/** The minimal driver's command line, with defaults relative to the {@code benchmark/minimal} module. */
final class Options {

    static final String USAGE = String.join("\n",
            "Usage: java -jar benchmark/minimal/target/minimal-bench.jar [options]",
            "  --service-jar PATH     the service (default ../minimal-service/target/minimal-service.jar)",
            "  --weft-agent PATH      Weft's agent jar (default ../../agent/target/weft-agent.jar)",
            "  --otel-agent PATH      the upstream agent (default ../micro/target/agents/opentelemetry-javaagent.jar)",
            "  --configs LIST         of none, weft, weft-traces, otel-metrics, otel-traces (default none,weft,weft-traces,otel-metrics)",
            "  --phases LIST          of startup, throughput, archives (default all three)",
            "  --launches N           start-up: alternating launches per configuration (default 10)",
            "  --rounds N             throughput: alternating rounds (default 5)",
            "  --requests N           throughput: measured requests to /ping per run (default 100000)",
            "  --connections C        throughput: keep-alive connections (default 16)",
            "  --warmup-seconds W     throughput: at most W s of warm-up (default 30) ...",
            "  --warmup-window-seconds S  ... in windows of S s (default 2) until two in a row are within",
            "  --warmup-tolerance F   F of each other (default 0.03)",
            "  --archive-launches N   archives: alternating launches per archive (default 10)",
            "  --java PATH            the java of the start-up, throughput and AppCDS runs (default: the driver's)",
            "  --java25 PATH          the JDK 25 java for the AOT cache, 'none' to skip",
            "                         (default /usr/lib/jvm/temurin-25-jdk-amd64/bin/java, skipped if missing)",
            "  --jvm-opts \"FLAGS\"     flags for every service JVM (default \"-Xmx256m -XX:+UseSerialGC\")",
            "  --service-cpus LIST    CPUs the service is pinned to with taskset (default 0)",
            "  --driver-cpus LIST     CPUs the driver is pinned to (default 1)",
            "  --no-pin               pin nothing",
            "  --out FILE.md          results (default target/minimal-results.md; -rounds.tsv and -logs/ next to it)",
            "  --smoke                2 launches, 1 round of 2,000 requests, 1 launch per archive: proves it all works",
            "Paths are relative to the current directory; defaults are relative to the benchmark/minimal module.");

    Path serviceJar;
    Path weftAgent;
    Path otelAgent;
    List<AgentConfig> configs = List.of(AgentConfig.NONE, AgentConfig.WEFT, AgentConfig.WEFT_TRACES, AgentConfig.OTEL_METRICS);
    List<String> phases = List.of("startup", "throughput", "archives");
    int launches = 10;
    int rounds = 5;
    long requests = 100_000;
    int connections = 16;
    double warmupSeconds = 30;
    double warmupWindowSeconds = 2;
    double warmupTolerance = 0.03;
    int archiveLaunches = 10;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String java25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    boolean java25Given;
    List<String> jvmOptions = List.of("-Xmx256m", "-XX:+UseSerialGC");
    String serviceCpus = "0";
    String driverCpus = "1";
    boolean pin = true;
    boolean smoke;
    Path out;
    final Path moduleDir;

    Options(Path moduleDir) {
        this.moduleDir = moduleDir;
        serviceJar = moduleDir.resolve("../minimal-service/target/minimal-service.jar").normalize();
        weftAgent = moduleDir.resolve("../../agent/target/weft-agent.jar").normalize();
        otelAgent = moduleDir.resolve("../micro/target/agents/opentelemetry-javaagent.jar").normalize();
    }

    boolean phase(String name) {
        return phases.contains(name);
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
        LinkedHashSet<String> set = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String a = list.get(i);
            if (a.equals("--smoke")) {
                o.smoke = true;
                continue;
            }
            if (a.equals("--no-pin")) {
                o.pin = false;
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                throw new UsageException(null);
            }
            if (i + 1 >= list.size()) {
                throw new UsageException("missing value after " + a);
            }
            String v = list.get(++i);
            set.add(a);
            switch (a) {
                case "--service-jar" -> o.serviceJar = Path.of(v);
                case "--weft-agent" -> o.weftAgent = Path.of(v);
                case "--otel-agent" -> o.otelAgent = Path.of(v);
                case "--configs" -> o.configs = configs(v);
                case "--phases" -> o.phases = phases(v);
                case "--launches" -> o.launches = positive(a, v);
                case "--rounds" -> o.rounds = positive(a, v);
                case "--requests" -> o.requests = positive(a, v);
                case "--connections" -> o.connections = positive(a, v);
                case "--warmup-seconds" -> o.warmupSeconds = number(a, v, 0, 3600);
                case "--warmup-window-seconds" -> o.warmupWindowSeconds = number(a, v, 0.1, 600);
                case "--warmup-tolerance" -> o.warmupTolerance = number(a, v, 0.0001, 0.9999);
                case "--archive-launches" -> o.archiveLaunches = positive(a, v);
                case "--java" -> o.java = v;
                case "--java25" -> {
                    o.java25 = v;
                    o.java25Given = true;
                }
                case "--jvm-opts" -> o.jvmOptions = v.isBlank() ? List.of() : Arrays.asList(v.trim().split("\\s+"));
                case "--service-cpus" -> o.serviceCpus = v;
                case "--driver-cpus" -> o.driverCpus = v;
                case "--out" -> o.out = Path.of(v);
                default -> throw new UsageException("unknown option " + a);
            }
        }
        if (o.smoke) {
            o.launches = set.contains("--launches") ? o.launches : 2;
            o.rounds = set.contains("--rounds") ? o.rounds : 1;
            o.requests = set.contains("--requests") ? o.requests : 2_000;
            o.warmupSeconds = set.contains("--warmup-seconds") ? o.warmupSeconds : 1;
            o.warmupWindowSeconds = set.contains("--warmup-window-seconds") ? o.warmupWindowSeconds : 0.5;
            o.archiveLaunches = set.contains("--archive-launches") ? o.archiveLaunches : 1;
            if (!set.contains("--configs")) {
                o.configs = List.of(AgentConfig.NONE, AgentConfig.WEFT);
            }
        }
        if (o.out == null) {
            o.out = o.moduleDir.resolve(o.smoke ? "target/minimal-smoke.md" : "target/minimal-results.md");
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
        if (!set.contains(AgentConfig.NONE)) {
            throw new UsageException("--configs must include none: every figure is relative to it");
        }
        return List.copyOf(set);
    }

    private static List<String> phases(String v) {
        List<String> phases = new ArrayList<>();
        for (String p : v.split(",")) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (!List.of("startup", "throughput", "archives").contains(name)) {
                throw new UsageException("unknown phase '" + p + "' (expected startup, throughput, archives)");
            }
            phases.add(name);
        }
        return phases;
    }

    private static int positive(String option, String v) {
        try {
            int n = Integer.parseInt(v.replace("_", "").replace(",", ""));
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(option + " needs a positive integer, not '" + v + "'");
    }

    private static double number(String option, String v, double min, double max) {
        try {
            double d = Double.parseDouble(v);
            if (d >= min && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(option + " needs a number from " + min + " to " + max + ", not '" + v + "'");
    }

    static Path moduleDir() {
        try {
            Path code = Path.of(Options.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
