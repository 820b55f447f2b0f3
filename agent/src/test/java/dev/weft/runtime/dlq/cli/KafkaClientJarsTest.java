package dev.weft.runtime.dlq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the {@code dlq} command finds kafka-clients and slf4j. */
class KafkaClientJarsTest {

  @TempDir Path tmp;

  /** A jar holding one (empty) class file. */
  private static File jar(Path dir, String name, String entry) throws IOException {
    Files.createDirectories(dir);
    File f = dir.resolve(name).toFile();
    try (OutputStream out = Files.newOutputStream(f.toPath());
        JarOutputStream jar = new JarOutputStream(out)) {
      jar.putNextEntry(new JarEntry(entry));
      jar.closeEntry();
    }
    return f;
  }

  private static File kafka(Path dir, String name) throws IOException {
    return jar(dir, name, KafkaClientJars.KAFKA_CLASS);
  }

  private static File slf4j(Path dir, String name) throws IOException {
    return jar(dir, name, KafkaClientJars.SLF4J_CLASS);
  }

  private static File m2(Path home, String group, String artifact, String version, String entry)
      throws IOException {
    return jar(
        home.resolve(".m2/repository/" + group + "/" + artifact + "/" + version),
        artifact + "-" + version + ".jar",
        entry);
  }

  private static String bad(String option, String env, File agentDir, File home) {
    return assertThrows(
            DlqArgs.BadArgument.class, () -> KafkaClientJars.find(option, env, agentDir, home))
        .getMessage();
  }

  @Test
  void versionsCompareAsNumbers() {
    List<String> sorted =
        Arrays.asList("1.7.2", "1.7.9", "1.7.36", "2.0.0-alpha1", "2.0.0-beta0", "2.0.0", "2.0.17", "3.9.0", "3.10.1", "4.4.0");
    for (int i = 0; i < sorted.size(); i++) {
      for (int j = 0; j < sorted.size(); j++) {
        assertEquals(
            Integer.signum(Integer.compare(i, j)),
            Integer.signum(KafkaClientJars.compareVersions(sorted.get(i), sorted.get(j))),
            sorted.get(i) + " vs " + sorted.get(j));
      }
    }
  }

  @Test
  void theOptionIsAPathListWhereADirectoryStandsForItsJars() throws Exception {
    File k = kafka(tmp.resolve("a"), "kafka-clients-3.9.0.jar");
    File lz4 = jar(tmp.resolve("libs"), "lz4-java-1.8.0.jar", "net/jpountz/lz4/LZ4Factory.class");
    File api = slf4j(tmp.resolve("libs"), "slf4j-api-1.7.36.jar");
    Files.write(tmp.resolve("libs/README"), new byte[0]);
    String option = k + File.pathSeparator + tmp.resolve("libs") + File.pathSeparator;

    assertEquals(Arrays.asList(k, lz4, api), KafkaClientJars.find(option, "ignored", null, null));
    // The environment variable, the same way, when the option is absent.
    assertEquals(Arrays.asList(k, lz4, api), KafkaClientJars.find(null, option, null, null));
  }

  @Test
  void slf4jIsAddedWhenTheListHasNone() throws Exception {
    File k = kafka(tmp.resolve("a"), "kafka-clients-3.9.0.jar");
    Path agentDir = tmp.resolve("agent");
    File api = slf4j(agentDir, "slf4j-api-2.0.17.jar");
    slf4j(agentDir, "slf4j-api-2.0.9.jar");
    File nop = jar(agentDir, "slf4j-nop-2.0.17.jar", "org/slf4j/nop/NOPServiceProvider.class");
    jar(agentDir, "slf4j-simple-2.0.17.jar", "org/slf4j/simple/SimpleServiceProvider.class");

    assertEquals(Arrays.asList(k, api, nop), KafkaClientJars.find(k.toString(), null, agentDir.toFile(), null));

    Path home = tmp.resolve("home");
    File m2Api = m2(home, "org/slf4j", "slf4j-api", "1.7.36", KafkaClientJars.SLF4J_CLASS);
    assertEquals(Arrays.asList(k, m2Api), KafkaClientJars.find(k.toString(), null, null, home.toFile()));

    String m = bad(k.toString(), null, null, tmp.resolve("nohome").toFile());
    assertTrue(m.contains("slf4j-api") && m.contains("--kafka-clients"), m);
  }

  @Test
  void badListsSayWhatToPass() throws Exception {
    String m = bad(tmp.resolve("missing.jar").toString(), null, null, null);
    assertTrue(m.startsWith("--kafka-clients: ") && m.contains("missing.jar does not exist"), m);
    File api = slf4j(tmp, "slf4j-api-1.7.36.jar");
    m = bad(null, api.toString(), null, null);
    assertTrue(m.startsWith(KafkaClientJars.ENV + ": no kafka-clients jar"), m);
    Files.createDirectories(tmp.resolve("empty"));
    m = bad(tmp.resolve("empty").toString(), null, null, null);
    assertTrue(m.contains("holds no jar"), m);
  }

  @Test
  void nextToTheAgentTheNewestKafkaClientsAndSlf4j() throws Exception {
    Path dir = tmp.resolve("agent");
    Files.write(Files.createDirectories(dir).resolve("weft-agent.jar"), new byte[0]);
    kafka(dir, "kafka-clients-3.9.0.jar");
    File newest = kafka(dir, "kafka-clients-3.10.1.jar");
    kafka(dir, "kafka-clients-9.0.0-sources.jar");
    File api = slf4j(dir, "slf4j-api-1.7.36.jar");
    File simple = jar(dir, "slf4j-simple-1.7.36.jar", "org/slf4j/impl/StaticLoggerBinder.class");

    assertEquals(Arrays.asList(newest, api, simple), KafkaClientJars.find(null, "  ", dir.toFile(), null));
  }

  @Test
  void lastTheNewestInTheMavenRepository() throws Exception {
    Path home = tmp.resolve("home");
    m2(home, "org/apache/kafka", "kafka-clients", "3.9.1", KafkaClientJars.KAFKA_CLASS);
    File kafka = m2(home, "org/apache/kafka", "kafka-clients", "3.10.0", KafkaClientJars.KAFKA_CLASS);
    Files.createDirectories(home.resolve(".m2/repository/org/apache/kafka/kafka-clients/4.4.0")); // no jar
    m2(home, "org/slf4j", "slf4j-api", "1.7.36", KafkaClientJars.SLF4J_CLASS);
    m2(home, "org/slf4j", "slf4j-api", "2.0.0-alpha1", KafkaClientJars.SLF4J_CLASS);
    File api = m2(home, "org/slf4j", "slf4j-api", "2.0.18", KafkaClientJars.SLF4J_CLASS);
    m2(home, "org/slf4j", "slf4j-nop", "1.7.36", "org/slf4j/impl/StaticLoggerBinder.class");
    File nop = m2(home, "org/slf4j", "slf4j-nop", "2.0.16", "org/slf4j/nop/NOPServiceProvider.class");

    assertEquals(
        Arrays.asList(kafka, api, nop),
        KafkaClientJars.find(null, null, tmp.resolve("agent-without-kafka").toFile(), home.toFile()));
  }

  @Test
  void nothingFoundSaysWhatToPass() {
    String m = bad(null, null, tmp.toFile(), tmp.toFile());
    assertTrue(m.contains("--kafka-clients") && m.contains(KafkaClientJars.ENV), m);
  }
}
