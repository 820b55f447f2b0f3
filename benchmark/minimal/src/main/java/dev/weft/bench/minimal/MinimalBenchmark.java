package dev.weft.bench.minimal;

import dev.weft.bench.common.AgentConfig;
import dev.weft.bench.common.CpuPinning;
import dev.weft.bench.common.HttpConnection;
import dev.weft.bench.common.OtlpSink;
import dev.weft.bench.common.RoundsFile;
import dev.weft.bench.common.ServiceProcess;
import dev.weft.bench.common.Spread;
import dev.weft.bench.common.WarmUp;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The minimal case: a plain JDK HTTP service (HttpServer, H2 in memory) started with no agent,
 * Weft and the upstream agent, alternating, the service pinned to one CPU and the driver to
 * another. Three phases: start-up (launch to the first 200 on {@code /ping}, N launches per
 * configuration); the cheapest route ({@code /ping}, a fixed number of keep-alive requests after a
 * warm-up that lasts until throughput is stable, N rounds); class-data sharing (an AppCDS archive
 * on the driver's JDK and an AOT cache on JDK 25, each made once without and once with Weft, each
 * used by the configuration that made it, with every CDS/AOT warning the JVM prints reported).
 * Writes Markdown ({@code --out}, and standard output) and the per-round values next to it.
 *
 * <p>Exit status: 0 when every run started and answered; 1 otherwise; 2 for a bad command line.
 */
public final class MinimalBenchmark {

    static final Duration PROBE_INTERVAL = Duration.ofMillis(10);
    static final Duration STARTUP_DEADLINE = Duration.ofSeconds(120);
    /** Writing an AOT cache at exit starts a second JVM to assemble it: give it time. */
    static final Duration ARCHIVE_EXIT_GRACE = Duration.ofSeconds(180);
    static final String CASE = "minimal";
    /**
     * A JVM line about CDS or an AOT cache that is a warning or an error, a VM warning, a CDS
     * dumping error, or the head of a fatal error report.
     */
    static final Pattern ARCHIVE_WARNING = Pattern.compile(
            "\\[(warning|error)\\]\\[(cds|aot)[^\\]]*\\]|VM warning:|(?i)sharing is only supported"
                    + "|(?i)(unable to use|error.*(opening|validating|mapping)).*(shared archive|aot cache)"
                    + "|(?i)error occurred during (cds|aot)|(?i)must enable .*archiving|# A fatal error|# Problematic frame|# +SIGSEGV"
                    + "|(?i)AOT cache .*(disabled|not used)|(?i)(CDS|AOT) .*is disabled");
    /** The time stamps of a unified-logging line: {@code [1.234s][warning][aot]}. */
    private static final Pattern LOG_PREFIX = Pattern.compile("^(\\[[0-9.]+s\\])?\\[(warning|error)\\]");
    /** "Skipping some/Class: reason": the same reason for many classes is one line with a count. */
    private static final Pattern SKIPPING = Pattern.compile("^(\\[[a-z]+\\]\\[[a-z,]+\\] *)Skipping (\\S+): (.*)$");
    /** "Pre JDK 6 class not supported by CDS: 49.0 some/Class": counted like the skipped classes. */
    private static final Pattern PRE_JDK6 = Pattern.compile("^(.*Pre JDK 6 class not supported by CDS: \\S+) (\\S+)$");
    /** What matters most comes first: a crash, a failed dump, a VM warning. */
    private static final Pattern SEVERE = Pattern.compile("(?i)fatal|SIGSEGV|problematic frame|error occurred|must enable|VM warning");
    static final int MAX_WARNINGS = 12;

    private final Options options;
    private final PrintStream progress;
    private final RoundsFile rounds = new RoundsFile();
    private final List<String> problems = new ArrayList<>();
    private final StringBuilder md = new StringBuilder();
    private CpuPinning pinning;
    private OtlpSink sink;
    private Path logsDir;

