package dev.weft.testing.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in a child JVM,
 * for tests and benchmarks.
 *
 * <p>The broker runs from the Maven Central jars of {@code org.apache.kafka:kafka_2.13}: the
 * weft-testing build resolves them and writes their class path into the resource {@value
 * #CLASSPATH_RESOURCE} next to this class. Those jars are never on the caller's class path; the
 * caller brings its own {@code kafka-clients} (any version from 3.0), which this class uses for
 * its readiness probe.
 *
 * <p>Typical use:
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start(tempDir.resolve("kafka"))) {
 *   props.put("bootstrap.servers", kafka.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>System properties read by {@link #start(Path)}: {@code weft.kafka.java.home}, the JDK (17 or
 * later) that runs the broker, by default the current {@code java.home}.
 */
public final class KafkaBroker implements AutoCloseable {

  /** Name of the class-path resource, relative to this class, written at build time. */
  static final String CLASSPATH_RESOURCE = "broker.classpath";

  /** The JDK that runs the broker; defaults to the current {@code java.home}. */
  public static final String JAVA_HOME_PROPERTY = "weft.kafka.java.home";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final Duration HOOK_STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration PROBE_INTERVAL = Duration.ofMillis(150);
  private static final int PORT_ATTEMPTS = 3;
  private static final int TAIL_LINES = 60;
  private static final String HOST = "127.0.0.1";

  /** JVM options the child must not inherit (a Weft agent in JAVA_TOOL_OPTIONS, for example). */
  private static final List<String> SCRUBBED_ENV =
      Arrays.asList("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

  private final Path workDir;
  private final int brokerPort;
  private volatile Process process;
  private Launch launch;
  private final Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KafkaBroker(Path workDir, int brokerPort, Process process) {
    this.workDir = workDir;
    this.brokerPort = brokerPort;
    this.process = process;
    this.shutdownHook = new Thread(() -> stop(HOOK_STOP_GRACE), "weft-kafka-broker-shutdown");
  }

  /**
   * Starts a single-node KRaft broker (combined broker and controller) in a child JVM on free
   * loopback ports, with its configuration, data and logs under {@code workDir} (created if
   * missing). Returns once an admin client sees the broker in the cluster, at most about 60 s.
   *
   * @throws IllegalStateException if the broker cannot be started or does not become ready; the
   *     message holds the tail of the broker's output and what to check
   */
  public static KafkaBroker start(Path workDir) {
    return start(workDir, Map.of());
  }

  /**
   * Like {@link #start(Path)}, with broker settings that replace or add to the defaults (for
   * example {@code auto.create.topics.enable=false}).
   */
  public static KafkaBroker start(Path workDir, Map<String, String> overrides) {
    Objects.requireNonNull(workDir, "workDir");
    Path dir = workDir.toAbsolutePath().normalize();
    String java = javaExecutable();
    String classPath = brokerClassPath();
    for (int attempt = 1; ; attempt++) {
      Launch launch = new Launch(dir, java, classPath, overrides);
      try {
        return launch.run();
      } catch (PortClash clash) {
        // Another process took one of the free ports between the probe and the broker's bind.
        if (attempt == PORT_ATTEMPTS) {
          throw new IllegalStateException(
              "Kafka broker: all " + PORT_ATTEMPTS + " attempts, each on fresh free ports, failed"
                  + " to bind a port (another process took it first). The last attempt:\n"
                  + clash.failure.getMessage(),
              clash.failure);
        }
      }
    }
  }

  /** The broker's PLAINTEXT listener, for {@code bootstrap.servers}: {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return HOST + ":" + brokerPort;
  }

  /**
   * Stops the broker's JVM (SIGTERM, then a forced kill after a grace period) and deletes the work
   * directory. Calling it again does nothing.
   */
  @Override
  public void close() {
    if (closed.get()) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: it stops the broker.
    }
    stop(STOP_GRACE);
  }

  /**
   * Stops the broker's JVM as an operator would (SIGTERM, a forced kill after the grace period),
   * keeping its data: {@link #restart()} brings it back on the same port with the same topics.
   */
  public void stopKeepingData() {
    if (closed.get()) {
      throw new IllegalStateException("the broker is closed");
    }
    destroy(process, STOP_GRACE);
  }

  /** Starts the broker stopped by {@link #stopKeepingData()} again, on the same ports and data. */
  public void restart() {
    if (closed.get()) {
      throw new IllegalStateException("the broker is closed");
    }
    if (process.isAlive()) {
      throw new IllegalStateException("the broker is running");
    }
    long startNanos = System.nanoTime();
    Process restarted =
        launch(launch.brokerCommand, launch.stdout.toFile(), launch.stderr.toFile(), false);
    process = restarted;
    try {
      launch.awaitReady(restarted, startNanos);
    } catch (PortClash clash) {
      throw new IllegalStateException("Kafka broker: its port was taken while it was stopped", clash.failure);
    }
  }

  /** True while the broker's JVM runs. */
  public boolean isRunning() {
    return !closed.get() && process.isAlive();
  }

  @Override
  public String toString() {
    return "KafkaBroker[" + bootstrapServers() + ", " + workDir + "]";
  }

  private void stop(Duration grace) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    destroy(process, grace);
    deleteRecursively(workDir);
  }

  // ---------------------------------------------------------------------------------------------
  // One start attempt on one pair of ports.

  /** Thrown by a start attempt that lost one of its ports to another process. */
  private static final class PortClash extends Exception {
    private static final long serialVersionUID = 1L;
    final transient IllegalStateException failure;

    PortClash(IllegalStateException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  private static final class Launch {
    private final Path workDir;
    private final String java;
    private final String classPath;
    private final int brokerPort;
    private final int controllerPort;
    private final Path config;
    private final Path logConfig;
    private final Path dataDir;
    private final Path formatLog;
    private final Path stdout;
    private final Path stderr;
    private List<String> brokerCommand = List.of();
    private final Map<String, String> overrides;

    Launch(Path workDir, String java, String classPath, Map<String, String> overrides) {
      this.overrides = Map.copyOf(overrides);
      this.workDir = workDir;
      this.java = java;
      this.classPath = classPath;
      int[] ports = freeLoopbackPorts(2);
      this.brokerPort = ports[0];
      this.controllerPort = ports[1];
      this.config = workDir.resolve("server.properties");
      this.logConfig = workDir.resolve("log4j2.properties");
      this.dataDir = workDir.resolve("data");
      Path logs = workDir.resolve("logs");
      this.formatLog = logs.resolve("storage-format.out");
      this.stdout = logs.resolve("broker.stdout");
      this.stderr = logs.resolve("broker.stderr");
    }

    KafkaBroker run() throws PortClash {
      long startNanos = System.nanoTime();
      try {
        deleteRecursively(dataDir);
        Files.createDirectories(dataDir);
        Files.createDirectories(stdout.getParent());
        Files.writeString(config, serverProperties(), StandardCharsets.UTF_8);
        Files.writeString(logConfig, LOG4J2_PROPERTIES, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(
            "Kafka broker: cannot prepare the work directory " + workDir + ": " + e, e);
      }
      formatStorage(startNanos);

      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(
          List.of(
              "-Xms128m",
              "-Xmx512m",
              "-XX:+UseG1GC",
              "-XX:MaxGCPauseMillis=20",
              "-XX:+ExitOnOutOfMemoryError",
              "-Djava.awt.headless=true",
              "-Dlog4j2.configurationFile=" + logConfig.toUri(),
              "-cp",
              classPath,
              "kafka.Kafka",
              config.toString()));
      brokerCommand = command;
      Process process = launch(command, stdout.toFile(), stderr.toFile(), false);
      KafkaBroker broker = new KafkaBroker(workDir, brokerPort, process);
      broker.launch = this;
      // Registered before waiting, so a test run killed during start-up does not leak the broker.
      Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
      try {
        awaitReady(process, startNanos);
        return broker;
      } catch (RuntimeException | PortClash e) {
        try {
          Runtime.getRuntime().removeShutdownHook(broker.shutdownHook);
        } catch (IllegalStateException shuttingDown) {
          // fine: the hook stops it
        }
        destroy(process, Duration.ofSeconds(5));
        throw e;
      }
    }

    private void formatStorage(long startNanos) throws PortClash {
      String clusterId = Uuid.randomUuid().toString();
      while (clusterId.startsWith("-")) {
        // base64url: one id in 64 starts with '-', which the tool's parser takes for an option
        clusterId = Uuid.randomUuid().toString();
      }
      List<String> command =
          List.of(
              java,
              "-Xmx256m",
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-Djava.awt.headless=true",
              "-Dlog4j2.configurationFile=" + logConfig.toUri(),
              "-cp",
              classPath,
              "kafka.tools.StorageTool",
              "format",
              "--standalone",
              "-t",
              clusterId,
              "-c",
              config.toString());
      Process format = launch(command, formatLog.toFile(), null, true);
      try {
        if (!format.waitFor(FORMAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          destroy(format, Duration.ofSeconds(2));
          throw failure(
              "formatting the storage did not finish within " + FORMAT_TIMEOUT.toSeconds() + " s",
              command,
              startNanos,
              null);
        }
      } catch (InterruptedException e) {
        destroy(format, Duration.ZERO);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Kafka broker: interrupted while formatting storage", e);
      }
      if (format.exitValue() != 0) {
        throw failure(
            "formatting the storage (kafka.tools.StorageTool) exited with code "
                + format.exitValue(),
            command,
            startNanos,
            null);
      }
    }

    private void awaitReady(Process process, long startNanos) throws PortClash {
      long deadline = startNanos + START_TIMEOUT.toNanos();
      // Cheap first: the listener accepts TCP connections. Keeps the admin client from logging a
      // connection warning every few milliseconds while the JVM loads.
      while (!accepts(brokerPort)) {
        checkAlive(process, startNanos);
        checkDeadline(deadline, startNanos, "the PLAINTEXT listener never accepted a connection", null);
        pause(PROBE_INTERVAL);
      }
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + brokerPort);
      props.put(AdminClientConfig.CLIENT_ID_CONFIG, "weft-kafka-broker-probe");
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
      props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "1000");
      props.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "2000");
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
      props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
      props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
      Throwable lastError = null;
      try (Admin admin = Admin.create(props)) {
        while (true) {
          try {
            Collection<Node> nodes =
                admin
                    .describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                    .nodes()
                    .get(3, TimeUnit.SECONDS);
            if (!nodes.isEmpty()) {
              return;
            }
            lastError = new IllegalStateException("describeCluster returned no broker yet");
          } catch (ExecutionException e) {
            lastError = e.getCause() != null ? e.getCause() : e;
          } catch (TimeoutException e) {
            lastError = e;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Kafka broker: interrupted while waiting for it", e);
          }
          checkAlive(process, startNanos);
          checkDeadline(
              deadline, startNanos, "the admin client never saw the broker in the cluster", lastError);
          pause(PROBE_INTERVAL);
        }
      }
    }

    private void checkAlive(Process process, long startNanos) throws PortClash {
      if (process.isAlive()) {
        return;
      }
      IllegalStateException failure =
          failure(
              "the broker JVM exited with code " + process.exitValue() + " before it was ready",
              brokerCommand,
              startNanos,
              null);
      String output = tail(stdout, 400) + tail(stderr, 400);
      if (output.contains("Address already in use") || output.contains("BindException")) {
        throw new PortClash(failure);
      }
      throw failure;
    }

    private void checkDeadline(long deadline, long startNanos, String what, Throwable cause) {
      if (System.nanoTime() - deadline > 0) {
        throw failure(
            "not ready after " + START_TIMEOUT.toSeconds() + " s: " + what, brokerCommand, startNanos, cause);
      }
    }

    private IllegalStateException failure(
        String what, List<String> command, long startNanos, Throwable cause) {
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      StringBuilder msg = new StringBuilder(4096);
      msg.append("Kafka broker failed to start: ").append(what);
      if (cause != null) {
        msg.append(" (last probe error: ").append(cause).append(')');
      }
      msg.append("\n  after: ").append(elapsedMs).append(" ms");
      msg.append("\n  listeners: PLAINTEXT://").append(HOST).append(':').append(brokerPort);
      msg.append(", CONTROLLER://").append(HOST).append(':').append(controllerPort);
      msg.append("\n  work dir: ").append(workDir).append(" (server.properties, data/, logs/)");
      msg.append("\n  command: ").append(abbreviate(command));
      appendTail(msg, "storage format output", formatLog);
      appendTail(msg, "broker stdout", stdout);
      appendTail(msg, "broker stderr", stderr);
      msg.append("\n  What to check:")
          .append("\n  - the JVM running the broker is Java 17 or later (Kafka 4.x brokers need it);")
          .append(" set -D")
          .append(JAVA_HOME_PROPERTY)
          .append("=<jdk> to pick another one than java.home")
          .append("\n  - the jars listed in ")
          .append(CLASSPATH_RESOURCE)
          .append(" exist (rebuild weft-testing: mvn -pl testing install)")
          .append("\n  - loopback ports are free, the work dir is writable, the disk is not full,")
          .append(" and there is memory for a 512 MB heap")
          .append("\n  - the full output files under ")
          .append(workDir.resolve("logs"));
      return new IllegalStateException(msg.toString(), cause);
    }

    private String serverProperties() {
      String controller = HOST + ":" + controllerPort;
      String plaintext = HOST + ":" + brokerPort;
      StringBuilder s = new StringBuilder(2048);
      s.append("# Generated by dev.weft.testing.kafka.KafkaBroker: a single-node test broker.\n");
      prop(s, "process.roles", "broker,controller");
      prop(s, "node.id", "1");
      prop(s, "controller.listener.names", "CONTROLLER");
      prop(s, "listeners", "PLAINTEXT://" + plaintext + ",CONTROLLER://" + controller);
      prop(s, "advertised.listeners", "PLAINTEXT://" + plaintext + ",CONTROLLER://" + controller);
      prop(s, "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      prop(s, "inter.broker.listener.name", "PLAINTEXT");
      // Dynamic quorum (KIP-853), what "StorageTool format --standalone" expects.
      prop(s, "controller.quorum.bootstrap.servers", controller);
      prop(s, "log.dirs", dataDir.toString());
      // One node: every internal topic with one replica, and few partitions so they appear fast.
      prop(s, "num.partitions", "1");
      prop(s, "default.replication.factor", "1");
      prop(s, "min.insync.replicas", "1");
      prop(s, "auto.create.topics.enable", "true");
      prop(s, "offsets.topic.replication.factor", "1");
      prop(s, "offsets.topic.num.partitions", "1");
      prop(s, "transaction.state.log.replication.factor", "1");
      prop(s, "transaction.state.log.min.isr", "1");
      prop(s, "transaction.state.log.num.partitions", "1");
      prop(s, "share.coordinator.state.topic.replication.factor", "1");
      prop(s, "share.coordinator.state.topic.min.isr", "1");
      prop(s, "share.coordinator.state.topic.num.partitions", "1");
      prop(s, "group.initial.rebalance.delay.ms", "0");
      // Fewer threads and buffers than a production broker: this one shares a small machine.
      prop(s, "num.network.threads", "2");
      prop(s, "num.io.threads", "4");
      prop(s, "num.recovery.threads.per.data.dir", "1");
      prop(s, "log.cleaner.threads", "1");
      prop(s, "log.cleaner.dedupe.buffer.size", "16777216");
      // The caller's settings last: a later line wins in a properties file.
      overrides.forEach((key, value) -> prop(s, key, value));
      return s.toString();
    }
  }

  private static final String LOG4J2_PROPERTIES =
      String.join(
          "\n",
          "# Generated by dev.weft.testing.kafka.KafkaBroker.",
          "status = warn",
          "appender.out.type = Console",
          "appender.out.name = STDOUT",
          "appender.out.target = SYSTEM_OUT",
          "appender.out.layout.type = PatternLayout",
          "appender.out.layout.pattern = [%d{ISO8601}] %p %m (%c)%n",
          "rootLogger.level = info",
          "rootLogger.appenderRef.out.ref = STDOUT",
          "logger.request.name = kafka.request.logger",
          "logger.request.level = warn",
          "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
          "logger.config.level = warn",
          "logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser",
          "logger.appinfo.level = warn",
          "");

  // ---------------------------------------------------------------------------------------------
  // Helpers.

  private static void prop(StringBuilder s, String key, String value) {
    // java.util.Properties escaping: only the backslash matters for these values (Windows paths).
    s.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n');
  }

  private static String javaExecutable() {
    String override = System.getProperty(JAVA_HOME_PROPERTY);
    String home = override != null && !override.isBlank() ? override : System.getProperty("java.home");
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    Path java = Paths.get(home, "bin", windows ? "java.exe" : "java");
    if (!Files.isExecutable(java)) {
      throw new IllegalStateException(
          "Kafka broker: no java executable at " + java + "; check -D" + JAVA_HOME_PROPERTY
              + " or java.home");
    }
    if (override == null && Runtime.version().feature() < 17) {
      throw new IllegalStateException(
          "Kafka broker: Kafka 4.x brokers need Java 17 or later, and this JVM (java.home "
              + home + ") is Java " + Runtime.version().feature() + "; set -D"
              + JAVA_HOME_PROPERTY + "=<a JDK 17+ home>");
    }
    return java.toString();
  }

  private static String brokerClassPath() {
    String text;
    try (InputStream in = KafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "Kafka broker: resource " + CLASSPATH_RESOURCE + " is missing next to "
                + KafkaBroker.class.getName() + "; it is written by the weft-testing build"
                + " (maven-antrun-plugin, execution broker-classpath): run mvn -pl testing install");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("Kafka broker: cannot read " + CLASSPATH_RESOURCE, e);
    }
    List<String> missing = new ArrayList<>();
    String[] entries = text.split(java.io.File.pathSeparator);
    for (String entry : entries) {
      if (!entry.isEmpty() && !Files.exists(Paths.get(entry))) {
        missing.add(entry);
      }
    }
    if (text.isEmpty() || !missing.isEmpty()) {
      throw new IllegalStateException(
          "Kafka broker: the class path written at build time lists "
              + (text.isEmpty() ? "nothing" : missing.size() + " jar(s) that do not exist, e.g. " + missing.get(0))
              + "; the local Maven repository changed since weft-testing was built:"
              + " rebuild it (mvn -pl testing install)");
    }
    return text;
  }

  private static Process launch(List<String> command, java.io.File out, java.io.File err, boolean mergeErr) {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    SCRUBBED_ENV.forEach(env::remove);
    pb.redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
    pb.redirectOutput(ProcessBuilder.Redirect.to(out));
    if (mergeErr) {
      pb.redirectErrorStream(true);
    } else {
      pb.redirectError(ProcessBuilder.Redirect.to(err));
    }
    try {
      return pb.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "Kafka broker: cannot start " + command.get(0) + " (" + e.getMessage() + ")", e);
    }
  }

  private static java.io.File nullDevice() {
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    return new java.io.File(windows ? "NUL" : "/dev/null");
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

  private static int[] freeLoopbackPorts(int count) {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = dev.weft.testing.FreePorts.next(); // never one a test's service was given
    }
    return ports;
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Kafka broker: interrupted while waiting for it", e);
    }
  }

  private static String abbreviate(List<String> command) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < command.size(); i++) {
      String arg = command.get(i);
      if (i > 0 && "-cp".equals(command.get(i - 1))) {
        int jars = arg.split(java.io.File.pathSeparator).length;
        arg = "<" + jars + " jars from " + CLASSPATH_RESOURCE + ">";
      }
      s.append(i == 0 ? "" : " ").append(arg);
    }
    return s.toString();
  }

  private static void appendTail(StringBuilder msg, String label, Path file) {
    String tail = tail(file, TAIL_LINES);
    if (tail.isEmpty()) {
      return;
    }
    msg.append("\n  --- last lines of ").append(label).append(" (").append(file).append(") ---\n");
    msg.append(tail);
    msg.append("  --- end of ").append(label).append(" ---");
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
      if (line.isEmpty() && i == all.length - 1) {
        continue;
      }
      s.append("  | ").append(line.length() > 600 ? line.substring(0, 600) + "..." : line).append('\n');
    }
    return s.toString();
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<Path>() {
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
      throw new UncheckedIOException("Kafka broker: cannot delete " + dir, e);
    }
  }
}
