package dev.weft.runtime.metrics.naming;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A naming preset: the rules that turn Weft's metrics into another vocabulary's, applied to each
 * scrape (and each push) of Weft's registry. Recording is untouched, so the preset costs the
 * application nothing per call; only a scrape does the renaming, on a copy of the snapshots.
 *
 * <p>Counts stay exact: a series is renamed, relabelled, or added to others whose labels become
 * equal (a counter's values, a histogram's bucket counts, sums and counts); a histogram's buckets
 * may be narrowed to a preset's bounds, which are always among the recorded ones, so each
 * remaining bucket's cumulative count is the recorded one.
 */
public final class NamingPreset {

  private final String name;
  private final List<Rule> rules;
  private final Map<String, List<Rule>> bySource = new LinkedHashMap<>();

  NamingPreset(String name, List<Rule> rules) {
    this.name = name;
    this.rules = Collections.unmodifiableList(new ArrayList<>(rules));
    for (Rule r : rules) {
      bySource.computeIfAbsent(r.source, k -> new ArrayList<>()).add(r);
    }
  }

  public String name() {
    return name;
  }

  /** Every rule, in the order the docs list them. */
  public List<Rule> rules() {
    return rules;
  }

  /**
   * The first rule that maps {@code source} to a metric of the preset, or null.
   */
  public Rule mapping(String source) {
    List<Rule> all = bySource.get(source);
    if (all != null) {
      for (Rule r : all) {
        if (r.target != null) {
          return r;
        }
      }
    }
    return null;
  }

  /** Every rule that reads {@code source}, or an empty list. */
  public List<Rule> rulesOf(String source) {
    List<Rule> all = bySource.get(source);
    return all == null ? Collections.<Rule>emptyList() : all;
  }

  /** True for the default preset, which exposes Weft's metrics as they are recorded. */
  public boolean isIdentity() {
    return rules.isEmpty();
  }

  /**
   * The registry as this preset exposes it: {@code registry} itself for the identity preset,
   * else a registry whose one collector renames each scrape of {@code registry}.
   */
  public PrometheusRegistry view(PrometheusRegistry registry, Set<String> constantLabels) {
    if (isIdentity()) {
      return registry;
    }
    PrometheusRegistry view = new PrometheusRegistry();
    view.register((MultiCollector) () -> apply(registry.scrape(), constantLabels));
    return view;
  }

  /**
   * Weft's snapshots under this preset's names. The {@code constantLabels} (those of
   * weft.metrics.labels) are kept on every series as they are.
   */
  public MetricSnapshots apply(MetricSnapshots in, Set<String> constantLabels) {
    if (isIdentity()) {
      return in;
    }
    Map<String, Target> targets = new LinkedHashMap<>();
    List<MetricSnapshot> out = new ArrayList<>();
    for (MetricSnapshot s : in) {
      List<Rule> matching = bySource.get(exposedName(s));
      if (matching == null) {
        out.add(s);
        continue;
      }
      for (Rule r : matching) {
        if (r.target == null) {
          continue;
        }
        Target t = targets.get(r.target);
        if (t == null) {
          t = new Target(r, s, constantLabels);
          targets.put(r.target, t);
          out.add(null); // its place in the output, filled below
          t.index = out.size() - 1;
        }
        t.add(r, s);
      }
    }
    for (Target t : targets.values()) {
      out.set(t.index, t.build());
    }
    List<MetricSnapshot> kept = new ArrayList<>(out.size());
    for (MetricSnapshot s : out) {
      if (s != null && !s.getDataPoints().isEmpty()) {
        kept.add(s);
      }
    }
    return new MetricSnapshots(kept);
  }

  /** A metric's name as the text format exposes its family: counters with {@code _total}. */
  static String exposedName(MetricSnapshot s) {
    String base = s.getMetadata().getPrometheusName();
    return s instanceof CounterSnapshot ? base + "_total" : base;
  }

  /** The target labels of one source series. */
  private static Labels relabel(Rule r, Labels source, Set<String> constantLabels) {
    List<String> names = new ArrayList<>(r.labels.size() + constantLabels.size());
    List<String> values = new ArrayList<>(r.labels.size() + constantLabels.size());
    for (String c : constantLabels) {
      String v = source.get(c);
      if (v != null) {
        names.add(c);
        values.add(v);
      }
    }
    for (Rule.Label l : r.labels) {
      String v = l.value.apply(source);
      if (v != null && !v.isEmpty()) {
        names.add(l.name);
        values.add(v);
      }
    }
    return Labels.of(names, values);
  }

  /** One metric of the preset, collecting the series its rules map onto it. */
  private static final class Target {
    final String exposed;
    final String help;
    final Kind kind;
    int index;
    final Map<Labels, Acc> series = new LinkedHashMap<>();
    final Set<String> constantLabels;

    Target(Rule r, MetricSnapshot first, Set<String> constantLabels) {
      this.constantLabels = constantLabels;
      this.exposed = r.target;
      this.help = r.help;
      this.kind = Kind.of(first);
    }

    void add(Rule r, MetricSnapshot s) {
      if (Kind.of(s) != kind) {
        throw new IllegalStateException(
            r.source + " cannot feed " + exposed + ": a " + Kind.of(s) + " into a " + kind);
      }
      for (DataPointSnapshot p : s.getDataPoints()) {
        Labels labels = relabel(r, p.getLabels(), constantLabels);
        series.computeIfAbsent(labels, l -> new Acc()).add(r, p);
      }
    }

