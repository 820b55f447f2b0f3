package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * A counter and a duration histogram of one kind of operation, labelled by the operation's name
 * (one open-ended label, through the cardinality guard), {@code status} ({@code ok} or
 * {@code error}) and {@code error_type}. What the operation pipeline feeds for a family whose
 * only label is the operation's name (a command name, for instance).
 */
public final class NamedOutcomeMetrics {

  private final Counter count;
  private final Histogram duration;
  private final BoundedLabelMap<Named> byName;

  NamedOutcomeMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint overflow,
      Shape shape) {
    this.count =
        Counter.builder()
            .name(shape.counter)
            .help(shape.counterHelp)
            .labelNames(shape.nameLabel, "status", "error_type")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name(shape.histogram)
            .unit(Unit.SECONDS)
            .help(shape.histogramHelp)
            .labelNames(shape.nameLabel, "status", "error_type")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(shape.buckets)
            // Exemplars only from observeWithExemplar: the trace id of a sampled span.
            .register(registry);
    this.byName = new BoundedLabelMap<>(cardinalityLimit, Named::new, overflow::inc);
  }

  /** The series of one operation name, through the cardinality guard. */
  public Named named(String name) {
    return byName.get(name);
  }

  /**
   * The metric names and help texts of one family. {@code counter} is the counter's name
   * without its {@code _total} suffix, which is also the {@code metric} label of its cardinality
   * overflow.
   */
  public static final class Shape {
    final String counter;
    final String counterHelp;
    final String histogram;
    final String histogramHelp;
    final String nameLabel;
    final double[] buckets;

    public Shape(
        String counter,
        String counterHelp,
        String histogram,
        String histogramHelp,
        String nameLabel,
        double[] buckets) {
      this.counter = counter;
      this.counterHelp = counterHelp;
      this.histogram = histogram;
      this.histogramHelp = histogramHelp;
      this.nameLabel = nameLabel;
      this.buckets = buckets.clone();
    }
  }

  /** The bound data points of one operation name: one for success, one per error type. */
  public final class Named {
    private final String name;
    private final OutcomeSeries series;

    Named(String name) {
      this.name = name;
      this.series = new OutcomeSeries(count, duration, name);
    }

    public String name() {
      return name;
    }

    /** Records one operation, whose span (or null) has ended; {@code error} null for success. */
    public void record(double seconds, Throwable error, ExemplarSource span) {
      series.record(seconds, error, span);
    }
  }
}