    MinimalBenchmark(Options options, PrintStream progress) {
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
            Outcome outcome = new MinimalBenchmark(options, System.err).run();
            PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            stdout.print(outcome.markdown());
            stdout.flush();
            for (String p : outcome.problems()) {
                System.err.println("problem: " + p);
            }
            System.exit(outcome.problems().isEmpty() ? 0 : 1);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    record Outcome(String markdown, RoundsFile rounds, List<String> problems) {
    }

    Outcome run() throws IOException, InterruptedException {
        preflight();
        Path out = options.out.toAbsolutePath().normalize();
        String name = out.getFileName().toString().replaceFirst("\\.md$", "");
        logsDir = out.resolveSibling(name + "-logs");
        Files.createDirectories(logsDir);
        pinning = options.pin ? CpuPinning.detect(options.serviceCpus, options.driverCpus) : CpuPinning.off("--no-pin");
        pinning.pinDriver(progress);
        md.append("## Minimal JDK HTTP service").append(options.smoke ? " (smoke)" : "")
                .append(": `HttpServer`, H2 in memory, `/ping`, `/users/{id}`, `/fail`\n\n");
        try (OtlpSink s = options.configs.stream().anyMatch(AgentConfig::exportsTraces) ? OtlpSink.start() : null) {
            sink = s;
            if (options.phase("startup")) {
                startup();
            }
            if (options.phase("throughput")) {
                throughput();
            }
            if (options.phase("archives")) {
                archives();
            }
        }
        md.append(pinning.note()).append(". Service JVM flags: `").append(String.join(" ", options.jvmOptions))
                .append(" -Dsun.net.httpserver.nodelay=true`. Java: ").append(options.java).append(".\n");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md, StandardCharsets.UTF_8);
        rounds.write(out.resolveSibling(name + "-rounds.tsv"));
        progress.println("results: " + out);
        return new Outcome(md.toString(), rounds, problems);
    }

    // ---- phase 1: start-up ------------------------------------------------------------------

    private void startup() throws IOException, InterruptedException {
        Map<AgentConfig, List<Double>> byConfig = new LinkedHashMap<>();
        for (int launch = 1; launch <= options.launches; launch++) {
            for (AgentConfig config : rotated(options.configs, launch)) {
                String what = String.format(Locale.ROOT, "startup%02d-%s", launch, config.id);
                Run run = start(options.java, config, List.of(), what);
                try {
                    double ms = run.service.awaitFirstOk("/ping", PROBE_INTERVAL, STARTUP_DEADLINE);
                    rounds.value(CASE, "startupMs", config.id, launch, ms);
                    byConfig.computeIfAbsent(config, k -> new ArrayList<>()).add(ms);
                    progress.printf(Locale.ROOT, "[start-up %d/%d] %s: %.0f ms%n", launch, options.launches, config, ms);
                } catch (IllegalStateException e) {
                    problem("start-up launch " + launch + " " + config + ": " + e.getMessage());
                } finally {
                    run.stop();
                }
            }
        }
        md.append(String.format(Locale.ROOT, "### Start-up: process launch to the first 200 on `/ping` (%d alternating launches)%n%n",
                options.launches));
        md.append("| configuration | start-up (ms) | added vs none, per launch pair (ms) |\n|---|---:|---:|\n");
        for (AgentConfig c : options.configs) {
            Spread s = Spread.of(byConfig.getOrDefault(c, List.of()));
            Spread added = c == AgentConfig.NONE ? null : Spread.of(rounds.paired(CASE, "startupMs", c.id, "none", false));
            md.append("| ").append(c.id).append(" | ").append(s == null ? "n/a" : s.format(0)).append(" | ")
                    .append(added == null ? "–" : added.formatSigned(0)).append(" |\n");
        }
        md.append("\nMedian (min–max). The added time is taken per launch round (each configuration once, order rotated).\n\n");
    }

    // ---- phase 2: the cheapest route --------------------------------------------------------

