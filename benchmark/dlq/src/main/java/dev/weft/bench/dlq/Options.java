package dev.weft.bench.dlq;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** The harness's command line, with defaults relative to the {@code benchmark/dlq} module. */
final class Options {

    static final String USAGE = String.join("\n",
            "Usage: java -jar benchmark/dlq/target/dlq-bench.jar [options]",
            "  --weft-agent PATH      Weft's agent jar (default ../../agent/target/weft-agent.jar)",
            "  --otel-agent PATH      the OpenTelemetry agent (default target/agents/opentelemetry-javaagent.jar)",
            "  --configs LIST         of none, weft, weft-dlq-off, otel-metrics (default all four)",
            "  --rounds N             rounds; each runs every configuration once, alternating (default 3)",
            "  --records N            records per run (default 20000)",
            "  --failing K            of which the consumer's processing throws for K (default 5000)",
            "  --partitions P         partitions of the consumed topic (default 4)",
            "  --value-bytes B        size of each record's value (default 200)",
            "  --outage-records M     dead letters spooled while the broker is down, then drained once it is",
            "                         back; 0 skips the variant (default 10000; needs weft in --configs)",
            "  --deadline-seconds S   longest wait, once the consumer is done, for the last acknowledgement",
            "                         (or for the outage's spool to fill); a run that hits it reports the",
            "                         rate of what was acknowledged by then (default 120)",
            "  --consumer-deadline-seconds S  longest wait for the consumer to get through its records (default 600)",
            "  --sample-ms MS         interval of the /metrics polling (default 20)",
            "  --out FILE.md          the Markdown section (default target/dlq-results.md)",
            "  --java PATH            the java that runs the consumer (default: the one running the harness)",
            "  --smoke                1 round of none, weft and weft-dlq-off, 400 records of which 10 fail, an",
            "                         outage of 10, 60 s deadlines;",
            "                         exits 1 if any dead letter is missing or duplicated",
            "Paths are relative to the current directory; defaults are relative to the benchmark/dlq module.");

    Path weftAgent;
    Path otelAgent;
    List<Config> configs = List.of(Config.values());
    int rounds = 3;
    int records = 20_000;
    int failing = 5_000;
    int partitions = 4;
    int valueBytes = 200;
    int outageRecords = 10_000;
    Duration deadline = Duration.ofSeconds(120);
    Duration consumerDeadline = Duration.ofSeconds(600);
    Duration sampleInterval = Duration.ofMillis(20);
    Path out;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    boolean smoke;
    final Path moduleDir;

    private Options(Path moduleDir) {
        this.moduleDir = moduleDir;
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
        List<String> given = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String a = list.get(i);
            if (a.equals("--smoke")) {
                o.smoke = true;
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                throw new UsageException(null);
            }
            if (i + 1 >= list.size()) {
                throw new UsageException("missing value after " + a);
            }
            String v = list.get(++i);
            given.add(a);
            switch (a) {
                case "--weft-agent" -> o.weftAgent = Path.of(v);
                case "--otel-agent" -> o.otelAgent = Path.of(v);
                case "--configs" -> o.configs = configs(v);
                case "--rounds" -> o.rounds = integer(a, v, 1);
                case "--records" -> o.records = integer(a, v, 1);
                case "--failing" -> o.failing = integer(a, v, 0);
                case "--partitions" -> o.partitions = integer(a, v, 1);
                case "--value-bytes" -> o.valueBytes = integer(a, v, 1);
                case "--outage-records" -> o.outageRecords = integer(a, v, 0);
                case "--deadline-seconds" -> o.deadline = Duration.ofSeconds(integer(a, v, 1));
                case "--consumer-deadline-seconds" -> o.consumerDeadline = Duration.ofSeconds(integer(a, v, 1));
                case "--sample-ms" -> o.sampleInterval = Duration.ofMillis(integer(a, v, 1));
                case "--out" -> o.out = Path.of(v);
                case "--java" -> o.java = v;
                default -> throw new UsageException("unknown option " + a);
            }
        }
        if (o.smoke) {
            // Small enough for a sender that does a few dead letters per second to finish in CI.
            if (!given.contains("--rounds")) {
                o.rounds = 1;
            }
            if (!given.contains("--configs")) {
                // The upstream agent has no dead letters, and micro and macro prove it starts.
                o.configs = List.of(Config.NONE, Config.WEFT, Config.WEFT_DLQ_OFF);
            }
            if (!given.contains("--records")) {
                o.records = 400;
            }
            if (!given.contains("--failing")) {
                o.failing = 10;
            }
            if (!given.contains("--outage-records")) {
                o.outageRecords = 10;
            }
            if (!given.contains("--deadline-seconds")) {
                o.deadline = Duration.ofSeconds(60);
            }
            if (!given.contains("--consumer-deadline-seconds")) {
                o.consumerDeadline = Duration.ofSeconds(60);
            }
        }
        if (o.failing > o.records) {
            throw new UsageException("--failing " + o.failing + " is more than --records " + o.records);
        }
        if (o.out == null) {
            o.out = o.moduleDir.resolve(o.smoke ? "target/dlq-smoke.md" : "target/dlq-results.md");
        }
        return o;
    }

    Storm storm() {
        return new Storm(records, failing, partitions, valueBytes);
    }

    /** Every record fails: the dead letters the outage leaves in the spool. */
    Storm outage() {
        return new Storm(outageRecords, outageRecords, partitions, valueBytes);
    }

    boolean runsOutage() {
        return outageRecords > 0 && configs.contains(Config.WEFT);
    }

    private static List<Config> configs(String v) {
        LinkedHashSet<Config> set = new LinkedHashSet<>();
        for (String id : v.split(",")) {
            if (!id.isBlank()) {
                try {
                    set.add(Config.parse(id));
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

    private static int integer(String option, String v, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(option + " needs an integer of at least " + min + ", not '" + v + "'");
    }

    /** The {@code benchmark/dlq} directory: the parent of the {@code target} folder holding this code. */
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

    /** A bad command line: the message, then the usage text. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
