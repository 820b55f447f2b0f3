package dev.weft.runtime.dlq.cli;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;

/**
 * The jars the {@code dlq} command loads Kafka from (Weft bundles none): kafka-clients, and
 * slf4j-api, which kafka-clients needs at run time, with slf4j-nop or slf4j-simple when one lies
 * next to it. Looked for in this order: {@code --kafka-clients}, {@code WEFT_KAFKA_CLIENTS} (both
 * a path list; a directory stands for the jars in it), the directory of weft-agent.jar, then the
 * newest versions in {@code ~/.m2/repository}.
 */
final class KafkaClientJars {

  static final String KAFKA_CLASS = "org/apache/kafka/clients/producer/KafkaProducer.class";
  static final String SLF4J_CLASS = "org/slf4j/LoggerFactory.class";
  static final String ENV = "WEFT_KAFKA_CLIENTS";

  private KafkaClientJars() {}

  /**
   * The jars to load Kafka from.
   *
   * @param option the value of {@code --kafka-clients}, or null
   * @param env the value of {@code WEFT_KAFKA_CLIENTS}, or null
   * @param agentDir the directory holding weft-agent.jar, or null
   * @param home the user's home directory (for {@code ~/.m2}), or null
   * @throws DlqArgs.BadArgument when none is found, with the line to show
   */
  static List<File> find(String option, String env, File agentDir, File home)
      throws DlqArgs.BadArgument {
    List<File> jars = new ArrayList<>();
    String origin;
    if (option != null) {
      origin = "--kafka-clients";
      jars.addAll(pathList(origin, option));
    } else if (env != null && !env.trim().isEmpty()) {
      origin = ENV;
      jars.addAll(pathList(origin, env));
    } else {
      origin = "--kafka-clients";
      File beside = newest(agentDir, "kafka-clients-");
      File m2 = beside == null ? m2Jar(home, "org/apache/kafka", "kafka-clients", null) : null;
      if (beside == null && m2 == null) {
        throw new DlqArgs.BadArgument(
            "no kafka-clients jar found: pass --kafka-clients KAFKA_CLIENTS_JAR"
                + File.pathSeparator + "SLF4J_API_JAR (or a directory holding them), set " + ENV
                + " the same way, or put both jars next to weft-agent.jar");
      }
      jars.add(beside != null ? beside : m2);
    }
    if (!anyHolds(jars, KAFKA_CLASS)) {
      throw new DlqArgs.BadArgument(
          origin + ": no kafka-clients jar among " + jars + "; pass the kafka-clients jar and"
              + " slf4j-api's, or a directory holding them");
    }
    if (!anyHolds(jars, SLF4J_CLASS)) {
      List<File> slf4j = slf4jBeside(agentDir);
      jars.addAll(slf4j.isEmpty() ? slf4jInM2(home) : slf4j);
      if (!anyHolds(jars, SLF4J_CLASS)) {
        throw new DlqArgs.BadArgument(
            "kafka-clients needs slf4j-api at run time and none was found: add its jar to "
                + origin + " (separated by '" + File.pathSeparator + "')");
      }
    }
    return jars;
  }

  /** The jars of a path list: files as they are, directories for the jars in them (sorted). */
  static List<File> pathList(String origin, String value) throws DlqArgs.BadArgument {
    List<File> jars = new ArrayList<>();
    for (String part : value.split(File.pathSeparator)) {
      String path = part.trim();
      if (path.isEmpty()) {
        continue;
      }
      File f = new File(expandHome(path));
      if (f.isDirectory()) {
        File[] inside = f.listFiles((dir, name) -> name.endsWith(".jar"));
        if (inside == null || inside.length == 0) {
          throw new DlqArgs.BadArgument(origin + ": directory " + f + " holds no jar");
        }
        Arrays.sort(inside);
        jars.addAll(Arrays.asList(inside));
      } else if (f.isFile()) {
        jars.add(f);
      } else {
        throw new DlqArgs.BadArgument(
            origin + ": " + f + " does not exist; expected jars or directories separated by '"
                + File.pathSeparator + "'");
      }
    }
    if (jars.isEmpty()) {
      throw new DlqArgs.BadArgument(origin + " is empty; expected jars or directories");
    }
    return jars;
  }

