package dev.weft.testing.traces;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real Zipkin server (the {@code io.zipkin:zipkin-server} exec jar from Maven Central) in a
 * child JVM, with in-memory storage, on a free port, for the tracing smoke tests.
 *
 * <p>This module's build copies the exec jar into its {@code target/} and writes the jar's path
 * into the resource {@value #LOCATION_RESOURCE} next to this class.
 *
 * <pre>{@code
 * try (ZipkinServer zipkin = ZipkinServer.start(tempDir.resolve("zipkin"))) {
 *   jvmArgs.add("-Dotel.exporter.zipkin.endpoint=" + zipkin.spansEndpoint());
 *   ...
 *   List<ZipkinSpan> trace = zipkin.awaitTrace(traceId, 1, Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>System property read by {@link #start(Path)}: {@code weft.zipkin.java.home}, the JDK (17 or
 * later) that runs Zipkin, by default the current {@code java.home}.
 */
public final class ZipkinServer implements AutoCloseable {

  static final String LOCATION_RESOURCE = "zipkin-server.location";

  /** The JDK that runs Zipkin; defaults to the current {@code java.home}. */
  public static final String JAVA_HOME_PROPERTY = "weft.zipkin.java.home";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration PROBE_INTERVAL = Duration.ofMillis(150);
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);
  private static final int PORT_ATTEMPTS = 3;
  private static final int TAIL_LINES = 60;
  private static final String HOST = "127.0.0.1";
  private static final List<String> SCRUBBED_ENV =
      Arrays.asList("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path workDir;
  private final int port;
  private final Process process;
  private final Path stdout;
  private final HttpClient client;
  private final Thread shutdownHook;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private ZipkinServer(Path workDir, int port, Process process, Path stdout) {
    this.workDir = workDir;
    this.port = port;
    this.process = process;
    this.stdout = stdout;
    this.client = newClient();
    this.shutdownHook = new Thread(() -> destroy(process, Duration.ofSeconds(3)),
        "weft-zipkin-shutdown");
  }

  /**
   * Starts Zipkin with in-memory storage on a free port, its logs under {@code workDir} (created
   * if missing); returns once {@code /health} says {@code UP} (about 6 s on an idle machine, at
   * most 90 s).
   *
   * @throws IllegalStateException if it cannot be started or does not become healthy; the message
   *     holds the tail of Zipkin's output and what to check
   */
  public static ZipkinServer start(Path workDir) {
    Objects.requireNonNull(workDir, "workDir");
    Path dir = workDir.toAbsolutePath().normalize();
    String java = javaExecutable();
    Path jar = zipkinJar();
    for (int attempt = 1; ; attempt++) {
      try {
        return launch(dir, java, jar);
      } catch (PortClash clash) {
        if (attempt == PORT_ATTEMPTS) {
          throw new IllegalStateException("Zipkin: all " + PORT_ATTEMPTS + " attempts, each on a"
              + " fresh free port, lost the port to another process. The last attempt:\n"
              + clash.failure.getMessage(), clash.failure);
        }
      }
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>} */
  public String baseUrl() {
    return "http://" + HOST + ":" + port;
  }

  /** Where spans are posted: the value for {@code otel.exporter.zipkin.endpoint}. */
  public String spansEndpoint() {
    return baseUrl() + "/api/v2/spans";
  }

  public boolean isRunning() {
    return !stopped.get() && process.isAlive();
  }

  /** The spans Zipkin holds for {@code traceId} (hex); empty if it has none. */
  public List<ZipkinSpan> trace(String traceId) {
    HttpResponse<String> response = query("/api/v2/trace/" + traceId);
    if (response.statusCode() == 404) {
      return List.of();
    }
    return spans(parseOk(response), "/api/v2/trace/" + traceId);
  }

  /**
   * Waits until Zipkin holds at least {@code minSpans} spans of {@code traceId}; returns them.
   *
   * @throws AssertionError at the deadline, with what Zipkin holds and the tail of its log
   */
  public List<ZipkinSpan> awaitTrace(String traceId, int minSpans, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ZipkinSpan> last = List.of();
    RuntimeException lastError = null;
    while (true) {
      try {
        last = trace(traceId);
        lastError = null;
        if (last.size() >= minSpans) {
          return last;
        }
      } catch (RuntimeException e) {
        lastError = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError error = new AssertionError(
            "Zipkin " + baseUrl() + " holds " + last.size() + " span(s) of trace " + traceId
                + " after " + timeout.toMillis() + " ms, wanted " + minSpans + ": " + last
                + (lastError == null ? "" : " (last query failed: " + lastError + ")")
                + "\n  --- last lines of Zipkin's output (" + stdout + ") ---\n"
                + tail(stdout, 20));
        if (lastError != null) {
          error.initCause(lastError);
        }
        throw error;
      }
      pause(PROBE_INTERVAL);
    }
  }

  /**
   * The traces of one service, newest first ({@code /api/v2/traces?serviceName=&limit=}), over
   * Zipkin's default look-back of a day.
   */
  public List<List<ZipkinSpan>> traces(String serviceName, int limit) {
    String path = "/api/v2/traces?serviceName="
        + URLEncoder.encode(serviceName.toLowerCase(Locale.ROOT), StandardCharsets.UTF_8)
        + "&limit=" + limit;
    JsonNode root = parseOk(query(path));
    List<List<ZipkinSpan>> traces = new ArrayList<>();
    for (JsonNode trace : root) {
      traces.add(spans(trace, path));
    }
    return traces;
  }

  /** How many spans Zipkin holds for a service (counting through {@link #traces}). */
  public int spanCount(String serviceName, int limit) {
    return traces(serviceName, limit).stream().mapToInt(List::size).sum();
  }

  /**
   * Stops Zipkin's JVM (SIGTERM, then a forced kill) and keeps the work directory, so a test can
   * take the backend away mid-run. Calling it again does nothing.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook stops it
    }
    destroy(process, STOP_GRACE);
  }

  /** Stops Zipkin and deletes the work directory. Calling it again does nothing. */
  @Override
  public void close() {
    stop();
    if (closed.compareAndSet(false, true)) {
      deleteRecursively(workDir);
    }
  }

  @Override
  public String toString() {
    return "ZipkinServer[" + baseUrl() + ", " + workDir + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private HttpResponse<String> query(String path) {
    try {
      return client.send(
          HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(QUERY_TIMEOUT).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("Zipkin: GET " + baseUrl() + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while querying Zipkin", e);
    }
  }

  private static JsonNode parseOk(HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Zipkin: GET " + response.uri() + " answered "
          + response.statusCode() + ": " + abbreviate(response.body(), 500));
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException("Zipkin: GET " + response.uri() + " answered JSON that does"
          + " not parse: " + e + ": " + abbreviate(response.body(), 500), e);
    }
  }

  private static List<ZipkinSpan> spans(JsonNode array, String what) {
    if (!array.isArray()) {
      throw new IllegalStateException("Zipkin: " + what + " is not a JSON array: "
          + abbreviate(array.toString(), 500));
    }
    List<ZipkinSpan> spans = new ArrayList<>();
    for (JsonNode node : array) {
      spans.add(ZipkinSpan.of(node));
    }
    return spans;
  }

  /** Thrown by a start attempt that lost its port to another process. */
  private static final class PortClash extends Exception {
    private static final long serialVersionUID = 1L;
    final transient IllegalStateException failure;

    PortClash(IllegalStateException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  private static ZipkinServer launch(Path workDir, String java, Path jar) throws PortClash {
    long startNanos = System.nanoTime();
    int port = freeLoopbackPort();
    Path logs = workDir.resolve("logs");
    Path out = logs.resolve("zipkin.out");
    try {
      Files.createDirectories(logs);
    } catch (IOException e) {
      throw new IllegalStateException("Zipkin: cannot create the work directory " + logs + ": " + e,
          e);
    }
    List<String> command = List.of(
        java,
        // What Zipkin's own image gives the in-memory build, plus room for the tests' bursts.
        "-Xms64m",
        "-Xmx256m",
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        "-Dlog4j2.disable.jmx=true",
        "-jar",
        jar.toString(),
        "--server.port=" + port,
        "--zipkin.storage.type=mem");
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    SCRUBBED_ENV.forEach(env::remove);
    // The documented variables, so the port and storage hold whichever Zipkin reads.
    env.put("QUERY_PORT", Integer.toString(port));
    env.put("STORAGE_TYPE", "mem");
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.to(out.toFile()));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("Zipkin: cannot start " + java + " (" + e.getMessage() + ")",
          e);
    }
    ZipkinServer server = new ZipkinServer(workDir, port, process, out);
    // Registered before waiting, so a test run killed during start-up does not leak Zipkin.
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    try {
      server.awaitHealthy(startNanos, command);
      return server;
    } catch (RuntimeException | PortClash e) {
      server.stop();
      throw e;
    }
  }

  private void awaitHealthy(long startNanos, List<String> command) throws PortClash {
    long deadline = startNanos + START_TIMEOUT.toNanos();
    String last = "no answer yet";
    while (true) {
      if (!process.isAlive()) {
        IllegalStateException failure = failure(
            "the Zipkin JVM exited with code " + process.exitValue() + " before it was healthy",
            command, startNanos, last);
        String output = tail(stdout, 400);
        if (output.contains("Address already in use") || output.contains("BindException")) {
          throw new PortClash(failure);
        }
        throw failure;
      }
      try {
        HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
        last = "HTTP " + response.statusCode() + " " + abbreviate(response.body(), 300);
        if (response.statusCode() == 200
            && "UP".equals(JSON.readTree(response.body()).path("status").asText())) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Zipkin: interrupted while waiting for it", e);
      }
      if (System.nanoTime() - deadline > 0) {
        throw failure("/health did not say UP within " + START_TIMEOUT.toSeconds() + " s",
            command, startNanos, last);
      }
      pause(PROBE_INTERVAL);
    }
  }

  private IllegalStateException failure(
      String what, List<String> command, long startNanos, String lastProbe) {
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    return new IllegalStateException("Zipkin failed to start: " + what
        + "\n  after: " + elapsedMs + " ms; last /health probe: " + lastProbe
        + "\n  url: " + baseUrl()
        + "\n  command: " + String.join(" ", command)
        + "\n  --- last lines of Zipkin's output (" + stdout + ") ---\n"
        + tail(stdout, TAIL_LINES)
        + "  What to check:"
        + "\n  - the JVM running Zipkin is Java 17 or later (Zipkin 3.x needs it); set -D"
        + JAVA_HOME_PROPERTY + "=<jdk> to pick another one than java.home"
        + "\n  - the exec jar named in " + LOCATION_RESOURCE + " exists (rebuild weft-trace-backend:"
        + " mvn -pl smoke-tests/trace-backend package)"
        + "\n  - loopback ports are free and there is memory for a 256 MB heap");
  }

  private static Path zipkinJar() {
    String text;
    try (InputStream in = ZipkinServer.class.getResourceAsStream(LOCATION_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Zipkin: resource " + LOCATION_RESOURCE
            + " is missing next to " + ZipkinServer.class.getName() + "; the weft-trace-backend"
            + " build writes it: mvn -pl smoke-tests/trace-backend package");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("Zipkin: cannot read " + LOCATION_RESOURCE, e);
    }
    Path jar = Paths.get(text);
    if (text.isEmpty() || text.contains("${") || !Files.isRegularFile(jar)) {
      throw new IllegalStateException("Zipkin: the exec jar recorded at build time (" + text
          + ") does not exist; rebuild weft-trace-backend (mvn -pl smoke-tests/trace-backend"
          + " package), which copies io.zipkin:zipkin-server:exec from Maven Central");
    }
    return jar;
  }

  private static String javaExecutable() {
    String override = System.getProperty(JAVA_HOME_PROPERTY);
    String home = override != null && !override.isBlank() ? override
        : System.getProperty("java.home");
    Path java = Paths.get(home, "bin", "java");
    if (!Files.isExecutable(java)) {
      throw new IllegalStateException("Zipkin: no java executable at " + java + "; check -D"
          + JAVA_HOME_PROPERTY + " or java.home");
    }
    if (override == null && Runtime.version().feature() < 17) {
      throw new IllegalStateException("Zipkin 3.x needs Java 17 or later, and this JVM is Java "
          + Runtime.version().feature() + "; set -D" + JAVA_HOME_PROPERTY + "=<a JDK 17+ home>");
    }
    return java.toString();
  }

  private static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  private static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("Zipkin: cannot find a free loopback port: " + e, e);
    }
  }

  private static void destroy(Process process, Duration grace) {
    boolean interrupted = false;
    try {
      process.destroy();
      try {
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Zipkin", e);
    }
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** The last {@code lines} lines of a file, each cut to 600 characters; "" if there is none. */
  private static String tail(Path file, int lines) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return "";
    }
    String[] all = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
    StringBuilder s = new StringBuilder();
    for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
      String line = all[i];
      s.append("  | ").append(line.length() > 600 ? line.substring(0, 600) + "..." : line)
          .append('\n');
    }
    return s.toString();
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<Path>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("Zipkin: cannot delete " + dir, e);
    }
  }
}
