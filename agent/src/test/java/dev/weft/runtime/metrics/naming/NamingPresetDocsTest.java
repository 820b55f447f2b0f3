package dev.weft.runtime.metrics.naming;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md's table of each naming preset is the preset's rules, rendered: one source.
 * When a rule changes, this test fails and prints the table that belongs between the markers
 * {@code <!-- naming:NAME -->} and {@code <!-- /naming:NAME -->}; run it with
 * {@code -Dweft.naming.docs.write=true} to write the tables there instead.
 */
class NamingPresetDocsTest {

  @Test
  void eachPresetsTableInTheDocsIsItsRules() throws Exception {
    Path doc = docs().resolve("metrics.md");
    String text = new String(Files.readAllBytes(doc), StandardCharsets.UTF_8);
    List<String> problems = new ArrayList<>();
    for (String name : Presets.names()) {
      NamingPreset preset = Presets.named(name);
      if (preset.isIdentity()) {
        continue;
      }
      String open = "<!-- naming:" + name + " -->\n";
      String close = "<!-- /naming:" + name + " -->";
      int from = text.indexOf(open);
      int to = text.indexOf(close);
      String expected = table(preset);
      if (from < 0 || to < from) {
        problems.add(doc + " has no " + open.trim() + " ... " + close + " block; it should hold:\n"
            + expected);
        continue;
      }
      String actual = text.substring(from + open.length(), to);
      if (Boolean.getBoolean("weft.naming.docs.write")) {
        text = text.substring(0, from + open.length()) + expected + text.substring(to);
        Files.write(doc, text.getBytes(StandardCharsets.UTF_8));
        continue;
      }
      if (!actual.equals(expected)) {
        problems.add("the " + name + " table in " + doc + " is not the preset's rules; it should"
            + " be:\n" + expected);
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n\n", problems));
  }

  @Test
  void theTableShowsWhatARuleDoes() {
    String otel = table(Presets.otel());
    assertTrue(otel.contains("| `http_requests_total` | left out: "
        + "`http_server_request_duration_seconds_count` counts the same |"), otel);
    assertTrue(otel.contains("`http_route` ← `endpoint`"), otel);
    assertTrue(otel.contains("| `redis_client_command_duration_seconds` |"
        + " `db_client_operation_duration_seconds` | `db_system_name` ← `\"redis\"`;"), otel);
  }

  /** The Markdown table of a preset's rules. */
  static String table(NamingPreset preset) {
    StringBuilder b = new StringBuilder();
    b.append("| Weft's metric | under `").append(preset.name()).append("` | labels | notes |\n");
    b.append("| --- | --- | --- | --- |\n");
    for (Rule r : preset.rules()) {
      b.append("| `").append(r.source()).append("` | ");
      if (r.target() == null) {
        b.append("left out: `")
            .append(preset.mapping(r.sameCountAs()).target())
            .append("_count` counts the same | | |\n");
        continue;
      }
      b.append('`').append(r.target()).append("` | ");
      List<String> labels = new ArrayList<>();
      for (Rule.Label l : r.labels()) {
        labels.add("`" + l.name() + "` ← " + l.doc());
      }
      b.append(String.join("; ", labels)).append(" |");
      List<String> notes = new ArrayList<>();
      double[] bounds = r.bounds();
      if (bounds != null) {
        List<String> le = new ArrayList<>();
        for (double x : bounds) {
          le.add(String.format(Locale.ROOT, "%s", trim(x)));
        }
        notes.add("buckets " + String.join(", ", le) + " s");
      }
      b.append(notes.isEmpty() ? "" : " " + String.join("; ", notes)).append(" |\n");
    }
    return b.toString();
  }

  private static String trim(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }

  private static Path docs() {
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("docs/metrics.md"))) {
        return dir.resolve("docs");
      }
    }
    throw new AssertionError("docs/metrics.md not found above " + Paths.get("").toAbsolutePath());
  }
}