  private static String expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return System.getProperty("user.home") + path.substring(1);
    }
    return path;
  }

  /** slf4j-api next to weft-agent.jar, with slf4j-nop (or else slf4j-simple) if there. */
  private static List<File> slf4jBeside(File dir) {
    List<File> jars = new ArrayList<>();
    File api = newest(dir, "slf4j-api-");
    if (api != null) {
      jars.add(api);
      File provider = newest(dir, "slf4j-nop-");
      if (provider == null) {
        provider = newest(dir, "slf4j-simple-");
      }
      if (provider != null) {
        jars.add(provider);
      }
    }
    return jars;
  }

  /** The newest slf4j-api in {@code ~/.m2}, with slf4j-nop (or else slf4j-simple) of its line. */
  private static List<File> slf4jInM2(File home) {
    List<File> jars = new ArrayList<>();
    File api = m2Jar(home, "org/slf4j", "slf4j-api", null);
    if (api != null) {
      jars.add(api);
      String line = majorMinor(api.getParentFile().getName());
      File provider = m2Jar(home, "org/slf4j", "slf4j-nop", line);
      if (provider == null) {
        provider = m2Jar(home, "org/slf4j", "slf4j-simple", line);
      }
      if (provider != null) {
        jars.add(provider);
      }
    }
    return jars;
  }

  private static String majorMinor(String version) {
    String[] parts = version.split("[.-]");
    return parts.length >= 2 ? parts[0] + "." + parts[1] + "." : version;
  }

  /**
   * {@code ~/.m2/repository/GROUP/ARTIFACT/V/ARTIFACT-V.jar} of the newest version V that has its
   * jar (and starts with {@code versionPrefix}, when not null), or null.
   */
  static File m2Jar(File home, String groupPath, String artifact, String versionPrefix) {
    if (home == null) {
      return null;
    }
    File dir = new File(home, ".m2/repository/" + groupPath + "/" + artifact);
    File[] versions = dir.listFiles(File::isDirectory);
    File best = null;
    String bestVersion = null;
    for (File v : versions == null ? new File[0] : versions) {
      String version = v.getName();
      File jar = new File(v, artifact + "-" + version + ".jar");
      if (!Character.isDigit(version.charAt(0))
          || (versionPrefix != null && !version.startsWith(versionPrefix))
          || !jar.isFile()) {
        continue;
      }
      if (bestVersion == null || compareVersions(version, bestVersion) > 0) {
        best = jar;
        bestVersion = version;
      }
    }
    return best;
  }

  /** The jar {@code PREFIX<version>.jar} of the highest version in {@code dir}, or null. */
  static File newest(File dir, String prefix) {
    File[] jars = dir == null ? null : dir.listFiles((d, name) -> isVersionedJar(name, prefix));
    File best = null;
    for (File jar : jars == null ? new File[0] : jars) {
      if (best == null || compareVersions(version(jar, prefix), version(best, prefix)) > 0) {
        best = jar;
      }
    }
    return best;
  }

  private static boolean isVersionedJar(String name, String prefix) {
    return name.startsWith(prefix)
        && name.endsWith(".jar")
        && name.length() > prefix.length() + 4
        && Character.isDigit(name.charAt(prefix.length()))
        && !name.endsWith("-sources.jar")
        && !name.endsWith("-javadoc.jar")
        && !name.endsWith("-test.jar")
        && !name.endsWith("-tests.jar");
  }

  private static String version(File jar, String prefix) {
    String name = jar.getName();
    return name.substring(prefix.length(), name.length() - ".jar".length());
  }

  /**
   * Orders versions such as {@code 1.7.9 < 1.7.36 < 2.0.0-alpha1 < 2.0.0 < 2.0.17}: numbers
   * compare as numbers, a number beats a word, and a release beats its qualified forms.
   */
  static int compareVersions(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      if (i >= x.length) {
        return numeric(y[i]) ? -1 : 1;
      }
      if (i >= y.length) {
        return numeric(x[i]) ? 1 : -1;
      }
      boolean nx = numeric(x[i]);
      boolean ny = numeric(y[i]);
      int c;
      if (nx && ny) {
        c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
      } else if (nx != ny) {
        c = nx ? 1 : -1;
      } else {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static boolean numeric(String s) {
    return !s.isEmpty() && s.length() < 18 && s.chars().allMatch(Character::isDigit);
  }

  /** True when one of {@code jars} holds the class file {@code entry}. */
  static boolean anyHolds(List<File> jars, String entry) {
    for (File f : jars) {
      try (JarFile jar = new JarFile(f)) {
        if (jar.getJarEntry(entry) != null) {
          return true;
        }
      } catch (IOException notAJar) {
        // not a jar: holds nothing
      }
    }
    return false;
  }
}
