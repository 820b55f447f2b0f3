package dev.weft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runtime's packages form layers, and imports only point down: core (configuration, Weft's
 * own log, self-monitoring), then metrics, then traces, then the operation pipeline and the
 * families it describes, then the families with runtime code of their own (Kafka, log
 * enrichment, dead letters), then what starts it all (the entry points, the installer,
 * the dead-letter command line). Read from the main sources, so a new import that points up fails
 * here with its file and line.
 */
class LayersTest {

  private static final String RUNTIME = "dev.weft.runtime";

  /** Package (and everything under it) to layer; the longest matching prefix wins. */
  private static final Map<String, Integer> LAYERS = new LinkedHashMap<>();

  private static final String[] LAYER_NAMES = {
    "core", "metrics", "traces", "operations", "families", "start"
  };

  static {
    LAYERS.put(RUNTIME + ".core", 0);
    LAYERS.put(RUNTIME + ".sql", 0);
    LAYERS.put(RUNTIME + ".metrics", 1);
    LAYERS.put(RUNTIME + ".trace", 2);
    LAYERS.put(RUNTIME + ".operation", 3);
    LAYERS.put(RUNTIME + ".kafka", 4);
    LAYERS.put(RUNTIME + ".log", 4);
    LAYERS.put(RUNTIME + ".dlq", 4);
    LAYERS.put(RUNTIME + ".dlq.cli", 5);
    LAYERS.put(RUNTIME + ".install", 5);
    LAYERS.put(RUNTIME, 5);
  }

  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;");
  private static final Pattern IMPORT =
      Pattern.compile("^import\\s+(?:static\\s+)?(" + Pattern.quote(RUNTIME) + "[\\w.]*)\\s*;");

  /** One import of a runtime package: where it is written and what it names. */
  private static final class Import {
    final String file;
    final int line;
    final String fromPackage;
    final String toPackage;
    final String text;

    Import(String file, int line, String fromPackage, String toPackage, String text) {
      this.file = file;
      this.line = line;
      this.fromPackage = fromPackage;
      this.toPackage = toPackage;
      this.text = text;
    }

    @Override
    public String toString() {
      return file + ":" + line + " (" + fromPackage + ") " + text;
    }
  }

  private static final List<Import> imports = new ArrayList<>();
  private static final Set<String> packages = new TreeSet<>();

  @BeforeAll
  static void readSources() throws IOException {
    Path root = Paths.get("src", "main", "java");
    Path runtime = root.resolve(RUNTIME.replace('.', '/'));
    assertTrue(Files.isDirectory(runtime), "run from the agent module: " + runtime.toAbsolutePath());
    List<Path> files;
    try (Stream<Path> walk = Files.walk(runtime)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    }
    for (Path file : files) {
      String name = root.relativize(file).toString();
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      String pkg = null;
      for (int i = 0; i < lines.size(); i++) {
        String text = lines.get(i).trim();
        Matcher p = PACKAGE.matcher(text);
        if (p.find()) {
          pkg = p.group(1);
          packages.add(pkg);
          continue;
        }
        Matcher m = IMPORT.matcher(text);
        if (m.find() && pkg != null) {
          imports.add(new Import(name, i + 1, pkg, packageOf(m.group(1)), text));
        }
      }
    }
    assertTrue(imports.size() > 50, "too few runtime imports read: " + imports.size());
  }

  /** {@code a.b.Outer.Inner} or {@code a.b.Outer.member} to {@code a.b}. */
  private static String packageOf(String imported) {
    StringBuilder pkg = new StringBuilder();
    for (String part : imported.split("\\.")) {
      if (!part.isEmpty() && Character.isUpperCase(part.charAt(0))) {
        break;
      }
      if (pkg.length() > 0) {
        pkg.append('.');
      }
      pkg.append(part);
    }
    return pkg.toString();
  }

  private static Integer layerOf(String pkg) {
    String best = null;
    for (String prefix : LAYERS.keySet()) {
      boolean matches = pkg.equals(prefix) || pkg.startsWith(prefix + ".");
      if (matches && (best == null || prefix.length() > best.length())) {
        best = prefix;
      }
    }
    return best == null ? null : LAYERS.get(best);
  }

  @Test
  void everyRuntimePackageHasALayer() {
    List<String> unplaced = new ArrayList<>();
    for (String pkg : packages) {
      if (layerOf(pkg) == null) {
        unplaced.add(pkg);
      }
    }
    assertEquals(List.of(), unplaced, "packages without a layer in LayersTest.LAYERS");
  }

  @Test
  void nothingImportsAPackageOfAHigherLayer() {
    List<String> upward = new ArrayList<>();
    for (Import i : imports) {
      Integer from = layerOf(i.fromPackage);
      Integer to = layerOf(i.toPackage);
      if (from != null && to != null && to > from) {
        upward.add(i + "  [" + LAYER_NAMES[from] + " imports " + LAYER_NAMES[to] + "]");
      }
    }
    assertEquals(List.of(), upward, "imports that point up a layer");
  }

  @Test
  void noTwoPackagesImportEachOther() {
    Map<String, Map<String, Import>> edges = new TreeMap<>();
    for (Import i : imports) {
      if (!i.fromPackage.equals(i.toPackage)) {
        edges.computeIfAbsent(i.fromPackage, k -> new TreeMap<>()).putIfAbsent(i.toPackage, i);
      }
    }
    List<String> mutual = new ArrayList<>();
    for (Map.Entry<String, Map<String, Import>> from : edges.entrySet()) {
      for (Map.Entry<String, Import> to : from.getValue().entrySet()) {
        Import back = edges.getOrDefault(to.getKey(), Map.of()).get(from.getKey());
        if (back != null && from.getKey().compareTo(to.getKey()) < 0) {
          mutual.add(to.getValue() + "  <->  " + back);
        }
      }
    }
    assertEquals(List.of(), mutual, "packages that import each other");
  }
}