    private void throughput() throws IOException, InterruptedException {
        List<String> warmups = new ArrayList<>();
        for (int round = 1; round <= options.rounds; round++) {
            for (AgentConfig config : rotated(options.configs, round)) {
                String what = String.format(Locale.ROOT, "ping%02d-%s", round, config.id);
                long sinkBefore = sink == null ? 0 : sink.traceRequests();
                Run run = start(options.java, config, List.of(), what);
                try {
                    run.service.awaitFirstOk("/ping", PROBE_INTERVAL, STARTUP_DEADLINE);
                    PingLoad load = new PingLoad(ServiceProcess.HOST, run.service.port(), options.connections, "/ping");
                    long[] warmErrors = new long[1];
                    WarmUp.Result warm = WarmUp.untilStable(seconds -> {
                        PingLoad.Result w = load.time(seconds);
                        warmErrors[0] += w.errors();
                        return new double[] {w.throughput(), w.seconds()};
                    }, options.warmupWindowSeconds, options.warmupTolerance, options.warmupSeconds);
                    warmups.add(warm.stable() ? "stable" : "limit");
                    OptionalLong allocBefore = allocated(run.service.port());
                    OptionalLong cpuBefore = run.service.cpuNanos();
                    PingLoad.Result res = load.count(options.requests);
                    OptionalLong cpuAfter = run.service.cpuNanos();
                    OptionalLong allocAfter = allocated(run.service.port());
                    rounds.value(CASE, "pingThroughputRps", config.id, round, res.throughput());
                    rounds.value(CASE, "pingErrors", config.id, round, res.errors() + warmErrors[0]);
                    double cpu = Double.NaN;
                    double alloc = Double.NaN;
                    if (cpuBefore.isPresent() && cpuAfter.isPresent() && res.ok() > 0) {
                        cpu = (cpuAfter.getAsLong() - cpuBefore.getAsLong()) / 1e3 / res.ok();
                        rounds.value(CASE, "pingCpuPerRequestUs", config.id, round, cpu);
                    }
                    if (allocBefore.isPresent() && allocAfter.isPresent() && res.ok() > 0) {
                        alloc = (allocAfter.getAsLong() - allocBefore.getAsLong()) / (double) res.ok();
                        rounds.value(CASE, "pingAllocatedBytesPerRequest", config.id, round, alloc);
                    }
                    if (res.errors() + warmErrors[0] > 0) {
                        problem("ping round " + round + " " + config + ": " + (res.errors() + warmErrors[0]) + " errors");
                    }
                    progress.printf(Locale.ROOT, "[ping %d/%d] %s: %s; %.0f req/s, %.1f µs CPU/req, %.0f B/req, %d errors%n",
                            round, options.rounds, config, warm.describe(), res.throughput(), cpu, alloc, res.errors());
                } catch (IllegalStateException e) {
                    problem("ping round " + round + " " + config + ": " + e.getMessage());
                } finally {
                    run.stop();
                    if (sink != null && config.exportsTraces()) {
                        rounds.value(CASE, "traceExportRequests", config.id, round, sink.traceRequests() - sinkBefore);
                    }
                }
            }
        }
        md.append(String.format(Locale.ROOT, "### Cheapest route: %,d keep-alive requests to `/ping` from %d connections"
                + " (%d alternating rounds)%n%n", options.requests, options.connections, options.rounds));
        md.append("| configuration | req/s | ratio to none, per round pair | service CPU per request (µs) |"
                + " allocation per request (bytes) | allocation added, per round pair (bytes) |\n|---|---:|---:|---:|---:|---:|\n");
        for (AgentConfig c : options.configs) {
            boolean none = c == AgentConfig.NONE;
            md.append("| ").append(c.id)
                    .append(" | ").append(fmt(Spread.of(rounds.byRound(CASE, "pingThroughputRps", c.id).values()), 0))
                    .append(" | ").append(none ? "–" : fmt(Spread.of(rounds.paired(CASE, "pingThroughputRps", c.id, "none", true)), 3))
                    .append(" | ").append(fmt(Spread.of(rounds.byRound(CASE, "pingCpuPerRequestUs", c.id).values()), 1))
                    .append(" | ").append(fmt(Spread.of(rounds.byRound(CASE, "pingAllocatedBytesPerRequest", c.id).values()), 0))
                    .append(" | ").append(none ? "–" : signed(Spread.of(rounds.paired(CASE, "pingAllocatedBytesPerRequest", c.id,
                            "none", false)), 0))
                    .append(" |\n");
        }
        long stable = warmups.stream().filter("stable"::equals).count();
        md.append(String.format(Locale.ROOT, "%nMedian (min–max). Warm-up: %.0f s windows until two in a row are within %.0f%%,"
                        + " at most %.0f s; stable in %d of %d runs.",
                options.warmupWindowSeconds, options.warmupTolerance * 100, options.warmupSeconds, stable, warmups.size()));
        for (AgentConfig c : options.configs) {
            if (c.exportsTraces()) {
                md.append(" OTLP trace export requests received per run by ").append(c.id).append(": ")
                        .append(rounds.byRound(CASE, "traceExportRequests", c.id).values().stream()
                                .map(v -> String.format(Locale.ROOT, "%.0f", v)).toList())
                        .append('.');
            }
        }
        md.append("\n\n");
    }

