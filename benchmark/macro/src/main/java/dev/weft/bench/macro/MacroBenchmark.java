package dev.weft.bench.macro;

import dev.weft.bench.common.AgentConfig;
import dev.weft.bench.common.CpuPinning;
import dev.weft.bench.common.OtlpSink;
import dev.weft.bench.common.RoundsFile;
import dev.weft.bench.common.ServiceProcess;
import dev.weft.bench.common.WarmUp;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The macro overhead benchmark: starts the macro service (a Spring Boot REST service on real
 * PostgreSQL, Redis and Kafka) with no agent, with Weft and with the OpenTelemetry agent, in
 * alternating order round after round (the order rotated every round), the service pinned to one
 * CPU and the driver to another, and measures per run the time to the first successful request,
 * then, after a warm-up that lasts until throughput is stable, a fixed closed-loop load
 * (throughput, p50, p99, errors, service CPU and heap allocation per request), heap after GC,
 * classes loaded and RSS. Every number reported is the median over rounds with its min–max, the
 * ratio of medians to no agent, and the ratio to no agent per round pair. Results go to
 * {@code --out} as JSON, next to it as Markdown and as per-round values ({@code -rounds.tsv}, for
 * the goals table), and to standard output as Markdown.
 *
 * <p>Exit status: 0 when every run started and served requests (and, with {@code --smoke}, had no
 * error and produced every metric); 1 otherwise; 2 for a bad command line or a missing prerequisite.
 */
public final class MacroBenchmark {

    static final String PROBE_PATH = "/owners/1";
    static final Duration PROBE_INTERVAL = Duration.ofMillis(20);
    static final Duration STARTUP_DEADLINE = Duration.ofSeconds(120);

    private final Options options;
    private final PrintStream progress;
    private CpuPinning pinning = CpuPinning.off("not started");

