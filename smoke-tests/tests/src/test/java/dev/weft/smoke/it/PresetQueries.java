package dev.weft.smoke.it;

import dev.weft.runtime.metrics.naming.NamingPreset;
import dev.weft.runtime.metrics.naming.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates PromQL written against Weft's own metric names into a naming preset's, with the
 * preset's rules (the agent's {@link NamingPreset}) as the only dictionary: the deploy/ rules and
 * dashboards of each preset are generated from the hand-written ones with it
 * ({@link DeployPresetFiles}).
 *
 * <p>What it rewrites, within one expression: each selector of one of Weft's series (a metric
 * name, with or without {@code {...}}): its name, its matchers' label names and values (through
 * the rule's value maps; {@code status="ok"|"error"} of a family whose status the preset leaves
 * out becomes a matcher on its error label), plus the rule's constant labels as matchers (so
 * that {@code db_client_operation_duration_seconds} of SQL is not mixed with Redis's); a
 * {@code {__name__=~"..."}} selector, name by name; and the label names of {@code by},
 * {@code without}, {@code on}, {@code ignoring}, {@code group_left}, {@code group_right},
 * {@code label_values(...)}, {@code $labels.x} and {@code {{x}}}, with the label map of the
 * expression's series (and of the recorded series it reads). Anything it cannot say in the
 * preset's names fails loudly, naming the expression.
 */
final class PresetQueries {

  /** Labels of Weft's families; a matcher on one that the preset leaves out cannot be kept. */
  static final Set<String> WEFT_LABELS = Set.of("method", "endpoint", "status", "host",
      "error_type", "db_system", "operation", "table", "command", "topic", "group", "partition",
      "pool", "service", "code");