    // ---- phase 3: class-data sharing --------------------------------------------------------

    /** One way of sharing classes: its flags for the training run and for the runs that use it. */
    private record Sharing(String key, String title, String java, String suffix, String dumpFlag, String useFlag,
            List<String> agentDumpFlags) {
    }

    private void archives() throws IOException, InterruptedException {
        List<Sharing> kinds = new ArrayList<>();
        kinds.add(new Sharing("appcds", "AppCDS archive (" + javaVersion(options.java) + ")", options.java, ".jsa",
                "-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=",
                // JDK 17 refuses to dump with an agent attached unless told ("Must enable
                // AllowArchivingWithJavaAgent in order to run Java agent during CDS dumping").
                List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+AllowArchivingWithJavaAgent")));
        boolean java25 = !options.java25.equals("none") && Files.isExecutable(Path.of(options.java25));
        if (java25) {
            kinds.add(new Sharing("aot", "AOT cache (" + javaVersion(options.java25) + ")", options.java25, ".aot",
                    "-XX:AOTCacheOutput=", "-XX:AOTCache=", List.of()));
        } else {
            String why = options.java25.equals("none") ? "skipped (--java25 none)" : "skipped: no JDK 25 at " + options.java25;
            rounds.note(CASE, "aot-skipped", why);
            if (options.java25Given && !options.java25.equals("none")) {
                problem("JDK 25 java not found: " + options.java25);
            }
        }
        List<AgentConfig> configs = List.of(AgentConfig.NONE, AgentConfig.WEFT);
        md.append(String.format(Locale.ROOT, "### Class-data sharing: start-up with an archive made by the same configuration"
                + " (%d alternating launches)%n%n", options.archiveLaunches));
        md.append("Each archive is made once without the agent (`none`) and once with Weft attached (`weft`, metrics only) in a"
                + " training run (start, 50 requests to each route, stop), and used by the configuration that made it."
                + " JDK 17 dumps with an agent only with `-XX:+UnlockDiagnosticVMOptions -XX:+AllowArchivingWithJavaAgent`,"
                + " which the `weft` training run passes.\n\n");
        md.append("| archive | none (ms) | weft (ms) | ratio weft / none, per launch pair | classes from the archive: none |"
                + " weft | JVM warnings |\n|---|---:|---:|---:|---|---|---|\n");
        StringBuilder warningText = new StringBuilder();
        for (Sharing kind : kinds) {
            String metric = kind.key() + "StartupMs";
            Path dir = logsDir.resolve(kind.key());
            Files.createDirectories(dir);
            Map<AgentConfig, Path> archive = new LinkedHashMap<>();
            Map<AgentConfig, String> classes = new LinkedHashMap<>();
            Map<String, int[]> warnings = new LinkedHashMap<>();
            for (AgentConfig c : configs) {
                Path file = dir.resolve("app-" + c.id + kind.suffix());
                Files.deleteIfExists(file);
                List<String> dump = new ArrayList<>(c == AgentConfig.NONE ? List.of() : kind.agentDumpFlags());
                dump.add(kind.dumpFlag() + file);
                Run training = start(kind.java(), c, dump, kind.key() + "/train-" + c.id);
                try {
                    training.service.awaitFirstOk("/ping", PROBE_INTERVAL, STARTUP_DEADLINE);
                    train(training.service.port());
                } catch (IllegalStateException | IOException e) {
                    problem(kind.key() + " training " + c + ": " + e.getMessage());
                } finally {
                    training.stop(ARCHIVE_EXIT_GRACE);
                }
                addWarnings(warnings, training.service.log(), c);
                if (!Files.isRegularFile(file)) {
                    rounds.note(CASE, kind.key() + "-failed", "the " + kind.title() + " made with " + c.id + " was not written"
                            + (crashed(training.service.log()) ? ": the JVM crashed while writing it (see its hs_err file)" : ""));
                    String missing = kind.title() + " made by " + c + " was not written (" + file + "); see " + training.service.log();
                    if (c == AgentConfig.NONE) {
                        problem(missing);
                    } else {
                        // A finding about the agent, not a failure of the benchmark: reported in the table and the goals.
                        progress.println("finding: " + missing);
                    }
                    continue;
                }
                archive.put(c, file);
                progress.printf(Locale.ROOT, "[%s] %s: archive %s, %,d bytes%n", kind.key(), c, file.getFileName(), Files.size(file));
                // One launch that logs where each class came from: is the archive used, for the app's classes too?
                Path classLog = dir.resolve("classes-" + c.id + ".log");
                Run check = start(kind.java(), c, List.of(kind.useFlag() + file, "-Xlog:class+load=info:file=" + classLog),
                        kind.key() + "/check-" + c.id);
                try {
                    check.service.awaitFirstOk("/ping", PROBE_INTERVAL, STARTUP_DEADLINE);
                } catch (IllegalStateException e) {
                    problem(kind.key() + " check " + c + ": " + e.getMessage());
                } finally {
                    check.stop();
                }
                addWarnings(warnings, check.service.log(), c);
                classes.put(c, classSources(classLog));
            }
            for (int launch = 1; launch <= options.archiveLaunches && archive.size() == configs.size(); launch++) {
                for (AgentConfig c : rotated(configs, launch)) {
                    Run run = start(kind.java(), c, List.of(kind.useFlag() + archive.get(c)),
                            String.format(Locale.ROOT, "%s/launch%02d-%s", kind.key(), launch, c.id));
                    try {
                        double ms = run.service.awaitFirstOk("/ping", PROBE_INTERVAL, STARTUP_DEADLINE);
                        rounds.value(CASE, metric, c.id, launch, ms);
                        progress.printf(Locale.ROOT, "[%s %d/%d] %s: %.0f ms%n", kind.key(), launch, options.archiveLaunches, c, ms);
                    } catch (IllegalStateException e) {
                        problem(kind.key() + " launch " + launch + " " + c + ": " + e.getMessage());
                    } finally {
                        run.stop();
                    }
                    addWarnings(warnings, run.service.log(), c);
                }
            }
            List<String> warningLines = warningLines(warnings);
            String warned = warningLines.isEmpty() ? "none" : warningLines.size() + " kinds (below)";
            rounds.note(CASE, kind.key() + "-warnings", String.join(" / ", warningLines));
            rounds.note(CASE, kind.key() + "-classes", "classes from the archive: none " + classes.getOrDefault(AgentConfig.NONE, "n/a")
                    + ", weft " + classes.getOrDefault(AgentConfig.WEFT, "n/a"));
            md.append("| ").append(kind.title())
                    .append(" | ").append(fmt(Spread.of(rounds.byRound(CASE, metric, "none").values()), 0))
                    .append(" | ").append(fmt(Spread.of(rounds.byRound(CASE, metric, "weft").values()), 0))
                    .append(" | ").append(fmt(Spread.of(rounds.paired(CASE, metric, "weft", "none", true)), 3))
                    .append(" | ").append(classes.getOrDefault(AgentConfig.NONE, "n/a"))
                    .append(" | ").append(classes.getOrDefault(AgentConfig.WEFT, "n/a"))
                    .append(" | ").append(warned).append(" |\n");
            for (String w : warningLines) {
                warningText.append("- ").append(kind.title()).append(": `").append(w.replace("`", "'")).append("`\n");
            }
        }
        for (Sharing kind : kinds) {
            String failed = rounds.note(CASE, kind.key() + "-failed");
            if (failed != null) {
                md.append("\n**").append(failed.substring(0, 1).toUpperCase(Locale.ROOT)).append(failed.substring(1)).append(".**\n");
            }
        }
        if (!java25) {
            md.append("| AOT cache (JDK 25) | ").append(rounds.note(CASE, "aot-skipped")).append(" | | | | | |\n");
        }
        md.append("\nClasses from the archive: of the classes loaded up to the first 200 (`-Xlog:class+load`, one extra"
                + " launch), how many came from the shared archive, all and the application's own (`dev.weft.bench.minimalservice`).\n");
        if (warningText.length() > 0) {
            md.append("\nCDS/AOT warnings and VM warnings the JVM printed (training, check and measured runs; the configuration in"
                    + " brackets):\n\n").append(warningText);
        }
        md.append('\n');
    }

    /** Whether the log holds a fatal error report's head. */
    private static boolean crashed(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8).contains("# A fatal error has been detected");
        } catch (IOException e) {
            return false;
        }
    }