    MacroBenchmark(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.println(Options.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        try {
            Outcome outcome = new MacroBenchmark(options, System.err).run();
            // The table has non-ASCII characters (–, ×, µ): UTF-8 whatever the locale.
            PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            stdout.print(outcome.markdown());
            stdout.flush();
            for (String problem : outcome.problems()) {
                System.err.println("problem: " + problem);
            }
            System.exit(outcome.problems().isEmpty() ? 0 : 1);
        } catch (PrerequisiteException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** What a whole benchmark produced. */
    record Outcome(Report report, Map<String, Object> json, String markdown, Path jsonFile, List<String> problems) {
    }

    /** A missing jar, database, cache or broker: nothing was measured. */
    static final class PrerequisiteException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PrerequisiteException(String message) {
            super(message);
        }
    }

    Outcome run() throws IOException, InterruptedException {
        preflight();
        Instant startedAt = Instant.now();
        Path out = options.out.toAbsolutePath().normalize();
        String outName = out.getFileName().toString().replaceFirst("\\.json$", "");
        Path logsDir = out.resolveSibling(outName + "-logs");
        Files.createDirectories(logsDir);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "weft-macro");
        json.put("startedAt", startedAt.toString());
        json.put("machine", MachineFacts.machine(options.java));
        // Pinned after the machine facts: pinned, this JVM sees only the driver's CPUs.
        CpuPinning pinning = options.pin ? CpuPinning.detect(options.serviceCpus, options.driverCpus)
                : CpuPinning.off("--no-pin");
        pinning.pinDriver(progress);
        this.pinning = pinning;
        Map<String, Object> agents = new LinkedHashMap<>();
        if (options.configs.stream().anyMatch(AgentConfig::usesWeft)) {
            agents.put("weft", MachineFacts.agent(options.weftAgent));
        }
        if (options.configs.stream().anyMatch(AgentConfig::usesOtel)) {
            agents.put("otel", MachineFacts.agent(options.otelAgent));
        }
        json.put("agents", agents);

        List<RunResult> runs = new ArrayList<>();
        progress.printf(Locale.ROOT, "macro benchmark: %d round(s) of %s, warm-up until stable (%.0f s windows within %.0f%%,"
                        + " at most %.0f s) + %.0f s load, %d connections%n",
                options.rounds, options.configs, options.warmupWindowSeconds, options.warmupTolerance * 100,
                options.warmupSeconds, options.loadSeconds, options.connections);
        try (KafkaSupport kafka = openKafka(out.resolveSibling(outName + "-kafka"));
                OtlpSink sink = options.configs.stream().anyMatch(AgentConfig::exportsTraces) ? OtlpSink.start() : null) {
            kafka.createTopic();
            json.put("parameters", parameters(kafka));
            for (int round = 1; round <= options.rounds; round++) {
                // Rotate the order every round, so that no configuration always runs first or last.
                List<AgentConfig> order = new ArrayList<>(options.configs);
                Collections.rotate(order, -((round - 1) % order.size()));
                for (int position = 0; position < order.size(); position++) {
                    RunResult r = runOnce(round, position + 1, order.get(position), kafka, sink, logsDir);
                    runs.add(r);
                    progress.println(describe(r));
                }
            }
        }

        Report report = new Report(options.configs, runs);
        json.put("finishedAt", Instant.now().toString());
        json.put("metrics", metricLabels());
        json.put("runs", runs.stream().map(RunResult::toJson).toList());
        json.put("summary", report.summaryJson());
        json.put("ratiosVsNone", report.headlineRatiosJson());
        json.put("traceExportRequests", report.traceExportsJson());
        List<String> problems = problems(runs);
        json.put("problems", problems);

        String markdown = markdown(report, json);
        Files.createDirectories(out.getParent());
        Files.writeString(out, Json.write(json), StandardCharsets.UTF_8);
        Files.writeString(out.resolveSibling(outName + ".md"), markdown, StandardCharsets.UTF_8);
        RoundsFile rounds = new RoundsFile();
        report.addTo(rounds);
        rounds.write(out.resolveSibling(outName + "-rounds.tsv"));
        progress.println("results: " + out);
        return new Outcome(report, json, markdown, out, problems);
    }

    private KafkaSupport openKafka(Path brokerDir) {
        if (options.kafka == null) {
            progress.println("starting a Kafka broker (weft-kafka-broker) in " + brokerDir);
        }
        return KafkaSupport.open(options.kafka, brokerDir);
    }

    private RunResult runOnce(int round, int position, AgentConfig config, KafkaSupport kafka, OtlpSink sink, Path logsDir)
            throws InterruptedException {
        RunResult r = new RunResult(round, position, config);
        progress.printf(Locale.ROOT, "[round %d/%d] %s: starting%n", round, options.rounds, config);
        int[] ports = freePorts(2);
        int servicePort = ports[0];
        int metricsPort = ports[1];
        List<String> flags = new ArrayList<>(options.jvmOptions);
        flags.addAll(config.jvmFlags(options.weftAgent.toAbsolutePath(), options.otelAgent.toAbsolutePath(),
                metricsPort, sink == null ? null : sink.endpoint(), "macro"));
        r.details.put("loadAverageBefore", MachineFacts.loadAverage());
        r.details.put("jvmFlags", flags);
        r.details.put("servicePort", servicePort);
        long sinkBefore = sink == null ? 0 : sink.traceRequests();
        long sinkBytesBefore = sink == null ? 0 : sink.traceBytes();
        Path log = logsDir.resolve(String.format(Locale.ROOT, "round%d-%s.log", round, config.id));
        r.details.put("log", log.toString());
        ServiceProcess service = null;
        try {
            List<String> command = new ArrayList<>();
            command.add(options.java);
            command.addAll(flags);
            command.add("-Dserver.port=" + servicePort);
            command.add("-jar");
            command.add(options.serviceJar.toAbsolutePath().toString());
            service = ServiceProcess.start(pinning.serviceCommand(command), servicePort,
                    Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()), log);
            r.details.put("pid", service.pid());
            double startupMs = service.awaitFirstOk(PROBE_PATH, PROBE_INTERVAL, STARTUP_DEADLINE);
            r.started = true;
            r.put(Metric.STARTUP_MS, startupMs);

            LoadGenerator load = new LoadGenerator(ServiceProcess.HOST, servicePort, options.connections);
            if (options.warmupSeconds > 0) {
                long[] warmOk = new long[1];
                long[] warmErrors = new long[1];
                Map<String, Long> warmKinds = new java.util.TreeMap<>();
                WarmUp.Result warm = WarmUp.untilStable(seconds -> {
                    LoadGenerator.Result w = load.run(seconds);
                    warmOk[0] += w.ok();
                    warmErrors[0] += w.errors();
                    w.errorKinds().forEach((k, v) -> warmKinds.merge(k, v, Long::sum));
                    return new double[] {w.throughput(), w.elapsedSeconds()};
                }, options.warmupWindowSeconds, options.warmupTolerance, options.warmupSeconds);
                Map<String, Object> w = new LinkedHashMap<>(warm.toJson());
                w.put("okRequests", warmOk[0]);
                w.put("errors", warmErrors[0]);
                w.put("errorKinds", warmKinds);
                r.details.put("warmup", w);
                progress.printf(Locale.ROOT, "[round %d/%d] %s: %s%n", round, options.rounds, config, warm.describe());
            }
            OptionalLong allocatedBefore = allocatedBytes(servicePort);
            OptionalLong cpuBefore = service.cpuNanos();
            LoadGenerator.Result res = load.run(options.loadSeconds);
            OptionalLong cpuAfter = service.cpuNanos();
            OptionalLong allocatedAfter = allocatedBytes(servicePort);
            if (allocatedBefore.isPresent() && allocatedAfter.isPresent() && res.ok() > 0) {
                long bytes = allocatedAfter.getAsLong() - allocatedBefore.getAsLong();
                r.details.put("serviceAllocatedBytesDuringLoad", bytes);
                r.put(Metric.ALLOC_PER_REQUEST, bytes / (double) res.ok());
            }
            if (cpuBefore.isPresent() && cpuAfter.isPresent() && res.ok() > 0) {
                double cpuMs = (cpuAfter.getAsLong() - cpuBefore.getAsLong()) / 1e6;
                r.details.put("serviceCpuMsDuringLoad", cpuMs);
                r.put(Metric.CPU_PER_REQUEST, cpuMs * 1000 / res.ok());
            }
            r.put(Metric.THROUGHPUT_RPS, res.throughput());
            r.put(Metric.P50_MS, res.percentileMillis(50));
            r.put(Metric.P99_MS, res.percentileMillis(99));
            r.put(Metric.ERRORS, res.errors());
            r.details.put("loadSeconds", res.elapsedSeconds());
            r.details.put("okRequests", res.ok());
            r.details.put("errorKinds", res.errorKinds());
            r.details.put("meanMs", res.meanMillis());
            r.details.put("p90Ms", res.percentileMillis(90));
            r.details.put("p999Ms", res.percentileMillis(99.9));
            r.details.put("maxMs", res.maxMillis());

            // RSS under load, before /bench/jvm's System.gc() can shrink the heap.
            OptionalLong rss = service.procStatusBytes("VmRSS");
            OptionalLong hwm = service.procStatusBytes("VmHWM");
            rss.ifPresent(v -> r.put(Metric.RSS, v));
            hwm.ifPresent(v -> r.put(Metric.PEAK_RSS, v));

            if (config.hasMetricsEndpoint()) {
                r.details.put("agentMetrics", scrape(metricsPort));
            }

            ServiceProcess.HttpAnswer jvm = ServiceProcess.get(servicePort, "/bench/jvm");
            if (jvm.status() != 200) {
                throw new IllegalStateException("GET /bench/jvm answered " + jvm.status());
            }
            Json.longField(jvm.body(), "heapUsedBytes").ifPresent(v -> r.put(Metric.HEAP_AFTER_GC, v));
            Json.longField(jvm.body(), "loadedClassCount").ifPresent(v -> r.put(Metric.LOADED_CLASSES, v));
            Json.longField(jvm.body(), "uptimeMs").ifPresent(v -> r.details.put("jvmUptimeMs", v));
        } catch (IOException | RuntimeException e) {
            r.failure = e.getMessage() == null ? e.toString() : e.getMessage();
        } finally {
            if (service != null) {
                long t0 = System.nanoTime();
                int exit = service.stop();
                r.details.put("stopMs", (System.nanoTime() - t0) / 1e6);
                r.details.put("exitCode", exit);
            }
            if (sink != null && config.exportsTraces()) {
                // Counted after the service exited: services run one at a time, and an agent
                // flushes its queued spans on shutdown, so this is everything this run exported.
                Map<String, Object> otlp = new LinkedHashMap<>();
                otlp.put("traceExportRequests", sink.traceRequests() - sinkBefore);
                otlp.put("traceExportBytes", sink.traceBytes() - sinkBytesBefore);
                r.details.put("otlpSink", otlp);
            }
        }
        return r;
    }

