package dev.weft.bench.micro;

import com.sun.net.httpserver.HttpServer;
import dev.weft.testing.kafka.KafkaBroker;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every micro benchmark in fresh JVM forks under each agent configuration, alternating the
 * configurations within each round (the machine is noisy: a slow minute hits all of them), and
 * writes the medians, their spread and the cost each agent adds per operation as Markdown.
 *
 * <pre>
 * java -jar micro-benchmarks.jar --weft-agent agent/target/weft-agent.jar \
 *     --otel-agent benchmark/micro/target/agents/opentelemetry-javaagent.jar --out micro.md
 * </pre>
 *
 * <p>{@code --jvm-args "FLAGS"} adds flags to every fork, e.g. a JFR recording to profile a case.
 */
public final class MicroBenchmarkRunner {

  static final List<Class<?>> BENCHMARKS =
      List.of(
          HttpServerRequestBenchmark.class,
          ServletRequestBenchmark.class,
          NettyServerRequestBenchmark.class,
          WebFluxRequestBenchmark.class,
          WebFluxChainRequestBenchmark.class,
          VertxRequestBenchmark.class,
          WebClientCallBenchmark.class,
          GrpcUnaryCallBenchmark.class,
          PoolHandoffRequestBenchmark.class,
          JdbcPreparedQueryBenchmark.class,
          JdbcPooledQueryBenchmark.class,
          RedisGetBenchmark.class,
          LettuceGetBenchmark.class,
          KafkaSendBenchmark.class,
          KafkaConsumeBenchmark.class,
          KafkaHandlerBenchmark.class,
          LogCallBenchmark.class,
          LogInSpanLogbackBenchmark.class,
          LogInSpanLog4j2Benchmark.class,
          LogInSpanJulBenchmark.class);

  static final Map<Class<?>, String> LABELS =
      Map.ofEntries(
          Map.entry(HttpServerRequestBenchmark.class, "HTTP request, JDK server + JDK client, loopback"),
          Map.entry(ServletRequestBenchmark.class, "HTTP request, Tomcat 11 servlet + Apache HttpClient 5"),
          Map.entry(NettyServerRequestBenchmark.class,
              "HTTP request, plain Netty 4.2 server + JDK client, loopback"),
          Map.entry(WebFluxRequestBenchmark.class,
              "HTTP request, Spring WebFlux 7 annotated controller on Reactor Netty 1.3 + JDK client, loopback"),
          Map.entry(WebFluxChainRequestBenchmark.class,
              "HTTP request, WebFlux 7 controller: publishOn + flatMap over 3 bounded-elastic calls"),
          Map.entry(VertxRequestBenchmark.class,
              "HTTP request, Vert.x Web 5.0 router (route /users/:id) + JDK client, loopback"),
          Map.entry(WebClientCallBenchmark.class,
              "HTTP call, Spring WebClient 7 on Reactor Netty 1.3 to a plain socket responder, loopback"),
          Map.entry(GrpcUnaryCallBenchmark.class,
              "gRPC unary call, gRPC Java 1.85 (grpc-netty-shaded) server + client, loopback"),
          Map.entry(PoolHandoffRequestBenchmark.class,
              "HTTP request handed to a thread pool 3 times (submit, supplyAsync, thenApplyAsync)"),
          Map.entry(JdbcPreparedQueryBenchmark.class, "JDBC prepared query, H2 in memory"),
          Map.entry(JdbcPooledQueryBenchmark.class,
              "JDBC query through HikariCP, PostgreSQL (borrow, prepare, execute, return)"),
          Map.entry(RedisGetBenchmark.class, "Redis GET, Jedis, local Redis"),
          Map.entry(LettuceGetBenchmark.class, "Redis GET, Lettuce sync API, local Redis"),
          Map.entry(KafkaSendBenchmark.class, "Kafka send, acks=all, local broker"),
          Map.entry(KafkaConsumeBenchmark.class, "Kafka consume, iteration over 100 polled records"),
          Map.entry(KafkaHandlerBenchmark.class,
              "Kafka consume, 100 records each handed to a record-handler method (dead-letter watch)"),
          Map.entry(LogCallBenchmark.class, "Log call, SLF4J + Logback, console, no span current"),
          Map.entry(LogInSpanLogbackBenchmark.class, "Log call, SLF4J + Logback, console, inside a span"),
          Map.entry(LogInSpanLog4j2Benchmark.class, "Log call, Log4j 2, console, inside a span"),
          Map.entry(LogInSpanJulBenchmark.class,
              "Log call, java.util.logging, SimpleFormatter (no id in its format), inside a span"));