    /** 50 requests to each route, on one keep-alive connection: what the archive learns from. */
    private static void train(int port) throws IOException {
        try (HttpConnection c = new HttpConnection(ServiceProcess.HOST, port, 30_000)) {
            for (int i = 1; i <= 50; i++) {
                c.exchange(HttpConnection.get(ServiceProcess.HOST, port, "/ping"), false);
                c.exchange(HttpConnection.get(ServiceProcess.HOST, port, "/users/" + i), false);
                c.exchange(HttpConnection.get(ServiceProcess.HOST, port, "/fail"), false);
            }
        }
    }

    /**
     * Adds the CDS/AOT warning lines of a service log to {@code warnings} (text to count), without
     * their time stamps, tagged with the configuration; "Skipping <class>: reason" lines are counted
     * per reason, with the first class as an example. The log's first line (the command) is skipped.
     */
    static void addWarnings(Map<String, int[]> warnings, Path log, AgentConfig config) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                if (!ARCHIVE_WARNING.matcher(line).find()) {
                    continue;
                }
                String text = line.trim();
                Matcher m = LOG_PREFIX.matcher(text);
                if (m.find()) {
                    text = text.substring(m.group(1) == null ? 0 : m.group(1).length());
                }
                Matcher skip = SKIPPING.matcher(text);
                Matcher old = PRE_JDK6.matcher(text);
                String key = text;
                String example = null;
                if (skip.matches()) {
                    key = skip.group(1) + "Skipping {classes}: " + skip.group(3);
                    example = skip.group(2);
                } else if (old.matches()) {
                    key = old.group(1) + " {classes}";
                    example = old.group(2);
                }
                int[] count = warnings.computeIfAbsent("(" + config.id + ") " + key
                        + (example == null ? "" : "\u0000" + example), k -> new int[1]);
                count[0]++;
            }
        } catch (IOException e) {
            warnings.computeIfAbsent("(" + config.id + ") log unreadable: " + e, k -> new int[1])[0]++;
        }
    }

    /** One line per kind of warning with how often it was printed, at most {@link #MAX_WARNINGS}. */
    static List<String> warningLines(Map<String, int[]> warnings) {
        Map<String, int[]> merged = new LinkedHashMap<>();
        Map<String, String> examples = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : warnings.entrySet()) {
            String[] parts = e.getKey().split("\u0000", 2);
            merged.computeIfAbsent(parts[0], k -> new int[1])[0] += e.getValue()[0];
            if (parts.length > 1) {
                examples.putIfAbsent(parts[0], parts[1]);
            }
        }
        List<String> lines = new ArrayList<>();
        List<Map.Entry<String, int[]>> entries = new ArrayList<>(merged.entrySet());
        entries.sort((a, b) -> Boolean.compare(!SEVERE.matcher(a.getKey()).find(), !SEVERE.matcher(b.getKey()).find()));
        for (Map.Entry<String, int[]> e : entries) {
            String example = examples.get(e.getKey());
            String text = example == null ? e.getKey() : e.getKey().replace("{classes}", "classes (e.g. " + example + ")");
            lines.add(text + (e.getValue()[0] > 1 ? " ×" + e.getValue()[0] : ""));
        }
        if (lines.size() > MAX_WARNINGS) {
            int more = lines.size() - MAX_WARNINGS;
            lines = new ArrayList<>(lines.subList(0, MAX_WARNINGS));
            lines.add("... and " + more + " more kinds (see the logs)");
        }
        return lines;
    }

    /** "x of y (app a of b)" from a -Xlog:class+load file. */
    static String classSources(Path classLog) {
        try {
            long all = 0;
            long shared = 0;
            long app = 0;
            long appShared = 0;
            for (String line : Files.readAllLines(classLog, StandardCharsets.UTF_8)) {
                if (!line.contains(" source: ")) {
                    continue;
                }
                boolean fromArchive = line.contains("source: shared objects file");
                boolean isApp = line.contains(" dev.weft.bench.minimalservice.");
                all++;
                shared += fromArchive ? 1 : 0;
                app += isApp ? 1 : 0;
                appShared += isApp && fromArchive ? 1 : 0;
            }
            return String.format(Locale.ROOT, "%,d of %,d (app %d of %d)", shared, all, appShared, app);
        } catch (IOException e) {
            return "n/a (" + e.getMessage() + ")";
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A started service and its metrics port. */
    private record Run(ServiceProcess service) {
        void stop() throws InterruptedException {
            service.stop();
        }

        void stop(Duration grace) throws InterruptedException {
            service.stop(grace);
        }
    }

    private Run start(String java, AgentConfig config, List<String> extraFlags, String what) throws IOException {
        int[] ports = freePorts(2);
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(options.jvmOptions);
        command.add("-Dsun.net.httpserver.nodelay=true");
        command.addAll(extraFlags);
        command.addAll(config.jvmFlags(options.weftAgent.toAbsolutePath(), options.otelAgent.toAbsolutePath(), ports[1],
                sink == null ? null : sink.endpoint(), "minimal"));
        command.add("-jar");
        command.add(options.serviceJar.toAbsolutePath().toString());
        command.add("--port");
        command.add(Integer.toString(ports[0]));
        return new Run(ServiceProcess.start(pinning.serviceCommand(command), ports[0], Map.of(), logsDir.resolve(what + ".log")));
    }

    private static OptionalLong allocated(int port) {
        try {
            ServiceProcess.HttpAnswer a = ServiceProcess.get(port, "/bench/allocated");
            Matcher m = Pattern.compile("\"allocatedBytes\":(\\d+)").matcher(a.body());
            return a.status() == 200 && m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    private static <T> List<T> rotated(List<T> list, int round) {
        List<T> order = new ArrayList<>(list);
        Collections.rotate(order, -((round - 1) % order.size()));
        return order;
    }

    private static String fmt(Spread s, int decimals) {
        return s == null ? "n/a" : s.format(decimals);
    }

    private static String signed(Spread s, int decimals) {
        return s == null ? "n/a" : s.formatSigned(decimals);
    }

    private void problem(String p) {
        String line = p.lines().findFirst().orElse(p);
        problems.add(line);
        progress.println("problem: " + p);
    }

    private void preflight() {
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(options.serviceJar)) {
            missing.add(options.serviceJar + " (build: mvn -B -DskipTests package -pl benchmark/minimal-service)");
        }
        if (options.configs.stream().anyMatch(AgentConfig::usesWeft) || options.phase("archives")) {
            if (!Files.isRegularFile(options.weftAgent)) {
                missing.add(options.weftAgent + " (build: mvn -B -DskipTests package at the repository root)");
            }
        }
        if (options.configs.stream().anyMatch(AgentConfig::usesOtel) && !Files.isRegularFile(options.otelAgent)) {
            missing.add(options.otelAgent + " (fetched by: mvn -B -DskipTests package -pl benchmark/micro)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the minimal benchmark needs:\n  - " + String.join("\n  - ", missing));
        }
    }

    private static String javaVersion(String java) {
        try {
            Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            Matcher m = Pattern.compile("version \"([^\"]+)\"").matcher(out);
            return m.find() ? "JDK " + m.group(1) : java;
        } catch (IOException e) {
            return java;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java;
        }
    }

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