    /**
     * The bytes the service's threads have allocated so far ({@code GET /bench/allocated}), if it
     * answers.
     */
    private static OptionalLong allocatedBytes(int port) {
        try {
            ServiceProcess.HttpAnswer answer = ServiceProcess.get(port, "/bench/allocated");
            return answer.status() == 200 ? Json.longField(answer.body(), "allocatedBytes") : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** Status and number of samples of the agent's Prometheus endpoint. */
    private static Map<String, Object> scrape(int port) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", port);
        try {
            ServiceProcess.HttpAnswer answer = ServiceProcess.get(port, "/metrics");
            m.put("status", answer.status());
            m.put("samples", answer.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count());
        } catch (IOException e) {
            m.put("status", null);
            m.put("error", e.toString());
        }
        return m;
    }

    private static String describe(RunResult r) {
        if (!r.started || r.failure != null) {
            return String.format(Locale.ROOT, "[round %d] %s: FAILED: %s", r.round, r.config,
                    r.failure == null ? "did not start" : r.failure.lines().findFirst().orElse(""));
        }
        return String.format(Locale.ROOT, "[round %d] %s: start-up %.0f ms, %.0f req/s, p50 %.2f ms, p99 %.2f ms, %.0f errors,"
                        + " CPU %.0f us/req, %.0f B/req allocated, heap %.1f MiB, %.0f classes, RSS %.0f MiB",
                r.round, r.config, r.get(Metric.STARTUP_MS), r.get(Metric.THROUGHPUT_RPS), r.get(Metric.P50_MS),
                r.get(Metric.P99_MS), r.get(Metric.ERRORS), r.get(Metric.CPU_PER_REQUEST), r.get(Metric.ALLOC_PER_REQUEST), r.get(Metric.HEAP_AFTER_GC) / (1 << 20),
                r.get(Metric.LOADED_CLASSES), r.get(Metric.RSS) / (1 << 20));
    }

    /**
     * What makes the run unsuccessful: a configuration that did not start or served nothing; with
     * {@code --smoke} also any error (warm-up included) or missing metric.
     */
    private List<String> problems(List<RunResult> runs) {
        List<String> problems = new ArrayList<>();
        for (RunResult r : runs) {
            String name = "round " + r.round + " " + r.config;
            if (!r.started) {
                problems.add(name + ": did not start: " + firstLine(r.failure));
                continue;
            }
            if (r.failure != null) {
                problems.add(name + ": " + firstLine(r.failure));
            }
            Object ok = r.details.get("okRequests");
            if (!(ok instanceof Long n) || n < 1) {
                problems.add(name + ": served no request");
            }
            if (options.smoke) {
                if (r.get(Metric.ERRORS) != 0) {
                    problems.add(name + ": " + (long) r.get(Metric.ERRORS) + " errors " + r.details.get("errorKinds"));
                }
                if (r.details.get("warmup") instanceof Map<?, ?> w && !Long.valueOf(0).equals(w.get("errors"))) {
                    problems.add(name + ": " + w.get("errors") + " errors during warm-up " + w.get("errorKinds"));
                }
                for (Metric m : Metric.values()) {
                    if (Double.isNaN(r.get(m))) {
                        problems.add(name + ": no value for " + m.key);
                    }
                }
                if (r.details.get("agentMetrics") instanceof Map<?, ?> am && !Integer.valueOf(200).equals(am.get("status"))) {
                    problems.add(name + ": the agent's /metrics did not answer 200: " + am);
                }
            }
        }
        return problems;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private Map<String, Object> parameters(KafkaSupport kafka) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("smoke", options.smoke);
        p.put("rounds", options.rounds);
        p.put("warmup", String.format(Locale.ROOT, "load in %.0f s windows until two consecutive windows' throughputs are"
                + " within %.0f%%, at most %.0f s", options.warmupWindowSeconds, options.warmupTolerance * 100, options.warmupSeconds));
        p.put("pinning", pinning.note());
        p.put("loadSeconds", options.loadSeconds);
        p.put("connections", options.connections);
        p.put("configs", options.configs.stream().map(c -> c.id).toList());
        p.put("order", "configurations alternate within each round; the order rotates by one every round");
        p.put("jvmOptions", options.jvmOptions);
        p.put("serviceJar", options.serviceJar.toAbsolutePath().normalize().toString());
        Map<String, Object> mix = new LinkedHashMap<>();
        mix.put("GET /owners/{id}", LoadGenerator.PERCENT_GET_BY_ID);
        mix.put("GET /owners?city=", LoadGenerator.PERCENT_GET_BY_CITY);
        mix.put("POST /owners", LoadGenerator.PERCENT_POST);
        p.put("mixPercent", mix);
        p.put("startup", "process start to the first 200 from GET " + PROBE_PATH + ", polled every "
                + PROBE_INTERVAL.toMillis() + " ms, deadline " + STARTUP_DEADLINE.toSeconds() + " s");
        p.put("latency", "closed loop, per request, from writing the request to reading the whole response; errors excluded");
        p.put("serviceCpuPerRequestUs", "user + system CPU time of the service process during the measured load,"
                + " divided by the successful requests");
        p.put("allocatedBytesPerRequest", "heap bytes allocated by the service's threads during the measured load"
                + " (its /bench/allocated before and after: ThreadMXBean's total allocated bytes), divided by the"
                + " successful requests");
        p.put("rss", "VmRSS of /proc/<pid>/status right after the load, before /bench/jvm runs System.gc()");
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("bootstrapServers", kafka.bootstrapServers());
        k.put("source", kafka.source());
        k.put("topic", KafkaSupport.TOPIC);
        p.put("kafka", k);
        return p;
    }

    private static Map<String, Object> metricLabels() {
        Map<String, Object> labels = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            labels.put(m.key, m.label);
        }
        return labels;
    }

