package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the things under test live. Paths come from surefire's {@code systemPropertyVariables}
 * (see the module's pom); the fallbacks make the tests runnable from an IDE whose working
 * directory is this module. Anything missing makes the test FAIL with what to build or install.
 */
public final class SmokeEnv {

  public static final String TEMURIN_25_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64";

  private SmokeEnv() {}

  public static Path agentJar() {
    return existingFile(
        "weft.smoke.agentJar",
        "../../agent/target/weft-agent.jar",
        "the Weft agent jar",
        "build it with: mvn -B -pl agent -am package (from the repository root)");
  }

  /**
   * The agent as a container image ({@code docker load} tarball, one layer holding
   * /opt/weft/weft-agent.jar), which the agent build writes beside the jar.
   */
  public static Path agentImageTar() {
    return existingFile(
        "weft.smoke.agentImageTar",
        "../../agent/target/weft-agent-image.tar",
        "the Weft agent image tarball",
        "build it with: mvn -B -pl agent -am package (from the repository root)");
  }

  public static Path jdkHttpServiceJar() {
    return existingFile(
        "weft.smoke.jdkHttpServiceJar",
        "../jdk-http-service/target/jdk-http-service.jar",
        "the jdk-http-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/jdk-http-service package");
  }

  public static Path bundledLibsServiceJar() {
    return existingFile(
        "weft.smoke.bundledLibsServiceJar",
        "../bundled-libs-service/target/bundled-libs-service.jar",
        "the bundled-libs-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/bundled-libs-service package");
  }

  /**
   * The http-client-service build folder: {@code http-client-service.jar} and, under
   * {@code libs/<library>-<version>/}, the client library versions it runs against.
   */
  public static Path httpClientServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.httpClientServiceJar",
            "../http-client-service/target/http-client-service.jar",
            "the http-client-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/http-client-service package");
    return jar.getParent();
  }

  /**
   * The jdbc-service build folder: {@code jdbc-service.jar} and, under
   * {@code libs/<library>-<version>/}, the JDBC drivers and pools it runs with.
   */
  public static Path jdbcServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.jdbcServiceJar",
            "../jdbc-service/target/jdbc-service.jar",
            "the jdbc-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/jdbc-service package");
    return jar.getParent();
  }

  /** The grpc-service build folder: {@code grpc-service.jar} and {@code libs/}. */
  public static Path grpcServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.grpcServiceJar",
            "../grpc-service/target/grpc-service.jar",
            "the grpc-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/grpc-service package");
    return jar.getParent();
  }

  /** The redis-service build folder: {@code redis-service.jar} and {@code libs/jedis-<version>/}. */
  public static Path redisServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.redisServiceJar",
            "../redis-service/target/redis-service.jar",
            "the redis-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/redis-service package");
    return jar.getParent();
  }

  /** The lettuce-service build folder: {@code lettuce-service.jar} and {@code libs/lettuce-<version>/}. */
  public static Path lettuceServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.lettuceServiceJar",
            "../lettuce-service/target/lettuce-service.jar",
            "the lettuce-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/lettuce-service package");
    return jar.getParent();
  }

  /**
   * The log-service build folder: {@code log-service.jar} and, under {@code libs/<framework>-<version>/},
   * the Logback and Log4j2 versions it runs with (java.util.logging needs none).
   */
  public static Path logServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.logServiceJar",
            "../log-service/target/log-service.jar",
            "the log-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/log-service package");
    return jar.getParent();
  }

  /** The netty-service runnable jar: a plain Netty 4.2 HTTP server, Netty and Logback inside. */
  public static Path nettyServiceJar() {
    return existingFile(
        "weft.smoke.nettyServiceJar",
        "../netty-service/target/netty-service.jar",
        "the netty-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/netty-service package");
  }

  /**
   * A plain Netty smoke service's runnable jar: {@code netty-service} (Netty 4.2) or {@code
   * netty-41-service} (the same application on Netty 4.1).
   */
  public static Path nettyServiceJar(String module) {
    if (!module.equals("netty-41-service")) {
      return nettyServiceJar();
    }
    return existingFile(
        "weft.smoke.netty41ServiceJar",
        "../netty-41-service/target/netty-41-service.jar",
        "the netty-41-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/netty-41-service package");
  }

  /**
   * A WebFlux smoke service's Spring Boot executable jar: {@code webflux-service} (Boot 3.5) or
   * {@code webflux-4-service} (Boot 4.0), the same application; run it with {@code java -jar}.
   */
  public static Path webfluxServiceJar(String module) {
    String property =
        module.equals("webflux-4-service")
            ? "weft.smoke.webflux4ServiceJar"
            : "weft.smoke.webfluxServiceJar";
    return existingFile(
        property,
        "../" + module + "/target/" + module + ".jar",
        "the " + module + " smoke jar",
        "build it with: mvn -B -pl smoke-tests/" + module + " package");
  }

  /**
   * A Vert.x smoke service's runnable jar: {@code vertx-service} (Vert.x 4.5) or {@code
   * vertx-5-service} (Vert.x 5.0), the same application; run it with {@code java -jar}.
   */
  public static Path vertxServiceJar(String module) {
    String property =
        module.equals("vertx-5-service") ? "weft.smoke.vertx5ServiceJar" : "weft.smoke.vertxServiceJar";
    return existingFile(
        property,
        "../" + module + "/target/" + module + ".jar",
        "the " + module + " smoke jar",
        "build it with: mvn -B -pl smoke-tests/" + module + " package");
  }

  /** The Spring Cloud Gateway smoke service's executable jar. */
  public static Path gatewayServiceJar() {
    return existingFile(
        "weft.smoke.gatewayServiceJar",
        "../gateway-service/target/gateway-service.jar",
        "the gateway-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/gateway-service package");
  }

  /** The kafka-service build folder: {@code kafka-service.jar} and {@code libs/kafka-clients-<version>/}. */
  public static Path kafkaServiceDir() {
    Path jar =
        existingFile(
            "weft.smoke.kafkaServiceJar",
            "../kafka-service/target/kafka-service.jar",
            "the kafka-service smoke jar",
            "build it with: mvn -B -pl smoke-tests/kafka-service package");
    return jar.getParent();
  }

  /**
   * The spring-kafka-service Spring Boot executable jar (one {@code @KafkaListener}, no Weft
   * configuration); run it with {@code java -jar}.
   */
  public static Path springKafkaServiceJar() {
    return existingFile(
        "weft.smoke.springKafkaServiceJar",
        "../spring-kafka-service/target/spring-kafka-service.jar",
        "the spring-kafka-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/spring-kafka-service package");
  }

  /** The same application built with Spring Boot 4.0 (spring-kafka 4.0, kafka-clients 4.x). */
  public static Path springKafka4ServiceJar() {
    return existingFile(
        "weft.smoke.springKafka4ServiceJar",
        "../spring-kafka-4-service/target/spring-kafka-4-service.jar",
        "the spring-kafka-4-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/spring-kafka-4-service package");
  }

  /**
   * The boot4-service Spring Boot executable jar: an order service on Spring Boot 4.0 (MVC, JPA on
   * PostgreSQL, Redis, Kafka) with no Weft code or configuration; run it with {@code java -jar}.
   */
  public static Path boot4ServiceJar() {
    return existingFile(
        "weft.smoke.boot4ServiceJar",
        "../boot4-service/target/boot4-service.jar",
        "the boot4-service smoke jar",
        "build it with: mvn -B -pl smoke-tests/boot4-service package");
  }

  public static Path chainServicesJar() {
    return existingFile(
        "weft.smoke.chainServicesJar",
        "../chain-services/target/chain-services.jar",
        "the chain-services smoke jar (gateway, worker, executor)",
        "build it with: mvn -B -pl smoke-tests/chain-services package");
  }

  public static Path throwingExtensionJar() {
    return existingFile(
        "weft.smoke.throwingExtensionJar",
        "../throwing-extension/target/throwing-extension.jar",
        "the throwing test extension jar",
        "build it with: mvn -B -pl smoke-tests/throwing-extension package");
  }

  /**
   * A servlet smoke service's runnable jar: {@code smoke-tests/<module>/target/<module>.jar}
   * (servlet-tomcat9, servlet-jetty12, servlet-spring-boot, ...).
   */
  public static Path servletServiceJar(String module) {
    String dir = System.getProperty("weft.smoke.servletServicesDir", "..");
    Path jar = Paths.get(dir, module, "target", module + ".jar");
    if (!Files.isRegularFile(jar)) {
      fail("the " + module + " smoke service jar is missing (" + jar.toAbsolutePath() + "): build"
          + " it with: mvn -B -pl smoke-tests/" + module + " -am package");
    }
    return jar;
  }

  /** The project version the agent jar must report. */
  public static String projectVersion() {
    String version = System.getProperty("weft.smoke.version");
    if (version == null || version.isBlank()) {
      fail("system property weft.smoke.version is not set: run the tests through Maven"
          + " (mvn -pl smoke-tests/tests verify) or pass -Dweft.smoke.version=<project version>");
    }
    return version;
  }

  public static Path logDir() {
    Path dir = Paths.get(System.getProperty("weft.smoke.logDir", "target/smoke-logs"));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the smoke log folder " + dir, e);
    }
    return dir;
  }

  /** The {@code java} launcher of the JVM running the tests. */
  public static Path currentJava() {
    return javaOf(Paths.get(System.getProperty("java.home")));
  }

  /**
   * The JDK homes the multi-JDK tests run on: {@code -Dweft.test.jdks=<home>,<home>} (or the
   * environment variable {@code WEFT_TEST_JDKS}) or, by default, the JDK running the tests plus
   * Temurin 25.
   */
  public static List<Path> jdkHomes() {
    Set<Path> homes = new LinkedHashSet<>();
    String override = System.getProperty("weft.test.jdks");
    if (override == null || override.isBlank()) {
      override = System.getenv("WEFT_TEST_JDKS");
    }
    if (override != null && !override.isBlank()) {
      for (String home : override.split(",")) {
        if (!home.isBlank()) {
          homes.add(Paths.get(home.trim()).toAbsolutePath().normalize());
        }
      }
    } else {
      homes.add(Paths.get(System.getProperty("java.home")).toAbsolutePath().normalize());
      homes.add(Paths.get(TEMURIN_25_HOME));
    }
    return new ArrayList<>(homes);
  }

  /** {@code <home>/bin/java}; fails with install instructions when it is not there. */
  public static Path javaOf(Path home) {
    Path java = home.resolve("bin").resolve("java");
    if (!Files.isExecutable(java)) {
      fail("no JDK at " + home + " (" + java + " is missing or not executable). Install it"
          + (home.toString().contains("temurin-25")
              ? " (e.g. apt-get install temurin-25-jdk from the Adoptium repository)"
              : "")
          + " or choose the JDKs to test with -Dweft.test.jdks=<java home>,<java home>"
          + " (or WEFT_TEST_JDKS)");
    }
    return java;
  }

  /** The promtool binary: {@code -Dweft.test.promtool}, else /usr/bin/promtool, else PATH. */
  public static Path promtool() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getProperty("weft.test.promtool");
    if (configured != null && !configured.isBlank()) {
      candidates.add(Paths.get(configured));
    }
    candidates.add(Paths.get("/usr/bin/promtool"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          candidates.add(Paths.get(dir, "promtool"));
        }
      }
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return fail("promtool not found (looked at " + candidates + "). Install it, e.g. apt-get install"
        + " prometheus, or download it from https://prometheus.io/download/ and pass"
        + " -Dweft.test.promtool=/path/to/promtool");
  }

  /** A port that was free on the loopback interface a moment ago. */
  /**
   * True when the long form of the load and fault tests runs ({@code -Dweft.smoke.long=true},
   * tools/run-long-tests): CI runs the short form, the same code with smaller sizes.
   */
  public static boolean longRun() {
    return Boolean.getBoolean("weft.smoke.long");
  }

  /** {@code ci} in CI, {@code longForm} in the long form (see {@link #longRun}). */
  public static int sized(int ci, int longForm) {
    return longRun() ? longForm : ci;
  }

  public static int freePort() {
    return dev.weft.testing.FreePorts.next(); // never the Kafka broker's nor another service's
  }

  private static Path existingFile(String property, String fallback, String what, String howTo) {
    String configured = System.getProperty(property);
    Path path = Paths.get(configured == null || configured.isBlank() ? fallback : configured)
        .toAbsolutePath()
        .normalize();
    if (!Files.isRegularFile(path)) {
      fail(what + " is missing at " + path + ": " + howTo);
    }
    return path;
  }
}
