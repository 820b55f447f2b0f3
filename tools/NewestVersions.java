import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs every extension module's in-process tests again against the newest release Maven Central
 * serves today within the module's supported major versions, so that a library release that
 * breaks a module is seen the day CI runs, not when a user reports it.
 *
 * <p>Each module names what to check in its pom, as the property {@code weft.newest}: entries
 * {@code <property>=<groupId>:<artifactId>:<below>}, separated by white space. {@code <property>}
 * is the pom property that holds the newest version the module's tests run against,
 * {@code <artifactId>} the library artifact whose versions count, {@code <below>} the first
 * version no longer supported (a new major, or a new minor line another property covers). The
 * newest final release under that bound (no alpha, beta, milestone or candidate) that is at least
 * the pom's own version is chosen; when it differs from the pom's, the module's tests run again
 * with {@code -D<property>=<newest>} (the lowest-version executions run too: they share the
 * module's build). A release whose jar, pom or parent pom Central does not serve is passed over for
 * the one before,
 * and so is one Maven cannot resolve (a parent pom or a dependency missing): up to three tries.
 *
 * <p>Run from the repository root after {@code mvn install}: {@code java tools/NewestVersions.java}
 * ({@code --list}: only say what would be tested; module names after it: only those modules).
 * Prints one line per checked property and a summary, writes it to
 * {@code target/newest-versions.txt}, and exits 1 when a module's tests fail on a newer release
 * (2 when Central could not be read at all).
 */
public final class NewestVersions {

  private static final String CENTRAL = "https://repo.maven.apache.org/maven2/";
  private static final Pattern PROPERTY =
      Pattern.compile("<weft\\.newest>([^<]*)</weft\\.newest>");
  private static final Pattern RELEASE =
      Pattern.compile("\\d+(\\.\\d+)*(\\.(Final|RELEASE))?");
  private static final Pattern VERSION = Pattern.compile("<version>([^<]+)</version>");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();

  public static void main(String[] args) throws Exception {
    List<String> modules = new ArrayList<>(List.of(args));
    boolean listOnly = modules.remove("--list");
    System.exit(new NewestVersions().run(Paths.get("extensions"), listOnly, modules));
  }

  private record Check(String module, String property, String group, String artifact,
      String below, String pinned, List<String> candidates, String note) {

    /** The version of attempt {@code i}: the newest, then the ones before it. */
    String newest(int i) {
      return candidates.isEmpty() ? pinned : candidates.get(Math.min(i, candidates.size() - 1));
    }
  }

  int run(Path extensions, boolean listOnly, List<String> only) throws Exception {
    List<Check> checks = new ArrayList<>();
    boolean unreadable = false;
    List<Path> poms;
    try (Stream<Path> dirs = Files.list(extensions)) {
      poms = dirs.map(d -> d.resolve("pom.xml")).filter(Files::isRegularFile).sorted()
          .collect(Collectors.toList());
    }
    for (Path pom : poms) {
      String text = Files.readString(pom);
      Matcher m = PROPERTY.matcher(text);
      if (!m.find()) {
        continue;
      }
      String module = pom.getParent().getFileName().toString();
      if (!only.isEmpty() && !only.contains(module)) {
        continue;
      }
      for (String entry : m.group(1).trim().split("\\s+")) {
        String[] kv = entry.split("=", 2);
        String[] gav = kv.length == 2 ? kv[1].split(":") : new String[0];
        if (gav.length != 3) {
          throw new IllegalArgumentException(pom + ": weft.newest entry '" + entry
              + "' is not <property>=<groupId>:<artifactId>:<below>");
        }
        String pinned = propertyValue(text, kv[0]);
        if (pinned == null) {
          throw new IllegalArgumentException(pom + ": weft.newest names property '" + kv[0]
              + "', which the pom does not define");
        }
        List<String> candidates = List.of();
        String note = "";
        try {
          candidates = newestServed(gav[0], gav[1], gav[2], pinned);
          if (candidates.isEmpty()) {
            note = "no release at or above the pom's under " + gav[2];
          }
        } catch (IOException | InterruptedException e) {
          unreadable = true;
          note = "Central not readable: " + e;
        }
        checks.add(new Check(module, kv[0], gav[0], gav[1], gav[2], pinned, candidates, note));
      }
    }

    Map<String, List<Check>> byModule = new TreeMap<>();
    for (Check c : checks) {
      byModule.computeIfAbsent(c.module(), k -> new ArrayList<>()).add(c);
    }
    Map<String, String> outcome = new TreeMap<>();
    for (Map.Entry<String, List<Check>> e : byModule.entrySet()) {
      // A release Central lists may still lack a file it needs (a parent pom, a dependency):
      // Maven then cannot resolve it, which says nothing of the module. The release before it
      // is tried instead, for the property whose version Maven named (up to three per property).
      List<Check> module = e.getValue();
      int[] level = new int[module.size()];
      for (int attempt = 0; attempt < 3 * module.size(); attempt++) {
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < module.size(); i++) {
          Check c = module.get(i);
          if (!c.newest(level[i]).equals(c.pinned())) {
            overrides.add("-D" + c.property() + "=" + c.newest(level[i]));
          }
        }
        if (overrides.isEmpty()) {
          outcome.put(e.getKey(), attempt == 0
              ? "pom already at the newest (tested by the main run)"
              : "newer releases not resolvable from Central; pom's tested by the main run");
          break;
        }
        String with = String.join(" ", overrides);
        if (listOnly) {
          outcome.put(e.getKey(), "to test with " + with);
          break;
        }
        List<String> command = new ArrayList<>(List.of("mvn", "-B", "verify", "-f",
            extensions.resolve("pom.xml").toString(), "-pl", e.getKey()));
        command.addAll(overrides);
        System.out.println("newest-versions: " + String.join(" ", command));
        Run run = run(command);
        if (run.exit == 0) {
          outcome.put(e.getKey(), "passed with " + with);
          break;
        }
        if (run.unresolved.isEmpty()) {
          outcome.put(e.getKey(), "FAILED with " + with);
          break;
        }
        outcome.put(e.getKey(), "newer releases not resolvable from Central (last tried: " + with
            + "); pom's tested by the main run");
        boolean named = false;
        for (int i = 0; i < module.size(); i++) {
          if (run.unresolved.contains(":" + module.get(i).newest(level[i]))) {
            level[i]++;
            named = true;
          }
        }
        if (!named) {
          for (int i = 0; i < module.size(); i++) {
            level[i]++;
          }
        }
      }
    }

    StringBuilder report = new StringBuilder();
    report.append("Newest releases on Maven Central, ").append(LocalDate.now()).append('\n');
    for (Check c : checks) {
      report.append(String.format("  %-20s %-22s %s:%s below %s: pom %s, newest %s%s%n",
          c.module(), c.property(), c.group(), c.artifact(), c.below(), c.pinned(), c.newest(0),
          c.note().isEmpty() ? "" : " (" + c.note() + ")"));
    }
    for (Map.Entry<String, String> o : outcome.entrySet()) {
      report.append(String.format("  %-20s %s%n", o.getKey(), o.getValue()));
    }
    System.out.print(report);
    Path out = Paths.get("target");
    Files.createDirectories(out);
    Files.writeString(out.resolve("newest-versions.txt"), report.toString());
    if (outcome.values().stream().anyMatch(s -> s.startsWith("FAILED"))) {
      return 1;
    }
    return unreadable ? 2 : 0;
  }

  /** Maven's exit code, and its error lines about dependencies it could not resolve. */
  private record Run(int exit, String unresolved) {}

  /** Runs Maven, echoing its output, and keeps its dependency-resolution errors. */
  static Run run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder unresolved = new StringBuilder();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        System.out.println(line);
        if (line.startsWith("[ERROR]")
            && (line.contains("Could not find artifact")
                || line.contains("Failed to collect dependencies")
                || line.contains("Could not resolve dependencies")
                || line.contains("Failed to read artifact descriptor")
                // The same missing file once Maven has cached the miss in ~/.m2.
                || (line.contains(" was not found in ") && line.contains("during a previous")))) {
          unresolved.append(line).append('\n');
        }
      }
    }
    return new Run(p.waitFor(), unresolved.toString());
  }

  /** The value of {@code <name>} in the pom's properties, or null. */
  static String propertyValue(String pom, String name) {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</" + Pattern.quote(name)
        + ">").matcher(pom);
    return m.find() ? m.group(1).trim() : null;
  }

  /** The newest three final releases in [pinned, below) whose jar Central serves, newest first. */
  List<String> newestServed(String group, String artifact, String below, String pinned)
      throws IOException, InterruptedException {
    String base = CENTRAL + group.replace('.', '/') + "/" + artifact + "/";
    HttpResponse<String> metadata = http.send(
        HttpRequest.newBuilder(URI.create(base + "maven-metadata.xml"))
            .timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (metadata.statusCode() != 200) {
      throw new IOException(base + "maven-metadata.xml: HTTP " + metadata.statusCode());
    }
    List<String> candidates = new ArrayList<>();
    Matcher m = VERSION.matcher(metadata.body());
    while (m.find()) {
      String v = m.group(1).trim();
      if (RELEASE.matcher(v).matches() && compare(v, below) < 0 && compare(v, pinned) >= 0) {
        candidates.add(v);
      }
    }
    candidates.sort(Comparator.comparing((String v) -> v, NewestVersions::compare).reversed());
    List<String> served = new ArrayList<>();
    for (String v : candidates) {
      HttpResponse<Void> jar = http.send(
          HttpRequest.newBuilder(URI.create(base + v + "/" + artifact + "-" + v + ".jar"))
              .method("HEAD", HttpRequest.BodyPublishers.noBody())
              .timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.discarding());
      if (jar.statusCode() == 200 && parentServed(base + v + "/" + artifact + "-" + v + ".pom")) {
        served.add(v);
        if (served.size() == 3) {
          break;
        }
      }
    }
    return served;
  }

  private static final Pattern PARENT = Pattern.compile(
      "<parent>\\s*<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*"
          + "<version>([^<]+)</version>");

  /** Whether the pom at {@code pomUrl} is served, and its parent pom if it names one. */
  boolean parentServed(String pomUrl) throws IOException, InterruptedException {
    HttpResponse<String> pom = http.send(
        HttpRequest.newBuilder(URI.create(pomUrl)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (pom.statusCode() != 200) {
      return false;
    }
    Matcher m = PARENT.matcher(pom.body());
    if (!m.find()) {
      return true;
    }
    String parent = CENTRAL + m.group(1).trim().replace('.', '/') + "/" + m.group(2).trim() + "/"
        + m.group(3).trim() + "/" + m.group(2).trim() + "-" + m.group(3).trim() + ".pom";
    HttpResponse<Void> head = http.send(
        HttpRequest.newBuilder(URI.create(parent))
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.discarding());
    return head.statusCode() == 200;
  }

  /** Compares dotted versions by their numeric parts ("4.1.9.Final" < "4.1.10" < "4.2"). */
  static int compare(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      long p = i < x.length ? number(x[i]) : 0;
      long q = i < y.length ? number(y[i]) : 0;
      if (p != q) {
        return Long.compare(p, q);
      }
    }
    return 0;
  }

  private static long number(String part) {
    return part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? Long.parseLong(part) : 0;
  }
}