    private String markdown(Report report, Map<String, Object> json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> machine = (Map<String, Object>) json.get("machine");
        @SuppressWarnings("unchecked")
        Map<String, Object> agents = (Map<String, Object>) json.get("agents");
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "## Macro benchmark%s: %d round(s), warm-up until stable (at most %.0f s), %.0f s load,"
                        + " %d connections%n%n",
                options.smoke ? " (smoke)" : "", options.rounds, options.warmupSeconds, options.loadSeconds, options.connections));
        md.append("Each cell: median (min–max) over rounds, then the ratio of medians to `none`.\n\n");
        md.append(report.markdownTable()).append('\n');
        String paired = report.pairedMarkdownTable();
        if (!paired.isEmpty()) {
            md.append("Per round pair (each configuration against `none` of the same round): median (min–max) over rounds.\n\n");
            md.append(paired).append('\n');
        }
        md.append(pinning.note()).append(". ").append(warmupSummary(report)).append("\n\n");
        String exports = report.traceExportsMarkdown();
        if (!exports.isEmpty()) {
            md.append(exports).append('\n');
        }
        Object memTotal = machine.get("memTotalBytes");
        md.append(String.format(Locale.ROOT, "Machine: %s CPUs, %s, %s memory, load average at start %s.%n",
                machine.get("nproc"), machine.get("cpuModel"),
                memTotal instanceof Long m ? String.format(Locale.ROOT, "%.1f GiB", m / (double) (1L << 30)) : "unknown",
                machine.get("loadAverage")));
        md.append("Java: ").append(String.valueOf(machine.get("javaVersion")).lines().findFirst().orElse("?"))
                .append(" (").append(machine.get("java")).append(").\n");
        for (Map.Entry<String, Object> e : agents.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> a = (Map<String, Object>) e.getValue();
            md.append("Agent ").append(e.getKey()).append(": ").append(a.get("file"));
            if (a.get("implementationVersion") != null) {
                md.append(" (").append(a.get("implementationVersion")).append(')');
            }
            md.append(".\n");
        }
        return md.toString();
    }

    /** How many runs' warm-up ended stable, and the longest warm-up. */
    private static String warmupSummary(Report report) {
        int stable = 0;
        int all = 0;
        double longest = 0;
        for (RunResult r : report.runs) {
            if (r.details.get("warmup") instanceof Map<?, ?> w) {
                all++;
                if (Boolean.TRUE.equals(w.get("stable"))) {
                    stable++;
                }
                if (w.get("seconds") instanceof Double d) {
                    longest = Math.max(longest, d);
                }
            }
        }
        return all == 0 ? "No warm-up." : String.format(Locale.ROOT,
                "Warm-up reached stable throughput in %d of %d runs (the others stopped at the time limit); longest %.0f s.",
                stable, all, longest);
    }

    /** Checks the jars and the services before anything starts. */
    private void preflight() {
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(options.serviceJar)) {
            missing.add("the service jar " + options.serviceJar.toAbsolutePath().normalize()
                    + " (build it: mvn -B -f benchmark/macro-service/pom.xml package)");
        }
        if (options.configs.stream().anyMatch(AgentConfig::usesWeft) && !Files.isRegularFile(options.weftAgent)) {
            missing.add("Weft's agent " + options.weftAgent.toAbsolutePath().normalize()
                    + " (build it: mvn -B -DskipTests package at the repository root)");
        }
        if (options.configs.stream().anyMatch(AgentConfig::usesOtel) && !Files.isRegularFile(options.otelAgent)) {
            missing.add("the OpenTelemetry agent " + options.otelAgent.toAbsolutePath().normalize()
                    + " (copied there by: mvn -B -f benchmark/macro/pom.xml package)");
        }
        String pg = unreachable("127.0.0.1", 5432);
        if (pg != null) {
            missing.add("PostgreSQL on 127.0.0.1:5432 (" + pg + "), with trust auth for user postgres and a database"
                    + " 'test': start it, e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start");
        }
        String redis = unreachable("127.0.0.1", 6379);
        if (redis != null) {
            missing.add("Redis on 127.0.0.1:6379 (" + redis + "): start it, e.g. redis-server --daemonize yes"
                    + " --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no");
        }
        if (!missing.isEmpty()) {
            throw new PrerequisiteException("the macro benchmark needs:\n  - " + String.join("\n  - ", missing));
        }
    }

    /** Null if a TCP connection to host:port succeeds within 2 s, else why not. */
    static String unreachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2_000);
            return null;
        } catch (IOException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    /** {@code n} distinct free loopback ports. */
    static int[] freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closed anyway
                }
            }
        }
    }
}
