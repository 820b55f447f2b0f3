package dev.weft.smoke.it;

import static dev.weft.smoke.it.MetricsScrape.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The container layer (deploy/container/Dockerfile, and the image tarball the agent build writes
 * with Jib), checked without a container engine: the Dockerfile has the documented form, the
 * built image is one layer holding the agent with the Dockerfile's settings, and a service whose
 * only link to Weft is the image's {@code JAVA_TOOL_OPTIONS} (the layer unpacked as a file system
 * root, the path rewritten to it) is measured exactly, on every JDK; other JVMs started in the
 * same environment, as any tool in the image would be, are not hurt.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ContainerLayerTest {

  /** The repository root, from this module's folder (smoke-tests/tests), where Maven runs tests. */
  private static final Path ROOT = Paths.get("..", "..").toAbsolutePath().normalize();
  private static final Path CONTAINER = ROOT.resolve("deploy").resolve("container");
  private static final Path DOCKERFILE = CONTAINER.resolve("Dockerfile");

  /** Where the image puts the agent, and the one ENV line README and the Dockerfile document. */
  static final String AGENT_IN_IMAGE = "/opt/weft/weft-agent.jar";
  static final String ENV_LINE = "ENV JAVA_TOOL_OPTIONS=\"-javaagent:/opt/weft/weft-agent.jar\"";
  /** The documented form for a base image that sets JAVA_TOOL_OPTIONS itself (a comment). */
  static final String APPEND_LINE =
      "#   ENV JAVA_TOOL_OPTIONS=\"${JAVA_TOOL_OPTIONS} -javaagent:/opt/weft/weft-agent.jar\"";
  static final String METRICS_PORT = "9464";
  static final int REQUESTS = 25;
  static final String SERVICE_NAME = "container-test";
  static final Duration SHORT_JVM = Duration.ofSeconds(90);

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;

  /** The image's file system: every layer of the built tarball unpacked, in order. */
  private static Path rootfs;
  private static JsonNode manifest;
  private static JsonNode imageConfig;
  private static List<TarEntry> layerEntries;
  private static List<String> layerDiffIds;

  static Stream<Named<Path>> jdks() {
    return SmokeEnv.jdkHomes().stream().map(home -> Named.of("JDK " + home, home));
  }

  @BeforeAll
  static void unpackBuiltImage() throws IOException {
    Path tarball = SmokeEnv.agentImageTar();
    Path image = Files.createDirectories(work.resolve("image"));
    try (InputStream in = Files.newInputStream(tarball)) {
      for (TarEntry entry : Tar.read(in, image)) {
        assertFalse(entry.name.contains("/"), "the image tarball is flat, got " + entry.name);
      }
    }
    manifest = JSON.readTree(image.resolve("manifest.json").toFile());
    assertEquals(1, manifest.size(), "one image in " + tarball + ": " + manifest);
    imageConfig = JSON.readTree(image.resolve(manifest.get(0).get("Config").asText()).toFile());

    rootfs = Files.createDirectories(work.resolve("rootfs"));
    layerEntries = new ArrayList<>();
    layerDiffIds = new ArrayList<>();
    for (JsonNode layer : manifest.get(0).get("Layers")) {
      MessageDigest sha256 = sha256();
      try (InputStream in = new DigestInputStream(
          new GZIPInputStream(Files.newInputStream(image.resolve(layer.asText()))), sha256)) {
        layerEntries.addAll(Tar.read(in, rootfs));
        in.transferTo(java.io.OutputStream.nullOutputStream()); // the end-of-archive blocks count for the digest
      }
      layerDiffIds.add("sha256:" + HexFormat.of().formatHex(sha256.digest()));
    }
  }

  @Test
  void dockerfileAddsTheAgentToAnyJvmImageAndChangesNothingElse() throws IOException {
    List<String> instructions = instructions(read(DOCKERFILE));
    List<String> problems = new ArrayList<>();

    if (instructions.isEmpty() || !instructions.get(0).matches("ARG BASE_IMAGE=\\S+")) {
      problems.add("the first instruction must be ARG BASE_IMAGE=<default>, is "
          + (instructions.isEmpty() ? "nothing" : instructions.get(0)));
    }
    List<String> froms = withKeyword(instructions, "FROM");
    if (!froms.equals(List.of("FROM ${BASE_IMAGE}"))) {
      problems.add("expected exactly FROM ${BASE_IMAGE}, found " + froms);
    }
    List<String> copies = withKeyword(instructions, "COPY");
    if (!copies.equals(List.of("COPY weft-agent.jar " + AGENT_IN_IMAGE))) {
      problems.add("expected exactly COPY weft-agent.jar " + AGENT_IN_IMAGE + ", found " + copies);
    }
    List<String> envs = withKeyword(instructions, "ENV");
    if (!envs.equals(List.of(ENV_LINE))) {
      problems.add("the only ENV must be the documented " + ENV_LINE + " (WEFT_*/OTEL_* settings"
          + " are examples in comments), found " + envs);
    }
    if (!withKeyword(instructions, "EXPOSE").equals(List.of("EXPOSE " + METRICS_PORT))) {
      problems.add("expected EXPOSE " + METRICS_PORT + ", found "
          + withKeyword(instructions, "EXPOSE"));
    }
    // The layer must work for any application image: it changes neither what runs nor as whom.
    for (String keyword : List.of("ENTRYPOINT", "CMD", "USER", "WORKDIR", "RUN", "SHELL")) {
      if (!withKeyword(instructions, keyword).isEmpty()) {
        problems.add("no " + keyword + " allowed, found " + withKeyword(instructions, keyword));
      }
    }
    Map<String, String> labels = dockerfileLabels(instructions);
    for (String key : List.of("org.opencontainers.image.title", "org.opencontainers.image.source",
        "org.opencontainers.image.version", "org.opencontainers.image.description")) {
      if (!labels.containsKey(key)) {
        problems.add("no LABEL " + key + " (labels: " + labels + ")");
      }
    }
    if (!read(DOCKERFILE).lines().anyMatch(APPEND_LINE::equals)) {
      problems.add("the comment showing how to append to a base image's JAVA_TOOL_OPTIONS is"
          + " missing; expected the line: " + APPEND_LINE);
    }
    List<String> ignore = read(CONTAINER.resolve("Dockerfile.dockerignore")).lines()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).collect(Collectors.toList());
    if (!ignore.equals(List.of("*", "!weft-agent.jar"))) {
      problems.add("Dockerfile.dockerignore must keep only weft-agent.jar, has " + ignore);
    }
    assertEquals(List.of(), problems, DOCKERFILE + " is not in the documented form");

    String readme = read(CONTAINER.resolve("README.md"));
    assertTrue(readme.contains("-f deploy/container/Dockerfile agent/target"),
        "deploy/container/README.md must show the docker build command with its context");
    assertTrue(readme.contains(APPEND_LINE.substring(4)),
        "deploy/container/README.md must show the appending ENV form");
  }

  @Test
  void builtImageIsOneLayerHoldingTheAgentWithTheDockerfilesSettings() throws IOException {
    String version = SmokeEnv.projectVersion();
    assertEquals("[\"weft-agent:" + version + "\"]",
        manifest.get(0).get("RepoTags").toString(), "image name");
    assertEquals("linux", imageConfig.path("os").asText(), "os");

    JsonNode config = imageConfig.get("config");
    List<String> env = new ArrayList<>();
    config.path("Env").forEach(e -> env.add(e.asText()));
    assertEquals(List.of("JAVA_TOOL_OPTIONS=" + dockerfileJavaToolOptions()), env,
        "the image's environment must be the Dockerfile's ENV");
    assertEquals(List.of(METRICS_PORT + "/tcp"), fieldNames(config.path("ExposedPorts")),
        "exposed ports");
    for (String field : List.of("Entrypoint", "Cmd", "User", "WorkingDir")) {
      assertTrue(config.path(field).isMissingNode() || config.path(field).isNull(),
          "a layer image must not set " + field + ": " + config);
    }
    Map<String, String> dockerfileLabels = dockerfileLabels(instructions(read(DOCKERFILE)));
    JsonNode labels = config.path("Labels");
    for (String key : List.of("org.opencontainers.image.title",
        "org.opencontainers.image.source")) {
      assertEquals(dockerfileLabels.get(key), labels.path(key).asText(null),
          "label " + key + " differs between the image and the Dockerfile");
    }
    assertEquals(version, labels.path("org.opencontainers.image.version").asText(null),
        "label org.opencontainers.image.version");

    List<String> diffIds = new ArrayList<>();
    imageConfig.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
    assertEquals(diffIds, layerDiffIds, "the layers are not the ones the image config names");
    assertEquals(1, layerDiffIds.size(), "one layer: the agent");

    Map<String, String> entries = new TreeMap<>();
    for (TarEntry e : layerEntries) {
      entries.put(e.name, (e.directory ? "dir " : "file ") + Integer.toOctalString(e.mode)
          + " " + e.uid + ":" + e.gid);
    }
    assertEquals(Map.of(
            "opt/", "dir 755 0:0",
            "opt/weft/", "dir 755 0:0",
            AGENT_IN_IMAGE.substring(1), "file 644 0:0"),
        entries, "the layer holds the agent, world-readable, and nothing else");
    Path agent = rootfs.resolve(AGENT_IN_IMAGE.substring(1));
    assertEquals(-1L, Files.mismatch(agent, SmokeEnv.agentJar()),
        "the layer's " + AGENT_IN_IMAGE + " is not the built " + SmokeEnv.agentJar());
    assertTrue(Files.getPosixFilePermissions(agent).contains(PosixFilePermission.OTHERS_READ));
  }

  /** Every WEFT_* or OTEL_* variable the Dockerfile and its README name is one Weft reads. */
  @Test
  void documentedVariablesAreWeftSettings() throws IOException {
    ServiceProcess cli = ServiceProcess.builder("ContainerLayerTest-config")
        .jar(SmokeEnv.agentJar()).args("config").start();
    try (cli) {
      assertEquals(0, cli.awaitExit(SHORT_JVM), cli.describe());
    }
    Pattern variable = Pattern.compile("\\b(?:WEFT|OTEL)_[A-Z0-9_]*[A-Z0-9]\\b");
    Set<String> known = new TreeSet<>();
    Matcher m = variable.matcher(String.join("\n", cli.stdoutLines()));
    while (m.find()) {
      known.add(m.group());
    }
    assertTrue(known.contains("WEFT_METRICS_PORT") && known.contains("OTEL_SERVICE_NAME"),
        "java -jar weft-agent.jar config no longer names the variables: " + cli.describe());
    Set<String> unknown = new TreeSet<>();
    for (Path doc : List.of(DOCKERFILE, CONTAINER.resolve("README.md"))) {
      Matcher d = variable.matcher(read(doc));
      while (d.find()) {
        if (!known.contains(d.group())) {
          unknown.add(d.group() + " (" + ROOT.relativize(doc) + ")");
        }
      }
    }
    assertEquals(Set.of(), unknown, "variables Weft does not read; it reads " + known);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jdks")
  void serviceAttachesThroughJavaToolOptionsAlone(Path jdk) throws Exception {
    Path java = SmokeEnv.javaOf(jdk);
    String imageValue = dockerfileJavaToolOptions();
    // The image's value, its path moved into the unpacked layer.
    String value = imageValue.replace("-javaagent:" + AGENT_IN_IMAGE,
        "-javaagent:" + rootfs.resolve(AGENT_IN_IMAGE.substring(1)));
    assertNotEquals(imageValue, value, "the agent path of " + imageValue + " was not rewritten");
    String pickedUp = "Picked up JAVA_TOOL_OPTIONS: " + value;
    int appPort = SmokeEnv.freePort();
    int metricsPort = SmokeEnv.freePort();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("JAVA_TOOL_OPTIONS", value);
    env.put("WEFT_METRICS_PORT", Integer.toString(metricsPort));
    env.put("WEFT_METRICS_LABELS", "region=test");
    env.put("OTEL_SERVICE_NAME", SERVICE_NAME);
    env.put("WEFT_TRACES_ENABLED", "false");
    String name = "ContainerLayerTest-" + jdk.getFileName();
    String version = SmokeEnv.projectVersion();
    HttpClient client = Http.newClient();

    try (ServiceProcess service = startService(name, java, appPort, env)) {
      assertFalse(commandOf(service).contains("-javaagent"),
          "the service must get the agent from the environment only: " + commandOf(service));
      Poll.until(Poll.deadline(Duration.ofSeconds(10)),
          () -> service.stderrLines().contains(pickedUp),
          "the JVM did not print '" + pickedUp + "'\n" + service.describe());
      MetricsScrape before = Http.awaitMetrics(service, client, metricsPort, Services.STARTUP);
      String started = "[weft] INFO Weft " + version + " started for service '" + SERVICE_NAME
          + "': metrics at http://0.0.0.0:" + metricsPort + "/metrics; traces off;";
      Poll.until(Poll.deadline(Duration.ofSeconds(20)),
          () -> service.weftLines().stream().anyMatch(l -> l.startsWith(started)),
          "no Weft start line beginning '" + started + "'\n" + service.describe());

      for (int i = 0; i < REQUESTS; i++) {
        HttpResponse<String> response = Http.get(client, Http.url(appPort, "/hello"));
        assertEquals(200, response.statusCode(), "GET /hello");
        assertEquals("hello", response.body());
      }
      Map<String, String> hello =
          labels("method", "GET", "endpoint", "/hello", "status", "200", "region", "test");
      MetricsScrape after = Poll.untilValue(
          Poll.deadline(Duration.ofSeconds(20)),
          () -> Http.scrape(client, metricsPort),
          s -> s.valueOrZero("http_requests_total", hello)
              - before.valueOrZero("http_requests_total", hello) >= REQUESTS,
          s -> "Weft did not count " + REQUESTS + " requests; last scrape:\n" + s + "\n"
              + service.describe());
      assertEquals(Map.of(List.of("GET", "/hello", "200", "test"), (double) REQUESTS),
          after.deltasSince(before, "http_requests_total", "method", "endpoint", "status",
              "region"),
          "http_requests_total deltas per (method, endpoint, status, region)");
      assertFalse(after.series("weft_agent_info").isEmpty(),
          "weft_agent_info missing; series: " + after.names());
      List<String> unlabelled = after.samples().stream()
          .filter(s -> !s.hasLabels(labels("region", "test")))
          .map(MetricsScrape.Sample::toString).collect(Collectors.toList());
      assertEquals(List.of(), unlabelled,
          "WEFT_METRICS_LABELS=region=test must label every series");
      assertEquals(List.of(), warningsOrErrors(service), "Weft complained on a clean start");

      // Any JVM in the image gets the same environment. One that exits at once exits normally.
      // Weft starts there too (its premain runs), but the JVM is gone before Weft's background
      // start-up binds the port or prints its start line: at most those lines may appear.
      long t0 = System.nanoTime();
      ServiceProcess versionJvm = shortJvm(name + "-java-version", java, env, "-version");
      long versionMillis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(versionJvm.stderrLines().contains(pickedUp), versionJvm.describe());
      assertTrue(versionJvm.stderrLines().stream()
              .anyMatch(l -> l.matches("(openjdk|java) version \"\\d+.*")),
          "java -version printed no version\n" + versionJvm.describe());
      String portWarning = "[weft] WARN cannot serve /metrics on 0.0.0.0:" + metricsPort + ":";
      List<String> unexpected = versionJvm.weftLines().stream()
          .filter(l -> !l.startsWith(portWarning)
              && !l.startsWith("[weft] INFO Weft " + version + " started for service '"
                  + SERVICE_NAME + "': metrics not served;"))
          .collect(Collectors.toList());
      assertEquals(List.of(), unexpected, "java -version in the image's environment\n"
          + versionJvm.describe());
      assertTrue(versionJvm.stderrLines().stream().noneMatch(l -> l.startsWith("\tat ")),
          "a stack trace from java -version\n" + versionJvm.describe());
      System.out.println("ContainerLayerTest: java -version with Weft in JAVA_TOOL_OPTIONS took "
          + versionMillis + " ms on " + jdk + "; Weft lines: " + versionJvm.weftLines());

      // That Weft really starts in such a JVM: its premain reports its start-up in debug mode.
      Map<String, String> debugEnv = new LinkedHashMap<>(env);
      debugEnv.put("WEFT_DEBUG", "true");
      ServiceProcess debugJvm = shortJvm(name + "-java-version-debug", java, debugEnv, "-version");
      assertTrue(debugJvm.weftLines().stream()
              .anyMatch(l -> l.startsWith("[weft] DEBUG start-up on the application's thread:")),
          "Weft's premain did not run in java -version\n" + debugJvm.describe());

      // A second long-running JVM: the service holds the /metrics port, so Weft says so in one
      // line and that JVM runs on.
      int secondPort = SmokeEnv.freePort();
      try (ServiceProcess second = startService(name + "-second", java, secondPort, env)) {
        HttpResponse<String> response = Http.get(client, Http.url(secondPort, "/hello"));
        assertEquals(200, response.statusCode(), "the second JVM's service must serve");
        String notServed = "[weft] INFO Weft " + version + " started for service '"
            + SERVICE_NAME + "': metrics not served;";
        Poll.until(Poll.deadline(Duration.ofSeconds(20)),
            () -> second.weftLines().stream().anyMatch(l -> l.startsWith(notServed)),
            "the second JVM's Weft did not start with metrics not served\n" + second.describe());
        List<String> portLines = second.weftLines().stream()
            .filter(l -> l.matches(".*(?<![0-9])" + metricsPort + "(?![0-9]).*"))
            .collect(Collectors.toList());
        assertEquals(1, portLines.size(), "one line about the taken port " + metricsPort
            + ", got " + portLines + "\n" + second.describe());
        assertTrue(portLines.get(0).startsWith(portWarning), portLines.get(0));
        assertEquals(List.of(portLines.get(0)), warningsOrErrors(second),
            "the taken port must be the second JVM's only complaint");
        assertTrue(second.isAlive(), second.describe());
      }

      // The service and its /metrics went through all of this untouched.
      MetricsScrape last = Http.scrape(client, metricsPort);
      assertEquals(after.value("http_requests_total", hello),
          last.value("http_requests_total", hello), "the service's count moved");
      assertTrue(service.isAlive(), service.describe());
      assertEquals(List.of(), warningsOrErrors(service), "Weft complained in the service");
    }
  }

  // --- processes ---

  private static ServiceProcess startService(
      String name, Path java, int appPort, Map<String, String> env) {
    // No -javaagent: the agent comes only through the environment's JAVA_TOOL_OPTIONS.
    ServiceProcess.Builder builder =
        ServiceProcess.builder(name).java(java).jvmArgs(Services.KEEP_IDLE_CONNECTIONS);
    env.forEach(builder::env);
    return Services.jdkHttpService(builder, appPort);
  }

  /** Runs a JVM that ends by itself; it must exit 0 within {@link #SHORT_JVM}. */
  private static ServiceProcess shortJvm(
      String name, Path java, Map<String, String> env, String... args) {
    ServiceProcess.Builder builder = ServiceProcess.builder(name).java(java).args(args);
    env.forEach(builder::env);
    ServiceProcess jvm = builder.start();
    try (jvm) {
      int exit = jvm.awaitExit(SHORT_JVM);
      assertEquals(0, exit, "exit code of " + name + "\n" + jvm.describe());
    }
    return jvm;
  }

  private static String commandOf(ServiceProcess process) {
    return process.describe().lines().filter(l -> l.startsWith("command: "))
        .findFirst().orElseThrow();
  }

  private static List<String> warningsOrErrors(ServiceProcess process) {
    return process.weftLines().stream()
        .filter(l -> l.startsWith("[weft] WARN") || l.startsWith("[weft] ERROR"))
        .collect(Collectors.toList());
  }

  // --- the Dockerfile ---

  /** The value the Dockerfile's ENV line gives JAVA_TOOL_OPTIONS. */
  private static String dockerfileJavaToolOptions() {
    List<String> envs = withKeyword(instructions(read(DOCKERFILE)), "ENV");
    Matcher m = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(
        envs.isEmpty() ? "" : envs.get(0));
    if (envs.size() != 1 || !m.matches()) {
      fail("expected one ENV JAVA_TOOL_OPTIONS=\"...\" in " + DOCKERFILE + ", found " + envs);
    }
    return m.group(1);
  }

  /** Instructions without comments and blank lines, continuation lines joined by one space. */
  static List<String> instructions(String dockerfile) {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : dockerfile.split("\n", -1)) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
        continue;
      }
      boolean continues = line.endsWith("\\");
      if (continues) {
        line = line.substring(0, line.length() - 1).strip();
      }
      if (!line.isEmpty()) {
        current.append(current.length() == 0 ? "" : " ").append(line);
      }
      if (!continues && current.length() > 0) {
        result.add(current.toString());
        current.setLength(0);
      }
    }
    if (current.length() > 0) {
      result.add(current.toString());
    }
    return result;
  }

  static List<String> withKeyword(List<String> instructions, String keyword) {
    return instructions.stream()
        .filter(i -> i.regionMatches(true, 0, keyword + " ", 0, keyword.length() + 1))
        .collect(Collectors.toList());
  }

  static Map<String, String> dockerfileLabels(List<String> instructions) {
    Map<String, String> labels = new LinkedHashMap<>();
    Pattern pair = Pattern.compile("([\\w.-]+)=\"([^\"]*)\"");
    for (String label : withKeyword(instructions, "LABEL")) {
      Matcher m = pair.matcher(label);
      while (m.find()) {
        labels.put(m.group(1), m.group(2));
      }
    }
    return labels;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String read(Path file) {
    if (!Files.isRegularFile(file)) {
      fail("missing " + file + " (the repository root is taken to be " + ROOT + ")");
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- a tar reader, enough for image tarballs and their layers ---

  record TarEntry(String name, boolean directory, int mode, long uid, long gid, long size) {}

  /**
   * Reads a POSIX (ustar/pax) tar stream and writes its directories and regular files under
   * {@code into}. Pax extended headers may set the next entry's path; other pax keys (times) are
   * ignored. Links, devices and absolute or {@code ..} paths fail the test: an image layer of
   * Weft's has none.
   */
  static final class Tar {
    private Tar() {}

    static List<TarEntry> read(InputStream in, Path into) throws IOException {
      List<TarEntry> entries = new ArrayList<>();
      String paxPath = null;
      byte[] header = new byte[512];
      while (true) {
        if (!readBlock(in, header)) {
          return entries; // end of stream without the end-of-archive blocks
        }
        if (isZeros(header)) {
          return entries;
        }
        String name = text(header, 0, 100);
        String prefix = text(header, 345, 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
        long size = octal(header, 124, 12);
        char type = (char) header[156];
        byte[] data = readData(in, size);
        if (type == 'x') {
          paxPath = paxRecords(data).getOrDefault("path", paxPath);
          continue;
        }
        if (type == 'g') {
          continue;
        }
        if (paxPath != null) {
          name = paxPath;
          paxPath = null;
        }
        if (name.startsWith("/") || Stream.of(name.split("/")).anyMatch(".."::equals)) {
          fail("tar entry with an unsafe path: " + name);
        }
        int mode = (int) octal(header, 100, 8) & 07777;
        long uid = octal(header, 108, 8);
        long gid = octal(header, 116, 8);
        Path target = into.resolve(name).normalize();
        if (type == '5') {
          Files.createDirectories(target);
        } else if (type == '0' || type == '\0') {
          Files.createDirectories(target.getParent());
          Files.write(target, data);
          Files.setPosixFilePermissions(target, permissions(mode));
        } else {
          fail("unexpected tar entry type '" + type + "' for " + name);
        }
        entries.add(new TarEntry(name, type == '5', mode, uid, gid, size));
      }
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
      int n = in.readNBytes(block, 0, block.length);
      if (n == 0) {
        return false;
      }
      if (n < block.length) {
        throw new EOFException("truncated tar header");
      }
      return true;
    }

    private static byte[] readData(InputStream in, long size) throws IOException {
      if (size > Integer.MAX_VALUE - 1024) {
        fail("tar entry too large for this test: " + size);
      }
      byte[] data = in.readNBytes((int) size);
      if (data.length != size) {
        throw new EOFException("truncated tar entry");
      }
      long padding = (512 - size % 512) % 512;
      if (in.readNBytes((int) padding).length != padding) {
        throw new EOFException("truncated tar padding");
      }
      return data;
    }

    private static Map<String, String> paxRecords(byte[] data) {
      Map<String, String> records = new LinkedHashMap<>();
      int pos = 0;
      while (pos < data.length) {
        int space = pos;
        while (space < data.length && data[space] != ' ') {
          space++;
        }
        int length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.UTF_8));
        String record = new String(data, space + 1, length - (space - pos) - 2,
            StandardCharsets.UTF_8);
        int eq = record.indexOf('=');
        records.put(record.substring(0, eq), record.substring(eq + 1));
        pos += length;
      }
      return records;
    }

    private static boolean isZeros(byte[] block) {
      for (byte b : block) {
        if (b != 0) {
          return false;
        }
      }
      return true;
    }

    private static String text(byte[] header, int offset, int length) {
      int end = offset;
      while (end < offset + length && header[end] != 0) {
        end++;
      }
      return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length) {
      String digits = text(header, offset, length).strip();
      return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
    }

    private static Set<PosixFilePermission> permissions(int mode) {
      Set<PosixFilePermission> set = new java.util.HashSet<>();
      PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ
      };
      for (int bit = 0; bit < order.length; bit++) {
        if ((mode & (1 << bit)) != 0) {
          set.add(order[bit]);
        }
      }
      return set;
    }
  }
}