  private final Map<String, String> options;
  private final boolean smoke;
  /** --jvm-args: flags added to every fork (a profiler, -XX:StartFlightRecording, ...). */
  private final List<String> extraJvmArgs;

  private MicroBenchmarkRunner(Map<String, String> options) {
    this.options = options;
    this.smoke = options.containsKey("smoke");
    String extra = options.getOrDefault("jvm-args", "").trim();
    this.extraJvmArgs = extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = parse(args);
    System.exit(new MicroBenchmarkRunner(options).run());
  }

  int run() throws Exception {
    Path weftAgent = existing(option("weft-agent", "agent/target/weft-agent.jar"), "Weft agent");
    Path otelAgent =
        existing(
            option("otel-agent", "benchmark/micro/target/agents/opentelemetry-javaagent.jar"),
            "upstream OpenTelemetry agent");
    int rounds = smoke ? 1 : Integer.parseInt(option("rounds", "3"));
    List<String> configNames =
        Arrays.asList(option("configs", "none,weft,weft-traces,weft-json,otel-metrics,otel-traces").split(","));
    List<Class<?>> selected = selectedBenchmarks();
    Path out = Paths.get(option("out", "micro-results.md"));

    KafkaBroker broker = null;
    String kafka = options.get("kafka");
    if (kafka == null && selected.contains(KafkaSendBenchmark.class)) {
      broker = KafkaBroker.start(Files.createTempDirectory("weft-bench-kafka"));
      kafka = broker.bootstrapServers();
    }
    OtlpSink sink = OtlpSink.start();
    try {
      Map<String, Config> configs = new LinkedHashMap<>();
      // --baseline-agent: another Weft jar (the last release, or main before a change) under
      // "base" and "base-traces", alternating with the others in every round: an A/B of two jars.
      String baseline = options.get("baseline-agent");
      Path baselineAgent = baseline == null ? null : existing(baseline, "baseline Weft agent");
      for (String name : configNames) {
        configs.put(name, Config.of(name, weftAgent, baselineAgent, otelAgent, sink.port()));
      }
      Results results = new Results();
      // Every score by round, next to --out, for the goals table (benchmark/common's RoundsFile format).
      StringBuilder roundsTsv = new StringBuilder("# value case metric config round number\n");
      for (int round = 1; round <= rounds; round++) {
        for (Class<?> benchmark : selected) {
          for (Config config : configs.values()) {
            if (!Config.appliesTo(config.name, benchmark)) {
              continue;
            }
            // Forks run one at a time and an agent flushes its spans before its fork exits, so
            // what reaches the sink meanwhile is this configuration's export.
            long sinkBefore = sink.requests();
            long forkStarted = System.nanoTime();
            double score = runOnce(benchmark, config, kafka);
            double forkSeconds = (System.nanoTime() - forkStarted) / 1e9;
            results.add(benchmark, config.name, score);
            roundsTsv.append(
                String.format(
                    Locale.ROOT,
                    "value\tmicro\t%s\t%s\t%d\t%s%n",
                    benchmark.getSimpleName(),
                    config.name,
                    round,
                    Double.toString(score)));
            results.addExports(config.name, sink.requests() - sinkBefore);
            System.out.printf(
                Locale.ROOT,
                "[round %d/%d] %-28s %-13s %12.0f ns/op  (fork %.1f s)%n",
                round,
                rounds,
                benchmark.getSimpleName(),
                config.name,
                score,
                forkSeconds);
          }
        }
      }
      String table = results.markdown(selected, configNames, rounds);
      Files.writeString(out, table);
      Files.writeString(
          out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + "-rounds.tsv"), roundsTsv);
      System.out.println();
      System.out.println(table);
      return 0;
    } finally {
      sink.stop();
      if (broker != null) {
        broker.close();
      }
    }
  }

  private double runOnce(Class<?> benchmark, Config config, String kafka) throws RunnerException {
    List<String> jvmArgs = new ArrayList<>(config.jvmArgs());
    jvmArgs.add("-Xmx512m");
    // Without it the JDK server's separate header and body writes meet the client's delayed ACK
    // and every request takes 40 ms of pure waiting, which would drown what is measured.
    jvmArgs.add("-Dsun.net.httpserver.nodelay=true");
    if (kafka != null) {
      jvmArgs.add("-Dbench.kafka=" + kafka);
    }
    jvmArgs.addAll(extraJvmArgs);
    ChainedOptionsBuilder b =
        new OptionsBuilder()
            .include("^" + Pattern.quote(benchmark.getName()) + "\\.")
            .forks(1)
            .threads(1)
            .mode(org.openjdk.jmh.annotations.Mode.AverageTime)
            .timeUnit(TimeUnit.NANOSECONDS)
            .jvmArgsAppend(jvmArgs.toArray(new String[0]))
            .shouldFailOnError(true)
            .verbosity(VerboseMode.SILENT);
    if (smoke) {
      // Smoke mode proves that each case runs and gives a score under each agent: one short
      // measured iteration does; a warm-up before it would only add a fifth of a second per fork.
      b.warmupIterations(0)
          .measurementIterations(1)
          .measurementTime(TimeValue.milliseconds(200));
    } else {
      b.warmupIterations(Integer.parseInt(option("warmup-iterations", "3")))
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(Integer.parseInt(option("measurement-iterations", "4")))
          .measurementTime(TimeValue.seconds(1));
    }
    Collection<RunResult> results = new Runner(b.build()).run();
    if (results.isEmpty()) {
      throw new IllegalStateException(benchmark.getSimpleName() + " under " + config.name + " gave no result");
    }
    return results.iterator().next().getPrimaryResult().getScore();
  }

  private List<Class<?>> selectedBenchmarks() {
    String only = options.get("benchmarks");
    if (only == null) {
      return BENCHMARKS;
    }
    List<Class<?>> selected = new ArrayList<>();
    for (String name : only.split(",")) {
      for (Class<?> b : BENCHMARKS) {
        if (b.getSimpleName().startsWith(name.trim())) {
          selected.add(b);
        }
      }
    }
    return selected;
  }

  private String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  private static Path existing(String path, String what) {
    Path p = Paths.get(path);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(
          what + " not found at " + p.toAbsolutePath() + " (build with: mvn -B -DskipTests package)");
    }
    return p.toAbsolutePath();
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + args[i]);
      }
      String name = args[i].substring(2);
      if (name.equals("smoke")) {
        options.put(name, "true");
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
    }
    return options;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JVM flags of one side of the comparison. */
  static final class Config {
    final String name;
    private final List<String> flags;

    private Config(String name, List<String> flags) {
      this.name = name;
      this.flags = flags;
    }

    List<String> jvmArgs() {
      // A fresh metrics port per fork: forks of one run never overlap, but a stuck one might.
      List<String> args = new ArrayList<>();
      for (String f : flags) {
        args.add(f.replace("{port}", Integer.toString(freePort())));
      }
      return args;
    }

    /** The configurations that export traces to the sink, 10% of them. */
    static boolean exportsTraces(String name) {
      return name.equals("weft-traces")
          || name.equals("weft-json")
          || name.equals("base-traces")
          || name.equals("otel-traces");
    }

    /** weft-json changes only log output: it runs the log cases alone. */
    static boolean appliesTo(String name, Class<?> benchmark) {
      return !name.equals("weft-json") || benchmark.getSimpleName().startsWith("Log");
    }

    static Config of(String name, Path weft, Path baseline, Path otel, int sinkPort) {
      if (name.equals("base") || name.equals("base-traces")) {
        if (baseline == null) {
          throw new IllegalArgumentException(name + " needs --baseline-agent PATH");
        }
        Config same = of(name.equals("base") ? "weft" : "weft-traces", baseline, null, otel, sinkPort);
        return new Config(name, same.flags);
      }
      // Upstream's trace settings for otel-traces; Weft reads the same otel.* keys.
      List<String> tracesToSink =
          List.of(
              "-Dotel.traces.exporter=otlp",
              "-Dotel.exporter.otlp.protocol=http/protobuf",
              "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + sinkPort,
              "-Dotel.traces.sampler=parentbased_traceidratio",
              "-Dotel.traces.sampler.arg=0.1");
      List<String> weftMetrics = List.of("-javaagent:" + weft, "-Dweft.metrics.port={port}");
      List<String> otelMetrics =
          List.of(
              "-javaagent:" + otel,
              "-Dotel.service.name=bench",
              "-Dotel.metrics.exporter=prometheus",
              "-Dotel.exporter.prometheus.port={port}",
              "-Dotel.logs.exporter=none");
      switch (name) {
        case "none":
          return new Config(name, List.of());
        case "weft":
          // Metrics only: Weft traces by default, so switch it off explicitly (exporter none
          // alone passes callers' context on; a jar before weft.traces.enabled ignores the key).
          return new Config(
              name,
              concat(weftMetrics, List.of("-Dotel.traces.exporter=none", "-Dweft.traces.enabled=false")));
        case "weft-passthrough":
          // Metrics, no spans exported, callers' trace context passed on (exporter none).
          return new Config(name, concat(weftMetrics, List.of("-Dotel.traces.exporter=none")));
        case "weft-traces":
          return new Config(name, concat(weftMetrics, tracesToSink));
        case "weft-json":
          // As weft-traces, and console log output as JSON lines.
          return new Config(
              name, concat(concat(weftMetrics, tracesToSink), List.of("-Dweft.logs.format=json")));
        case "otel-metrics":
          return new Config(name, concat(otelMetrics, List.of("-Dotel.traces.exporter=none")));
        case "otel-traces":
          return new Config(name, concat(otelMetrics, tracesToSink));
        default:
          throw new IllegalArgumentException(
              "unknown configuration "
                  + name
                  + "; accepted: none, weft, weft-passthrough, weft-traces, weft-json, otel-metrics,"
                  + " otel-traces,"
                  + " base, base-traces (with --baseline-agent)");
      }
    }

    private static List<String> concat(List<String> a, List<String> b) {
      List<String> all = new ArrayList<>(a);
      all.addAll(b);
      return all;
    }
  }

  /** Accepts OTLP/HTTP trace exports and discards them, so exporting costs what it costs. */
  static final class OtlpSink {
    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();

    private OtlpSink(HttpServer server) {
      this.server = server;
    }

    static OtlpSink start() throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      OtlpSink sink = new OtlpSink(server);
      server.createContext(
          "/",
          exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
              in.readAllBytes();
            }
            sink.requests.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
          });
      server.start();
      return sink;
    }

    int port() {
      return server.getAddress().getPort();
    }

    long requests() {
      return requests.get();
    }

    void stop() {
      server.stop(0);
    }
  }

  /** Scores per benchmark and configuration, export counts, and their Markdown rendering. */
  static final class Results {
    /** Weft's added cost over upstream's: [Weft's configuration, upstream's, column title]. */
    private static final List<String[]> COMPARISONS =
        List.of(
            new String[] {"weft", "otel-metrics", "Weft's added cost / upstream's (metrics)"},
            new String[] {
              "weft-traces", "otel-traces", "Weft's added cost / upstream's (metrics + 10% traces)"
            },
            new String[] {"weft", "base", "added cost / baseline jar's (metrics)"},
            new String[] {"weft-traces", "base-traces", "added cost / baseline jar's (+ traces)"});

    private final Map<String, List<Double>> scores = new LinkedHashMap<>();
    private final Map<String, Long> exports = new LinkedHashMap<>();

    void add(Class<?> benchmark, String config, double score) {
      scores.computeIfAbsent(benchmark.getName() + "|" + config, k -> new ArrayList<>()).add(score);
    }

    void addExports(String config, long requests) {
      exports.merge(config, requests, Long::sum);
    }

    /** OTLP export requests the sink received while this configuration's forks ran. */
    long exports(String config) {
      return exports.getOrDefault(config, 0L);
    }

    List<Double> of(Class<?> benchmark, String config) {
      return scores.getOrDefault(benchmark.getName() + "|" + config, List.of());
    }

    String markdown(List<Class<?>> benchmarks, List<String> configs, int rounds) {
      List<String[]> comparisons = new ArrayList<>();
      for (String[] c : COMPARISONS) {
        if (configs.contains(c[0]) && configs.contains(c[1])) {
          comparisons.add(c);
        }
      }
      StringBuilder md = new StringBuilder();
      md.append("| operation |");
      int columns = 0;
      for (String c : configs) {
        md.append(' ').append(c).append(" ns/op |");
        columns++;
      }
      for (String c : configs) {
        if (!c.equals("none")) {
          md.append(" added by ").append(c).append(" |");
          columns++;
        }
      }
      for (String[] c : comparisons) {
        md.append(' ').append(c[2]).append(" |");
        columns++;
      }
      md.append("\n|---|");
      for (int i = 0; i < columns; i++) {
        md.append("---:|");
      }
      md.append('\n');
      for (Class<?> b : benchmarks) {
        md.append("| ").append(LABELS.get(b)).append(" |");
        for (String c : configs) {
          md.append(' ').append(Stats.format(of(b, c))).append(" |");
        }
        double base = Stats.median(of(b, "none"));
        for (String c : configs) {
          if (!c.equals("none")) {
            double added = Stats.median(of(b, c)) - base;
            md.append(' ')
                .append(
                    Double.isNaN(added) ? "–" : String.format(Locale.ROOT, "%+,.0f ns", added))
                .append(" |");
          }
        }
        for (String[] c : comparisons) {
          double weftAdded = Stats.median(of(b, c[0])) - base;
          double otelAdded = Stats.median(of(b, c[1])) - base;
          String other = c[1].startsWith("base") ? "the baseline jar" : "upstream";
          md.append(' ').append(Stats.ratio(weftAdded, otelAdded, other)).append(" |");
        }
        md.append('\n');
      }
      md.append('\n')
          .append("Median of ")
          .append(rounds)
          .append(" alternating rounds (one fresh JVM fork per benchmark, configuration and round),")
          .append(" min–max in parentheses. \"added\" is the configuration's median minus the no-agent")
          .append(" median.");
      List<String> counts = new ArrayList<>();
      List<String> silent = new ArrayList<>();
      for (String c : configs) {
        if (Config.exportsTraces(c)) {
          counts.add(c + " " + exports(c));
          if (exports(c) == 0) {
            silent.add(c);
          }
        }
      }
      if (!counts.isEmpty()) {
        md.append(" OTLP trace export requests received by the local sink, all forks: ")
            .append(String.join(", ", counts))
            .append('.');
      }
      md.append('\n');
      for (String c : silent) {
        // Its numbers would claim a cost of exporting that was never paid: say so in the table.
        md.append("\n**").append(c).append(" exported no trace: its column measures no span export.**\n");
      }
      return md.toString();
    }
  }

  /** Medians and spreads. */
  static final class Stats {
    private Stats() {}

    static double median(List<Double> values) {
      if (values.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = new ArrayList<>(values);
      sorted.sort(Double::compare);
      int n = sorted.size();
      return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String format(List<Double> values) {
      if (values.isEmpty()) {
        return "–";
      }
      double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
      double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
      return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", median(values), min, max);
    }

    /** {@code other}: who the denominator's agent is, for when it adds nothing measurable. */
    static String ratio(double weftAdded, double otelAdded, String other) {
      if (Double.isNaN(weftAdded) || Double.isNaN(otelAdded)) {
        return "n/a";
      }
      if (otelAdded <= 0) {
        return other + " adds nothing measurable";
      }
      return String.format(Locale.ROOT, "%.2f", Math.max(0, weftAdded) / otelAdded);
    }
  }
}