    MetricSnapshot build() {
      String base = kind == Kind.COUNTER ? exposed.substring(0, exposed.length() - 6) : exposed;
      Unit unit = null;
      for (String u : new String[] {"seconds", "milliseconds", "bytes"}) {
        if (base.endsWith("_" + u)) {
          unit = new Unit(u);
        }
      }
      MetricMetadata metadata = new MetricMetadata(base, help, unit);
      switch (kind) {
        case COUNTER:
          {
            List<CounterDataPointSnapshot> points = new ArrayList<>();
            for (Map.Entry<Labels, Acc> e : series.entrySet()) {
              points.add(
                  new CounterDataPointSnapshot(
                      e.getValue().value, e.getKey(), null, e.getValue().created()));
            }
            return new CounterSnapshot(metadata, points);
          }
        case GAUGE:
          {
            List<GaugeDataPointSnapshot> points = new ArrayList<>();
            for (Map.Entry<Labels, Acc> e : series.entrySet()) {
              points.add(new GaugeDataPointSnapshot(e.getValue().value, e.getKey(), null));
            }
            return new GaugeSnapshot(metadata, points);
          }
        default:
          {
            List<HistogramDataPointSnapshot> points = new ArrayList<>();
            for (Map.Entry<Labels, Acc> e : series.entrySet()) {
              Acc a = e.getValue();
              points.add(
                  new HistogramDataPointSnapshot(
                      ClassicHistogramBuckets.of(a.bounds, a.counts),
                      a.value,
                      e.getKey(),
                      a.exemplars == null ? Exemplars.EMPTY : a.exemplars,
                      a.created()));
            }
            return new HistogramSnapshot(metadata, points);
          }
      }
    }
  }

  private enum Kind {
    COUNTER,
    GAUGE,
    HISTOGRAM;

    static Kind of(MetricSnapshot s) {
      if (s instanceof CounterSnapshot) {
        return COUNTER;
      }
      if (s instanceof GaugeSnapshot) {
        return GAUGE;
      }
      if (s instanceof HistogramSnapshot && !((HistogramSnapshot) s).isGaugeHistogram()) {
        return HISTOGRAM;
      }
      throw new IllegalStateException(
          s.getMetadata().getPrometheusName() + " is a " + s.getClass().getSimpleName()
              + ", which no preset renames");
    }
  }

  /**
   * The running total of one target series: a counter's or gauge's value, or a histogram's sum
   * with its cumulative bucket counts.
   */
  private static final class Acc {
    double value;
    double[] bounds;
    long[] counts;
    Exemplars exemplars;
    long created = Long.MAX_VALUE;

    long created() {
      return created == Long.MAX_VALUE ? 0L : created;
    }

    void add(Rule r, DataPointSnapshot p) {
      if (p.hasCreatedTimestamp()) {
        created = Math.min(created, p.getCreatedTimestampMillis());
      }
      if (p instanceof CounterDataPointSnapshot) {
        value += ((CounterDataPointSnapshot) p).getValue();
      } else if (p instanceof GaugeDataPointSnapshot) {
        value += ((GaugeDataPointSnapshot) p).getValue();
      } else {
        HistogramDataPointSnapshot h = (HistogramDataPointSnapshot) p;
        ClassicHistogramBuckets b = h.getClassicBuckets();
        double[] wanted = r.bounds != null ? withInfinity(r.bounds) : bounds(b);
        long[] perBucket = perBucketAt(b, wanted, r);
        if (bounds == null) {
          bounds = wanted;
          counts = new long[wanted.length];
          exemplars = h.getExemplars();
        } else if (bounds.length != wanted.length) {
          throw new IllegalStateException(r.target + ": series with different buckets meet");
        }
        for (int i = 0; i < wanted.length; i++) {
          counts[i] += perBucket[i];
        }
        value += h.hasSum() ? h.getSum() : 0;
      }
    }

    /** Per-bucket counts (what client_java's model takes) at the wanted bounds. */
    private static long[] perBucketAt(ClassicHistogramBuckets b, double[] wanted, Rule r) {
      long[] perBucket = new long[wanted.length];
      long running = 0;
      long taken = 0;
      int j = 0;
      for (int i = 0; i < b.size(); i++) {
        running += b.getCount(i);
        if (j < wanted.length && sameBound(b.getUpperBound(i), wanted[j])) {
          perBucket[j] = running - taken;
          taken = running;
          j++;
        }
      }
      if (j != wanted.length) {
        throw new IllegalStateException(
            r.target + ": a bound of the preset is not among " + r.source + "'s buckets");
      }
      return perBucket;
    }

    private static boolean sameBound(double a, double b) {
      return a == b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
    }

    private static double[] bounds(ClassicHistogramBuckets b) {
      double[] all = new double[b.size()];
      for (int i = 0; i < all.length; i++) {
        all[i] = b.getUpperBound(i);
      }
      return all;
    }

    private static double[] withInfinity(double[] bounds) {
      double[] all = java.util.Arrays.copyOf(bounds, bounds.length + 1);
      all[bounds.length] = Double.POSITIVE_INFINITY;
      return all;
    }
  }
}
