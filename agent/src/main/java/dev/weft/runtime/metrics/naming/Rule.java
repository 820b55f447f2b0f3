package dev.weft.runtime.metrics.naming;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One line of a naming preset: which of Weft's metrics ({@link #source}, as exposed: counters
 * with {@code _total}) becomes which metric of the preset, with which labels. Several rules may
 * read one source (a counter that becomes two), and several sources may feed one target (their
 * series are added up where their labels become equal). A metric no rule reads is exposed as it
 * is; {@link #drop} leaves one out.
 */
public final class Rule {

  /** One label of the target: its name, and its value from the source series' labels. */
  public static final class Label {
    String constant;
    final String name;
    final Function<Labels, String> value;
    final String doc;
    final String from;
    final Map<String, String> values;

    Label(String name, Function<Labels, String> value, String doc) {
      this(name, value, doc, null, null);
    }

    Label(
        String name,
        Function<Labels, String> value,
        String doc,
        String from,
        Map<String, String> values) {
      this.name = name;
      this.value = value;
      this.doc = doc;
      this.from = from;
      this.values = values;
    }

    public String name() {
      return name;
    }

    /**
     * The source label whose values this label carries (renamed, and mapped by {@link
     * #valueOf}), or null for a label made up from others or a constant.
     */
    public String from() {
      return from;
    }

    /** The target value of a source value of {@link #from} ("" where the label is left out). */
    public String valueOf(String sourceValue) {
      if (values == null) {
        return sourceValue;
      }
      String v = values.get(sourceValue);
      return v != null ? v : sourceValue;
    }

    /** The constant value of a constant label, else null. */
    public String constant() {
      return constant;
    }

    /** Where the value comes from, for the docs' tables. */
    public String doc() {
      return doc;
    }
  }

  final String source;
  final String target;
  final String help;
  final List<Label> labels;
  final double[] bounds;
  final String sameCount;

  private Rule(Builder b) {
    this.sameCount = b.sameCount;
    this.source = b.source;
    this.target = b.target;
    this.help = b.help;
    this.labels = Collections.unmodifiableList(new ArrayList<>(b.labels));
    this.bounds = b.bounds;
  }

  /** Weft's metric this rule reads, as exposed ({@code http_requests_total}). */
  public String source() {
    return source;
  }

  /** The preset's metric, as exposed; null when the rule drops the source. */
  public String target() {
    return target;
  }

  public List<Label> labels() {
    return labels;
  }

  /** The preset's bucket bounds (a subset of the source's), or null for the source's own. */
  public double[] bounds() {
    return bounds == null ? null : bounds.clone();
  }

  /** For a dropped counter: Weft's histogram whose {@code _count} counts the same calls. */
  public String sameCountAs() {
    return sameCount;
  }

  static Builder map(String source, String target, String help) {
    return new Builder(source, target, help);
  }

  /**
   * Leaves the counter {@code source} out; {@code histogram}: Weft's histogram that counts the
   * same calls, whose {@code _count} under the preset takes the counter's place.
   */
  static Rule drop(String source, String histogram) {
    Builder b = new Builder(source, null, null);
    b.sameCount = histogram;
    return b.build();
  }

  static final class Builder {
    private final String source;
    private final String target;
    private final String help;
    private final List<Label> labels = new ArrayList<>();
    private double[] bounds;
    private String sameCount;

    private Builder(String source, String target, String help) {
      this.source = source;
      this.target = target;
      this.help = help;
    }

    /** The source label {@code from}, renamed; left out where empty. */
    Builder copy(String from, String name) {
      labels.add(new Label(name, l -> l.get(from), "`" + from + "`", from, null));
      return this;
    }

    /**
     * The source label {@code from} under {@code name}, its values mapped by {@code values}
     * (others kept; a value mapped to "" leaves the label out).
     */
    Builder mapped(String from, String name, Map<String, String> values, String doc) {
      labels.add(
          new Label(
              name,
              l -> {
                String v = l.get(from);
                String m = v == null ? null : values.get(v);
                return m != null ? m : v;
              },
              doc,
              from,
              values));
      return this;
    }

    Builder constant(String name, String value) {
      Label l = new Label(name, x -> value, "`\"" + value + "\"`");
      l.constant = value;
      labels.add(l);
      return this;
    }

    /** A value computed from the source's labels; null or empty leaves the label out. */
    Builder derived(String name, Function<Labels, String> value, String doc) {
      labels.add(new Label(name, value, doc));
      return this;
    }

    Builder bounds(double... bounds) {
      this.bounds = bounds.clone();
      return this;
    }

    Rule build() {
      return new Rule(this);
    }
  }
}
