package dev.weft.smoke.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.opentest4j.AssertionFailedError;

/**
 * One scrape in the Prometheus text exposition format (0.0.4), parsed into samples.
 *
 * <p>Handles {@code # HELP} / {@code # TYPE} comments, samples with and without labels, escaped
 * label values ({@code \\}, {@code \"}, {@code \n}), a trailing comma in the label set, special
 * values ({@code +Inf}, {@code -Inf}, {@code NaN}) and optional timestamps. Label lookups use
 * subset matching: {@code value("x", Map.of("a", "1"))} finds the one series of {@code x} whose
 * labels include {@code a="1"}, whatever constant labels it also carries.
 */
public final class MetricsScrape {

  /** One sample line. Labels keep their order of appearance. */
  public record Sample(String name, Map<String, String> labels, double value) {

    public boolean hasLabels(Map<String, String> subset) {
      for (Map.Entry<String, String> e : subset.entrySet()) {
        if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String toString() {
      return name + labels.entrySet().stream()
          .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
          .collect(Collectors.joining(",", "{", "}")) + " " + value;
    }
  }

  private final String text;
  private final List<Sample> samples;
  private final Map<String, String> types;

  private MetricsScrape(String text, List<Sample> samples, Map<String, String> types) {
    this.text = text;
    this.samples = samples;
    this.types = types;
  }

  /** Parses a whole exposition; a malformed line fails with its line number. */
  public static MetricsScrape parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1)
          : lines[i];
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] parts = line.split(" +", 4);
        if (parts.length >= 4 && parts[1].equals("TYPE")) {
          types.put(parts[2], parts[3].trim());
        }
        continue;
      }
      try {
        samples.add(new LineParser(line).parse());
      } catch (RuntimeException e) {
        throw new AssertionFailedError(
            "cannot parse line " + (i + 1) + " of the scrape: '" + line + "': " + e.getMessage(),
            e);
      }
    }
    return new MetricsScrape(text, Collections.unmodifiableList(samples), types);
  }

  /** Convenience: {@code labels("method", "GET", "status", "200")}. */
  public static Map<String, String> labels(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("labels need key/value pairs");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  public String text() {
    return text;
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The {@code # TYPE} of a metric family, or null. */
  public String type(String family) {
    return types.get(family);
  }

  /** All sample names, in order of first appearance. */
  public Set<String> names() {
    return samples.stream().map(Sample::name).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** All samples named exactly {@code name}. */
  public List<Sample> series(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).collect(Collectors.toList());
  }

  /**
   * The value of the one series of {@code name} whose labels include {@code labels}; empty if
   * there is none; fails if several match (the label subset was ambiguous).
   */
  public OptionalDouble find(String name, Map<String, String> labels) {
    List<Sample> matches =
        samples.stream()
            .filter(s -> s.name().equals(name) && s.hasLabels(labels))
            .collect(Collectors.toList());
    if (matches.size() > 1) {
      throw new AssertionFailedError(
          "ambiguous: " + matches.size() + " series of " + name + " match " + labels + ": "
              + matches);
    }
    return matches.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(matches.get(0).value());
  }

  /** Like {@link #find} but fails when the series is missing. */
  public double value(String name, Map<String, String> labels) {
    OptionalDouble value = find(name, labels);
    if (value.isEmpty()) {
      throw new AssertionFailedError(
          "no series " + name + " with labels " + labels + "; the scrape has: " + series(name));
    }
    return value.getAsDouble();
  }

  /** Like {@link #find}, with 0 for a series that does not exist (yet). */
  public double valueOrZero(String name, Map<String, String> labels) {
    return find(name, labels).orElse(0.0);
  }

  /** Sum over every series of {@code name} whose labels satisfy {@code matcher}. */
  public double sum(String name, Predicate<Map<String, String>> matcher) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && matcher.test(s.labels()))
        .mapToDouble(Sample::value)
        .sum();
  }

  /**
   * How every series of {@code name} moved since {@code before}, keyed by the values of
   * {@code keyLabels} (in that order); series that did not move are left out. Series present in
   * only one of the two scrapes count from 0.
   */
  public Map<List<String>, Double> deltasSince(
      MetricsScrape before, String name, String... keyLabels) {
    Map<Map<String, String>, Double> old = new LinkedHashMap<>();
    for (Sample s : before.series(name)) {
      old.put(new TreeMap<>(s.labels()), s.value());
    }
    Map<Map<String, String>, Double> now = new LinkedHashMap<>();
    for (Sample s : series(name)) {
      now.put(new TreeMap<>(s.labels()), s.value());
    }
    Set<Map<String, String>> all = new LinkedHashSet<>(old.keySet());
    all.addAll(now.keySet());
    Map<List<String>, Double> deltas = new TreeMap<>(MetricsScrape::compareLists);
    for (Map<String, String> labelSet : all) {
      double delta = now.getOrDefault(labelSet, 0.0) - old.getOrDefault(labelSet, 0.0);
      if (delta != 0.0) {
        List<String> key = new ArrayList<>();
        for (String label : keyLabels) {
          key.add(labelSet.get(label));
        }
        deltas.merge(key, delta, Double::sum);
      }
    }
    return deltas;
  }

  private static int compareLists(List<String> a, List<String> b) {
    return String.valueOf(a).compareTo(String.valueOf(b));
  }

  @Override
  public String toString() {
    return text;
  }

  /** Parses one sample line: {@code name{a="x",b="y"} value [timestamp]}. */
  private static final class LineParser {
    private final String line;
    private int pos;

    LineParser(String line) {
      this.line = line;
    }

    Sample parse() {
      skipSpaces();
      int start = pos;
      while (pos < line.length() && isNameChar(line.charAt(pos))) {
        pos++;
      }
      if (pos == start) {
        throw new IllegalArgumentException("no metric name at column " + (pos + 1));
      }
      String name = line.substring(start, pos);
      Map<String, String> labels = new LinkedHashMap<>();
      skipSpaces();
      if (peek() == '{') {
        pos++;
        while (true) {
          skipSpaces();
          if (peek() == '}') {
            pos++;
            break;
          }
          int labelStart = pos;
          while (pos < line.length() && isNameChar(line.charAt(pos))) {
            pos++;
          }
          String label = line.substring(labelStart, pos);
          if (label.isEmpty()) {
            throw new IllegalArgumentException("no label name at column " + (pos + 1));
          }
          skipSpaces();
          expect('=');
          skipSpaces();
          expect('"');
          String value = readQuoted();
          if (labels.put(label, value) != null) {
            throw new IllegalArgumentException("duplicate label " + label);
          }
          skipSpaces();
          if (peek() == ',') {
            pos++;
          } else if (peek() != '}') {
            throw new IllegalArgumentException("expected ',' or '}' at column " + (pos + 1));
          }
        }
      }
      skipSpaces();
      String[] rest = line.substring(pos).trim().split("[ \t]+");
      if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
        throw new IllegalArgumentException("expected 'value [timestamp]' after the labels");
      }
      if (rest.length == 2) {
        Long.parseLong(rest[1]); // the timestamp must be an integer
      }
      return new Sample(name, Collections.unmodifiableMap(labels), parseValue(rest[0]));
    }

    private String readQuoted() {
      StringBuilder value = new StringBuilder();
      while (true) {
        if (pos >= line.length()) {
          throw new IllegalArgumentException("unterminated label value");
        }
        char c = line.charAt(pos++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (pos >= line.length()) {
            throw new IllegalArgumentException("dangling backslash");
          }
          char escaped = line.charAt(pos++);
          switch (escaped) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw new IllegalArgumentException("invalid escape \\" + escaped);
          }
        } else {
          value.append(c);
        }
      }
    }

    private static double parseValue(String token) {
      return switch (token) {
        case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> Double.parseDouble(token);
      };
    }

    private static boolean isNameChar(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == ':';
    }

    private char peek() {
      return pos < line.length() ? line.charAt(pos) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException("expected '" + c + "' at column " + (pos + 1));
      }
      pos++;
    }

    private void skipSpaces() {
      while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
        pos++;
      }
    }
  }
}
