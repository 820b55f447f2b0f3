package dev.weft.smoke.it;

import dev.weft.smoke.it.DeadLetterData.Read;
import dev.weft.testing.kafka.KafkaBroker;
import dev.weft.testing.traces.OtlpReceiver;
import java.io.File;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the dead-letter smoke tests share: the consumer services they start (closed with the
 * harness), their {@code /stats}, the dead-letter topic read back, the agent jar's {@code dlq}
 * command.
 */
final class DeadLetterHarness implements AutoCloseable {

  private final Path workDir;
  private final List<ServiceProcess> services = new ArrayList<>();
  final HttpClient client = Http.newClient();

  DeadLetterHarness(Path workDir) {
    this.workDir = workDir;
  }

  /** Keeps {@code service} to be closed with the harness. */
  ServiceProcess track(ServiceProcess service) {
    services.add(service);
    return service;
  }

  @Override
  public void close() {
    for (ServiceProcess s : services) {
      s.close();
    }
  }

  /**
   * The consumer service of the kafka-service module ({@code DeadLetterService}), on the given
   * kafka-clients, with the agent. Of {@code jvmArgs}, those starting with {@code --} are the
   * service's own options ({@code --exit-after=N}), the others JVM options.
   */
  ServiceProcess startConsumer(
      KafkaBroker broker,
      String name,
      String clients,
      String shape,
      String topic,
      String group,
      Path spool,
      int port,
      int metricsPort,
      OtlpReceiver receiver,
      int delayMs,
      String... jvmArgs) {
    Path dir = SmokeEnv.kafkaServiceDir();
    String cp = dir.resolve("kafka-service.jar") + File.pathSeparator + dir.resolve("libs").resolve(clients) + "/*";
    List<String> jvm = new ArrayList<>(List.of(Services.KEEP_IDLE_CONNECTIONS,
        "-Dweft.metrics.port=" + metricsPort,
        "-Dotel.service.name=dlq-" + shape,
        "-Dweft.dlq.spool.dir=" + spool,
        "-Dweft.dlq.ack.timeout.ms=2000"));
    if (receiver == null) {
      jvm.add("-Dotel.traces.exporter=none");
    } else {
      jvm.addAll(List.of("-Dotel.exporter.otlp.endpoint=" + receiver.endpoint(),
          "-Dotel.bsp.max.queue.size=20000", "-Dotel.bsp.schedule.delay=100"));
    }
    List<String> serviceArgs = new ArrayList<>(List.of("dev.weft.smoke.kafka.DeadLetterService",
        "--port", Integer.toString(port), "--bootstrap", broker.bootstrapServers(), "--topic", topic,
        "--group", group, "--shape", shape, "--delay-ms", Integer.toString(delayMs)));
    for (String arg : jvmArgs) {
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        serviceArgs.add(arg.substring(0, eq));
        serviceArgs.add(arg.substring(eq + 1));
      } else {
        jvm.add(arg);
      }
    }
    jvm.addAll(List.of("-cp", cp));
    ServiceProcess service =
        ServiceProcess.builder("dlq-" + name)
            .java(SmokeEnv.currentJava())
            .agent(SmokeEnv.agentJar())
            .jvmArgs(jvm.toArray(new String[0]))
            .args(serviceArgs.toArray(new String[0]))
            .start();
    track(service);
    service.awaitStdoutLine("dlq-service listening on http://127.0.0.1:" + port, Services.STARTUP);
    return service;
  }

  /** The service's {@code /stats} line: {@code processed=N failedAttempts=M}. */
  String stats(int port) throws Exception {
    return Http.get(client, Http.url(port, "/stats")).body();
  }

  /** Waits until the service has processed {@code ok} records and seen {@code failed} throws. */
  void awaitProcessed(ServiceProcess service, int port, int ok, int failed, Duration within) {
    String expected = "processed=" + ok + " failedAttempts=" + failed;
    Poll.untilValue(Poll.deadline(within), () -> stats(port), expected::equals,
        s -> "the consumer did not get to " + expected + " (" + s + "); " + service.describe());
  }

  /** Waits until the service has been through all of {@link DeadLetterData}'s records, each failure once. */
  void awaitProcessed(ServiceProcess service, int port) {
    awaitProcessed(service, port, DeadLetterData.RECORDS - DeadLetterData.FAILING, DeadLetterData.FAILING,
        Duration.ofSeconds(120));
  }

  /** Waits until the service has been through at least {@code n} records, failed or not. */
  void awaitAttempts(int port, int n, ServiceProcess service) {
    Poll.untilValue(Poll.deadline(Duration.ofSeconds(60)), () -> stats(port),
        s -> attempts(s) >= n, s -> "fewer than " + n + " records processed: " + s + "; " + service.describe());
  }

  /** The sum of a stats line's counts. */
  static long attempts(String stats) {
    long total = 0;
    for (String part : stats.split(" ")) {
      total += Long.parseLong(part.substring(part.indexOf('=') + 1));
    }
    return total;
  }

  /** Waits until the dead-letter topic holds {@code n} records, and returns them. */
  static List<Read> awaitDeadLetters(KafkaBroker broker, String dlqTopic, int n, Duration within) {
    return Poll.untilValue(Poll.deadline(within), () -> DeadLetterData.readAll(broker.bootstrapServers(), dlqTopic),
        list -> list.size() >= n,
        list -> dlqTopic + " holds " + (list == null ? "nothing" : list.size() + " records") + ", expected " + n);
  }

  /** The labels of {@code kafka_dlq_records_total} for a topic dead-lettered to {@code <topic>.dlq}. */
  static Map<String, String> outcome(String topic, String group, String outcome) {
    return Map.of("topic", topic, "dlq_topic", topic + ".dlq", "group", group, "outcome", outcome);
  }

  /** The agent jar's command line, run to its end. */
  Cli cli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SmokeEnv.currentJava().toString(), "-jar",
        SmokeEnv.agentJar().toString()));
    command.addAll(List.of(args));
    Path out = workDir.resolve("cli-" + System.nanoTime() + ".out");
    Path err = workDir.resolve("cli-" + System.nanoTime() + ".err");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("dlq command did not end within 120 s: " + command);
    }
    return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** A finished command: its exit status and output. */
  record Cli(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }
}
