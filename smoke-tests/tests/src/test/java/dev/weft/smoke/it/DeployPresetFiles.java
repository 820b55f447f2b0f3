package dev.weft.smoke.it;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.weft.runtime.metrics.naming.NamingPreset;
import dev.weft.runtime.metrics.naming.Presets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * deploy/presets/NAME/: the recording and alert rules and the Grafana dashboards of deploy/,
 * translated into a naming preset's names by {@link PresetQueries}. deploy/prometheus and
 * deploy/grafana are the one source; these files are generated from them and the agent's preset
 * rules, and DeployPresetFilesTest fails when a committed copy differs from what this writes.
 */
final class DeployPresetFiles {

  static final Pattern RULE_START = Pattern.compile("^\\s*- (record|alert):\\s*(\\S+)\\s*$");
  static final Pattern GROUP_START = Pattern.compile("^\\s*- name:.*$|^\\S.*$");
  private static final ObjectMapper JSON = new ObjectMapper();

  private DeployPresetFiles() {}

  /** The presets that have files of their own (all but the default). */
  static List<String> presets() {
    return Presets.names().stream()
        .filter(n -> !Presets.named(n).isIdentity())
        .collect(Collectors.toList());
  }

  static Path dir(String preset) {
    return DeployMetricNamesTest.root().resolve("deploy/presets").resolve(preset);
  }

  /** Every generated file of {@code preset}, by its path under deploy/presets/PRESET. */
  static Map<String, String> generate(String preset) throws IOException {
    NamingPreset p = Presets.named(preset);
    PresetQueries q = new PresetQueries(p);
    Path deploy = DeployMetricNamesTest.root().resolve("deploy");
    Map<String, String> files = new LinkedHashMap<>();
    for (String rules : List.of("weft-recording-rules.yml", "weft-alert-rules.yml")) {
      files.put("prometheus/" + rules,
          rules(q, preset, deploy.resolve("prometheus").resolve(rules), "deploy/prometheus/" + rules));
    }
    List<Path> dashboards;
    try (Stream<Path> s = Files.list(deploy.resolve("grafana"))) {
      dashboards = s.filter(f -> f.toString().endsWith(".json")).sorted().collect(Collectors.toList());
    }
    for (Path d : dashboards) {
      files.put("grafana/" + d.getFileName(), dashboard(q, preset, d));
    }
    return files;
  }

  /** Writes the files of every preset (the generator's one command, through the test). */
  static void writeAll() throws IOException {
    for (String preset : presets()) {
      for (Map.Entry<String, String> f : generate(preset).entrySet()) {
        Path out = dir(preset).resolve(f.getKey());
        Files.createDirectories(out.getParent());
        Files.writeString(out, f.getValue(), StandardCharsets.UTF_8);
      }
    }
  }

  /**
   * A rules file, rule by rule: each rule's lines (but its comments) are one text for the
   * translator, so an alert's annotations get the labels of its expression.
   */
  private static String rules(PresetQueries q, String preset, Path file, String source)
      throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    out.append("# GENERATED from ").append(source).append(" for weft.metrics.naming=")
        .append(preset).append(" (the agent's naming preset rules translate\n")
        .append("# every expression); do not edit: edit the source and regenerate with\n")
        .append("#   mvn -B verify -pl smoke-tests/tests -Dtest=DeployPresetFilesTest")
        .append(" -Dweft.deploy.presets.write=true\n");
    int i = 0;
    while (i < lines.size()) {
      Matcher start = RULE_START.matcher(lines.get(i));
      if (!start.matches()) {
        out.append(lines.get(i)).append('\n');
        i++;
        continue;
      }
      int end = i + 1;
      while (end < lines.size() && !RULE_START.matcher(lines.get(end)).matches()
          && !GROUP_START.matcher(lines.get(end)).matches()
          && !lines.get(end).trim().startsWith("#")) {
        end++;
      }
      String block = String.join("\n", lines.subList(i, end));
      PresetQueries.Result r = q.translate(block, source + ": " + start.group(2));
      if (start.group(1).equals("record")) {
        q.recorded(start.group(2), r.labels());
      }
      out.append(r.text()).append('\n');
      i = end;
    }
    return out.toString();
  }

  private static String dashboard(PresetQueries q, String preset, Path file) throws IOException {
    ObjectNode d = (ObjectNode) JSON.readTree(file.toFile());
    d.put("uid", d.path("uid").asText() + "-" + preset);
    d.put("title", d.path("title").asText() + " (" + preset + " names)");
    if (d.has("tags") && d.get("tags").isArray()) {
      ((ArrayNode) d.get("tags")).add("weft-" + preset);
    }
    String where = "deploy/grafana/" + file.getFileName();
    walk(q, d, where, new LinkedHashMap<>());
    DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
        .withObjectIndenter(new DefaultIndenter("  ", "\n"))
        .withArrayIndenter(new DefaultIndenter("  ", "\n"));
    return JSON.writer(printer).writeValueAsString(d) + "\n";
  }

  /** Translates every expr, variable query and legend of a dashboard, panel by panel. */
  private static void walk(PresetQueries q, JsonNode node, String where, Map<String, String> labels) {
    if (node.isArray()) {
      for (JsonNode n : node) {
        walk(q, n, where, labels);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    ObjectNode o = (ObjectNode) node;
    String here = o.has("title") ? where + " > " + o.get("title").asText() : where;
    Map<String, String> used = new LinkedHashMap<>(labels);
    for (String key : List.of("expr", "definition", "query")) {
      JsonNode v = o.get(key);
      if (v != null && v.isTextual()) {
        PresetQueries.Result r = q.translate(v.asText(), here + " (" + key + ")");
        o.set(key, TextNode.valueOf(r.text()));
        used.putAll(r.labels());
      }
    }
    if (o.has("legendFormat") && o.get("legendFormat").isTextual()) {
      o.set("legendFormat",
          TextNode.valueOf(q.relabel(o.get("legendFormat").asText(), used, here + " (legend)")));
    }
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    for (String k : keys) {
      JsonNode child = o.get(k);
      if (child.isContainerNode()) {
        walk(q, child, here, used);
      }
    }
  }
}
