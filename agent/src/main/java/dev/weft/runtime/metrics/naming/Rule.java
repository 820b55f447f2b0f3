package dev.weft.runtime.metrics.naming;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

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
    final String name;
    final Function<Labels, String> value;
    final String doc;

    Label(String name, Function<Labels, String> value, String doc) {
      this.name = name;
      this.value = value;
      this.doc = doc;
    }

    public String name() {
      return name;
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
  final Predicate<Labels> filter;
  final String filterDoc;
  final double[] bounds;
  final double scale;
  final String sameCount;

  private Rule(Builder b) {
    this.sameCount = b.sameCount;
    this.source = b.source;
    this.target = b.target;
    this.help = b.help;
    this.labels = Collections.unmodifiableList(new ArrayList<>(b.labels));
    this.filter = b.filter;
    this.filterDoc = b.filterDoc;
    this.bounds = b.bounds;
    this.scale = b.scale;
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

  /** Which of the source's series the rule reads, for the docs ("" for all of them). */
  public String filterDoc() {
    return filterDoc;
  }

  /** The preset's bucket bounds (a subset of the source's), or null for the source's own. */
  public double[] bounds() {
    return bounds == null ? null : bounds.clone();
  }

  /** For a dropped counter: the preset's series with the same count (a histogram's _count). */
  public String sameCount() {
    return sameCount;
  }

  /** Values are multiplied by this (1000 for seconds to milliseconds). */
  public double scale() {
    return scale;
  }

  static Builder map(String source, String target, String help) {
    return new Builder(source, target, help);
  }

  /** Leaves {@code source} out; {@code sameCount}: the preset's series that counts the same. */
  static Rule drop(String source, String sameCount) {
    Builder b = new Builder(source, null, null);
    b.sameCount = sameCount;
    return b.build();
  }

  static final class Builder {
    private final String source;
    private final String target;
    private final String help;
    private final List<Label> labels = new ArrayList<>();
    private Predicate<Labels> filter = l -> true;
    private String filterDoc = "";
    private double[] bounds;
    private double scale = 1;
    private String sameCount;

    private Builder(String source, String target, String help) {
      this.source = source;
      this.target = target;
      this.help = help;
    }

    /** The source label {@code from}, renamed; left out where empty. */
    Builder copy(String from, String name) {
      labels.add(new Label(name, l -> l.get(from), "`" + from + "`"));
      return this;
    }

    Builder constant(String name, String value) {
      labels.add(new Label(name, l -> value, "`\"" + value + "\"`"));
      return this;
    }

    /** A value computed from the source's labels; null or empty leaves the label out. */
    Builder derived(String name, Function<Labels, String> value, String doc) {
      labels.add(new Label(name, value, doc));
      return this;
    }

    Builder only(Predicate<Labels> filter, String doc) {
      this.filter = filter;
      this.filterDoc = doc;
      return this;
    }

    Builder bounds(double... bounds) {
      this.bounds = bounds.clone();
      return this;
    }

    Builder scale(double scale) {
      this.scale = scale;
      return this;
    }

    Rule build() {
      return new Rule(this);
    }
  }
}