  private static final Pattern NAME =
      Pattern.compile("(?<![A-Za-z0-9_:.$\"'])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\{([^{}]*)\\})?");
  private static final Pattern BARE_SELECTOR = Pattern.compile("(?<![A-Za-z0-9_:\"])\\{([^{}]*)\\}");
  private static final Pattern MATCHER =
      Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern CLAUSE =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)(\\s*)\\(([^()]*)\\)");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");
  private static final Pattern TEMPLATE_LABEL = Pattern.compile("\\$labels\\.([a-zA-Z_][a-zA-Z0-9_]*)");
  private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");

  private final NamingPreset preset;
  /** The label map of each recorded series, from the recording rule that writes it. */
  private final Map<String, Map<String, String>> recorded = new LinkedHashMap<>();

  PresetQueries(NamingPreset preset) {
    this.preset = preset;
  }

  /** One translated text and the label map (Weft's label → the preset's) it used. */
  record Result(String text, Map<String, String> labels) {}

  /** Remembers the label map of a recording rule's output, for the expressions that read it. */
  void recorded(String record, Map<String, String> labels) {
    recorded.put(record, labels);
  }

  /**
   * Translates {@code text} (an expression, or a whole rule with its annotations); {@code where}
   * names it in errors.
   */
  Result translate(String text, String where) {
    Map<String, String> labels = new LinkedHashMap<>();
    StringBuilder out = new StringBuilder();
    Matcher m = NAME.matcher(text);
    int last = 0;
    while (m.find()) {
      String name = m.group(1);
      Map<String, String> fromRecord = recorded.get(name);
      if (fromRecord != null) {
        merge(labels, fromRecord, where);
      }
      String translated = selector(name, m.group(3), labels, where);
      if (translated == null) {
        continue;
      }
      out.append(text, last, m.start()).append(translated);
      last = m.end();
    }
    out.append(text.substring(last));
    String t = out.toString();
    t = nameRegexSelectors(t, labels, where);
    t = replaceLabels(CLAUSE, t, 3, labels, where);
    Matcher lv = LABEL_VALUES.matcher(t);
    if (lv.find()) {
      t = t.substring(0, lv.start(2)) + label(lv.group(2), labels, where) + t.substring(lv.end(2));
    }
    t = replaceEach(TEMPLATE_LABEL, t, labels, where);
    t = replaceEach(LEGEND_LABEL, t, labels, where);
    return new Result(t, labels);
  }

  /** A legend or annotation: only its {@code {{x}}} and {@code $labels.x} are renamed. */
  String relabel(String text, Map<String, String> labels, String where) {
    return replaceEach(LEGEND_LABEL, replaceEach(TEMPLATE_LABEL, text, labels, where), labels, where);
  }

  /**
   * The preset's selector for Weft's {@code name} with {@code matchers} (null: none), or null
   * when {@code name} is not one of Weft's series the preset renames.
   */
  private String selector(String name, String matchers, Map<String, String> labels, String where) {
    String base = name;
    String suffix = "";
    if (preset.rulesOf(name).isEmpty()) {
      for (String s : new String[] {"_bucket", "_count", "_sum"}) {
        if (name.endsWith(s) && !preset.rulesOf(name.substring(0, name.length() - s.length())).isEmpty()) {
          base = name.substring(0, name.length() - s.length());
          suffix = s;
        }
      }
    }
    List<Rule> rules = preset.rulesOf(base);
    if (rules.isEmpty()) {
      return null;
    }
    List<String[]> parsed = parse(matchers, where);
    Rule rule = preset.mapping(base);
    String target;
    if (rule != null) {
      target = rule.target() + suffix;
    } else {
      // A counter the preset leaves out: the _count of the histogram that counts the same.
      Rule dropped = rules.get(0);
      if (dropped.sameCountAs() == null) {
        throw new IllegalStateException(where + ": " + name + " has no counterpart under "
            + preset.name());
      }
      rule = preset.mapping(dropped.sameCountAs());
      target = rule.target() + "_count";
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Rule.Label l : rule.labels()) {
      if (l.from() != null) {
        map.put(l.from(), l.name());
      } else if (l.constant() == null && WEFT_LABELS.contains(l.name())) {
        // Made up from others under a name of Weft's own (the otel client's error_type): a
        // grouping by it keeps its name.
        map.putIfAbsent(l.name(), l.name());
      }
    }
    merge(labels, map, where + " (" + name + ")");

    List<String> out = new ArrayList<>();
    Set<String> named = new LinkedHashSet<>();
    for (String[] x : parsed) {
      String m = matcher(rule, x, where + " (" + name + ")");
      out.add(m);
      Matcher label = LABEL_NAME.matcher(m);
      if (label.lookingAt()) {
        named.add(label.group());
      }
    }
    for (Rule.Label l : rule.labels()) {
      if (l.constant() != null && !named.contains(l.name())) {
        out.add(l.name() + "=\"" + l.constant() + "\"");
      }
    }
    // Series other sources add to the same metric under a constant label this one lacks (the
    // otel preset's Redis commands among the SQL statements) are left out.
    for (Rule other : preset.rules()) {
      if (other == rule || other.target() == null || !other.target().equals(rule.target())) {
        continue;
      }
      for (Rule.Label l : other.labels()) {
        if (l.constant() != null && !named.contains(l.name())) {
          out.add(l.name() + "!=\"" + l.constant() + "\"");
          named.add(l.name());
        }
      }
    }
    return out.isEmpty() ? target : target + "{" + String.join(", ", out) + "}";
  }

  /** One matcher {label, op, value} under the rule's labels. */
  private static String matcher(Rule rule, String[] x, String where) {
    String label = x[0];
    String op = x[1];
    String value = x[2];
    for (Rule.Label l : rule.labels()) {
      if (label.equals(l.from())) {
        return l.name() + op + "\"" + values(l, op, value) + "\"";
      }
    }
    if (label.equals("status") && (value.equals("ok") || value.equals("error"))
        && (op.equals("=") || op.equals("!="))) {
      for (Rule.Label l : rule.labels()) {
        if ("error_type".equals(l.from())) {
          boolean error = value.equals("error") == op.equals("=");
          return l.name() + (error ? "!=" : "=") + "\"" + l.valueOf("") + "\"";
        }
      }
    }
    if (WEFT_LABELS.contains(label)) {
      throw new IllegalStateException(where + ": the matcher " + label + op + "\"" + value
          + "\" has no counterpart under " + rule.target());
    }
    return label + op + "\"" + value + "\"";
  }

  /** A matcher's value under a label's value map; a regex alternative by alternative. */
  private static String values(Rule.Label l, String op, String value) {
    if (value.contains("$")) {
      return value;
    }
    if (!op.contains("~")) {
      return l.valueOf(value);
    }
    List<String> alternatives = new ArrayList<>();
    for (String a : value.split("\\|", -1)) {
      alternatives.add(l.valueOf(a));
    }
    return String.join("|", alternatives);
  }

  private static List<String[]> parse(String matchers, String where) {
    List<String[]> parsed = new ArrayList<>();
    if (matchers == null || matchers.isBlank()) {
      return parsed;
    }
    Matcher m = MATCHER.matcher(matchers);
    int at = 0;
    while (at < matchers.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalStateException(where + ": cannot read the matchers {" + matchers + "}");
      }
      parsed.add(new String[] {m.group(1), m.group(2), m.group(3)});
      at = m.end();
      if (at < matchers.length()) {
        if (matchers.charAt(at) != ',') {
          throw new IllegalStateException(where + ": cannot read the matchers {" + matchers + "}");
        }
        at++;
      }
    }
    return parsed;
  }

  /** {@code {__name__=~"a|b"}}: each of Weft's names it matches, translated. */
  private String nameRegexSelectors(String text, Map<String, String> labels, String where) {
    Matcher m = BARE_SELECTOR.matcher(text);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      List<String[]> parsed;
      try {
        parsed = parse(m.group(1), where);
      } catch (IllegalStateException notPromQl) {
        continue;
      }
      if (parsed.size() != 1 || !parsed.get(0)[0].equals("__name__")
          || !parsed.get(0)[1].equals("=~")) {
        continue;
      }
      Pattern names = Pattern.compile(parsed.get(0)[2]);
      Set<String> translated = new LinkedHashSet<>();
      boolean any = false;
      for (String candidate : candidates()) {
        if (!names.matcher(candidate).matches()) {
          continue;
        }
        any = true;
        String t = selector(candidate, null, labels, where);
        if (t != null) {
          translated.add(t.contains("{") ? t.substring(0, t.indexOf('{')) : t);
        } else {
          translated.add(candidate);
        }
      }
      if (!any) {
        continue;
      }
      out.append(text, last, m.start())
          .append("{__name__=~\"").append(String.join("|", translated)).append("\"}");
      last = m.end();
    }
    out.append(text.substring(last));
    return out.toString();
  }

  /** Every series name of Weft's the preset has a rule for, with histogram suffixes. */
  private Set<String> candidates() {
    Set<String> all = new LinkedHashSet<>();
    for (Rule r : preset.rules()) {
      all.add(r.source());
      if (!r.source().endsWith("_total")) {
        for (String s : new String[] {"_bucket", "_count", "_sum"}) {
          all.add(r.source() + s);
        }
      }
    }
    return all;
  }

  private static String replaceLabels(Pattern p, String text, int group,
      Map<String, String> labels, String where) {
    Matcher m = p.matcher(text);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      List<String> renamed = new ArrayList<>();
      for (String l : m.group(group).split(",")) {
        if (!l.isBlank()) {
          renamed.add(label(l.trim(), labels, where));
        }
      }
      out.append(text, last, m.start(group)).append(String.join(", ", renamed));
      last = m.end(group);
    }
    out.append(text.substring(last));
    return out.toString();
  }

  private static String replaceEach(Pattern p, String text, Map<String, String> labels,
      String where) {
    Matcher m = p.matcher(text);
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      out.append(text, last, m.start(1)).append(label(m.group(1), labels, where));
      last = m.end(1);
    }
    out.append(text.substring(last));
    return out.toString();
  }

  /** A label name under the expression's label map. */
  private static String label(String name, Map<String, String> labels, String where) {
    String renamed = labels.get(name);
    if (renamed != null) {
      return renamed;
    }
    if (!labels.isEmpty() && WEFT_LABELS.contains(name) && !labels.containsValue(name)) {
      throw new IllegalStateException(where + ": the label " + name
          + " has no counterpart in " + labels);
    }
    return name;
  }

  private static void merge(Map<String, String> into, Map<String, String> more, String where) {
    for (Map.Entry<String, String> e : more.entrySet()) {
      String had = into.putIfAbsent(e.getKey(), e.getValue());
      if (had != null && !had.equals(e.getValue())) {
        throw new IllegalStateException(where + ": " + e.getKey() + " is " + had + " for one"
            + " series and " + e.getValue() + " for another");
      }
    }
  }
}
