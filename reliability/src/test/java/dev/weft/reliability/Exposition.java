package dev.weft.reliability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape in the Prometheus text format (0.0.4) or OpenMetrics 1.0, parsed strictly: every
 * line a comment or a sample, every sample in the family its {@code # TYPE} announced, label
 * values correctly escaped, OpenMetrics ended by {@code # EOF} with nothing after, and every
 * classic histogram whole (buckets never decreasing with {@code le}, a {@code +Inf} bucket equal
 * to its {@code _count}). A scrape that breaks any of these throws {@link IllegalStateException}
 * naming the line.
 *
 * <p>Samples are keyed {@code name{a="x",b="y"}} with labels in name order, so the same series
 * has the same key in both formats.
 */
final class Exposition {

  enum Kind {
    COUNTER,
    GAUGE,
    HISTOGRAM,
    SUMMARY,
    INFO,
    STATESET,
    GAUGEHISTOGRAM,
    UNKNOWN
  }

  /** One sample: its family's kind, its name, its labels (by name), its value. */
  record Sample(Kind kind, String name, TreeMap<String, String> labels, double value) {

    String key() {
      return Exposition.key(name, labels);
    }

    /** Whether the value may only grow while the process lives. */
    boolean monotonic() {
      return (kind == Kind.COUNTER && name.endsWith("_total"))
          || (kind == Kind.HISTOGRAM && (name.endsWith("_bucket") || name.endsWith("_count")));
    }
  }

  private final List<Sample> samples;

  private Exposition(List<Sample> samples) {
    this.samples = samples;
  }

  List<Sample> samples() {
    return samples;
  }

  /** Sample key to value, for every sample of the scrape. */
  Map<String, Double> values() {
    Map<String, Double> values = new HashMap<>(samples.size() * 2);
    for (Sample s : samples) {
      values.put(s.key(), s.value());
    }
    return values;
  }

  static String key(String name, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(name).append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      b.append(e.getKey()).append("=\"").append(e.getValue()).append('"');
    }
    return b.append('}').toString();
  }

  static Exposition parse(String text, boolean openMetrics) {
    List<Sample> samples = new ArrayList<>();
    Map<String, Kind> kinds = new HashMap<>();
    String family = null;
    Kind kind = Kind.UNKNOWN;
    String[] lines = text.split("\n", -1);
    // The text format ends every line with \n: the last element is empty. OpenMetrics too.
    if (!lines[lines.length - 1].isEmpty()) {
      throw new IllegalStateException("the scrape does not end with a newline");
    }
    int last = lines.length - 2;
    if (openMetrics && (last < 0 || !lines[last].equals("# EOF"))) {
      throw new IllegalStateException("OpenMetrics scrape without '# EOF' as its last line");
    }
    HistogramCheck histograms = new HistogramCheck();
    for (int i = 0; i <= last; i++) {
      String line = lines[i];
      try {
        if (line.startsWith("#")) {
          if (openMetrics && line.equals("# EOF")) {
            if (i != last) {
              throw new IllegalStateException("'# EOF' before the end");
            }
            continue;
          }
          String[] parts = line.split(" ", 4);
          if (parts.length < 3) {
            throw new IllegalStateException("a comment that is neither HELP, TYPE nor UNIT");
          }
          switch (parts[1]) {
            case "TYPE" -> {
              if (parts.length != 4) {
                throw new IllegalStateException("TYPE without a type");
              }
              family = parts[2];
              kind = Kind.valueOf(parts[3].toUpperCase(java.util.Locale.ROOT));
              if (kinds.put(family, kind) != null) {
                throw new IllegalStateException("family " + family + " announced twice");
              }
              histograms.endFamily();
            }
            case "HELP", "UNIT" -> {
              // text, checked no further
            }
            default -> {
              if (openMetrics) {
                throw new IllegalStateException("unknown OpenMetrics comment");
              }
            }
          }
          continue;
        }
        if (line.isEmpty()) {
          throw new IllegalStateException("an empty line");
        }
        Sample sample = new LineParser(line, openMetrics, kind).parse();
        if (family == null || !belongs(sample.name(), family, kind, openMetrics)) {
          throw new IllegalStateException(
              "sample " + sample.name() + " outside its family (last TYPE: " + family + ")");
        }
        if (kind == Kind.HISTOGRAM) {
          histograms.add(family, sample);
        }
        samples.add(sample);
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "line " + (i + 1) + " '" + abbreviate(line) + "': " + e.getMessage(), e);
      }
    }
    histograms.endFamily();
    return new Exposition(samples);
  }

  private static boolean belongs(String name, String family, Kind kind, boolean openMetrics) {
    if (!name.startsWith(family)) {
      return false;
    }
    String suffix = name.substring(family.length());
    return switch (kind) {
      case COUNTER -> openMetrics
          ? suffix.equals("_total") || suffix.equals("_created")
          : suffix.isEmpty() || suffix.equals("_created");
      case HISTOGRAM, GAUGEHISTOGRAM -> suffix.equals("_bucket") || suffix.equals("_count")
          || suffix.equals("_sum") || suffix.equals("_created") || suffix.equals("_gcount")
          || suffix.equals("_gsum");
      case SUMMARY -> suffix.isEmpty() || suffix.equals("_count") || suffix.equals("_sum")
          || suffix.equals("_created");
      case INFO -> openMetrics ? suffix.equals("_info") : suffix.isEmpty();
      default -> suffix.isEmpty();
    };
  }

  private static String abbreviate(String line) {
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  /**
   * A histogram's series, one label set (without {@code le}) at a time: buckets in increasing
   * {@code le}, counts never decreasing, {@code +Inf} equal to {@code _count}.
   */
  private static final class HistogramCheck {
    private final Map<String, double[]> lastBucket = new HashMap<>(); // series -> {le, count}
    private final Map<String, Double> infBucket = new HashMap<>();
    private final Map<String, Double> counts = new HashMap<>();

    void add(String family, Sample sample) {
      TreeMap<String, String> labels = new TreeMap<>(sample.labels());
      String le = labels.remove("le");
      String series = key(family, labels);
      if (sample.name().endsWith("_bucket")) {
        if (le == null) {
          throw new IllegalStateException("a bucket without le");
        }
        double bound = parseValue(le);
        double[] previous = lastBucket.get(series);
        if (previous != null && (bound <= previous[0] || sample.value() < previous[1])) {
          throw new IllegalStateException(
              "bucket le=" + le + " of " + series + " holds " + sample.value()
                  + " after le=" + previous[0] + " held " + previous[1]);
        }
        lastBucket.put(series, new double[] {bound, sample.value()});
        if (bound == Double.POSITIVE_INFINITY) {
          infBucket.put(series, sample.value());
        }
      } else if (sample.name().endsWith("_count")) {
        counts.put(series, sample.value());
      }
    }

    void endFamily() {
      for (Map.Entry<String, Double> count : counts.entrySet()) {
        Double inf = infBucket.get(count.getKey());
        if (inf == null || !inf.equals(count.getValue())) {
          throw new IllegalStateException(
              count.getKey() + ": _count " + count.getValue() + " but the +Inf bucket " + inf);
        }
      }
      if (infBucket.size() != counts.size()) {
        throw new IllegalStateException("histogram series with a +Inf bucket but no _count");
      }
      lastBucket.clear();
      infBucket.clear();
      counts.clear();
    }
  }

  static double parseValue(String token) {
    return switch (token) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(token);
    };
  }

  /** {@code name{a="x",b="y"} value [timestamp]}, in OpenMetrics with an optional exemplar. */
  private static final class LineParser {
    private final String line;
    private final boolean openMetrics;
    private final Kind kind;
    private int pos;

    LineParser(String line, boolean openMetrics, Kind kind) {
      this.line = line;
      this.openMetrics = openMetrics;
      this.kind = kind;
    }

    Sample parse() {
      String name = name();
      TreeMap<String, String> labels = new TreeMap<>();
      if (peek() == '{') {
        labels = labels();
      }
      expect(' ');
      int start = pos;
      while (pos < line.length() && line.charAt(pos) != ' ') {
        pos++;
      }
      double value = parseValue(line.substring(start, pos));
      if (pos < line.length()) {
        pos++;
        if (openMetrics && line.startsWith("# ", pos)) {
          exemplar();
        } else {
          int ts = pos;
          while (pos < line.length() && line.charAt(pos) != ' ') {
            pos++;
          }
          String timestamp = line.substring(ts, pos);
          if (openMetrics) {
            Double.parseDouble(timestamp);
          } else {
            Long.parseLong(timestamp);
          }
          if (pos < line.length()) {
            pos++;
            if (!openMetrics || !line.startsWith("# ", pos)) {
              throw new IllegalStateException("unexpected text after the timestamp");
            }
            exemplar();
          }
        }
      }
      return new Sample(kind, name, labels, value);
    }

    private void exemplar() {
      pos += 2;
      if (peek() != '{') {
        throw new IllegalStateException("an exemplar without labels");
      }
      labels();
      expect(' ');
      String[] rest = line.substring(pos).split(" ", -1);
      if (rest.length < 1 || rest.length > 2) {
        throw new IllegalStateException("an exemplar needs a value and at most a timestamp");
      }
      Double.parseDouble(rest[0]);
      if (rest.length == 2) {
        Double.parseDouble(rest[1]);
      }
      pos = line.length();
    }

    private String name() {
      int start = pos;
      while (pos < line.length() && isNameChar(line.charAt(pos), pos == start)) {
        pos++;
      }
      if (pos == start) {
        throw new IllegalStateException("no name at column " + (pos + 1));
      }
      return line.substring(start, pos);
    }

    private TreeMap<String, String> labels() {
      TreeMap<String, String> labels = new TreeMap<>();
      expect('{');
      while (peek() != '}') {
        String label = name();
        expect('=');
        expect('"');
        StringBuilder value = new StringBuilder();
        while (true) {
          if (pos >= line.length()) {
            throw new IllegalStateException("unterminated label value");
          }
          char c = line.charAt(pos++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char e = pos < line.length() ? line.charAt(pos++) : '\0';
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new IllegalStateException("invalid escape \\" + e);
            }
          } else {
            value.append(c);
          }
        }
        if (labels.put(label, value.toString()) != null) {
          throw new IllegalStateException("label " + label + " twice");
        }
        if (peek() == ',') {
          pos++;
        } else if (peek() != '}') {
          throw new IllegalStateException("expected ',' or '}' at column " + (pos + 1));
        }
      }
      pos++;
      return labels;
    }

    private static boolean isNameChar(char c, boolean first) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
          || (!first && c >= '0' && c <= '9');
    }

    private char peek() {
      return pos < line.length() ? line.charAt(pos) : '\0';
    }

    private void expect(char c) {
      if (peek() != c) {
        throw new IllegalStateException("expected '" + c + "' at column " + (pos + 1));
      }
      pos++;
    }
  }
}
