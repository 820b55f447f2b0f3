package dev.weft.runtime.metrics.push;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.data.SummaryData;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.metrics.data.ValueAtQuantile;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns one scrape of a Prometheus registry (client_java's {@link MetricSnapshots}) into
 * OpenTelemetry {@link MetricData} for an OTLP exporter: the same series, under the same names and
 * labels as /metrics shows them, so that a pushed counter and a scraped one are one number.
 *
 * <ul>
 *   <li>counter: a monotonic cumulative Sum named without {@code _total} (as client_java names it;
 *       a collector's Prometheus exporter adds {@code _total} back)
 *   <li>gauge, info ({@code <name>_info} = 1), state set (one point per state, 1 or 0, the state
 *       in a label named after the metric), unknown: a Gauge
 *   <li>classic histogram: an explicit-bucket cumulative Histogram, bounds without +Inf, the
 *       per-bucket counts client_java keeps, sum and count
 *   <li>summary: a Summary with its quantiles, sum and count
 *   <li>{@code target_info} is not a metric here: it is the OTLP Resource
 * </ul>
 *
 * <p>Every point's start is its series' created time, else {@code fallbackStartEpochNanos} (the
 * agent's start); its time is the moment of the scrape.
 */
public final class OtlpMetricsConversion {

  /** The name client_java gives the {@code target_info} Info metric in its snapshots. */
  static final String TARGET_INFO = "target";

  private final Resource resource;
  private final InstrumentationScopeInfo scope;
  private final long fallbackStartEpochNanos;

  public OtlpMetricsConversion(
      Resource resource, InstrumentationScopeInfo scope, long fallbackStartEpochNanos) {
    this.resource = resource;
    this.scope = scope;
    this.fallbackStartEpochNanos = fallbackStartEpochNanos;
  }

  /** Every metric of {@code snapshots}, stamped {@code nowEpochNanos}. */
  public List<MetricData> convert(MetricSnapshots snapshots, long nowEpochNanos) {
    List<MetricData> out = new ArrayList<>(snapshots.size());
    for (MetricSnapshot snapshot : snapshots) {
      MetricData data = convert(snapshot, nowEpochNanos);
      if (data != null) {
        out.add(data);
      }
    }
    return out;
  }

  private MetricData convert(MetricSnapshot snapshot, long now) {
    MetricMetadata meta = snapshot.getMetadata();
    String name = meta.getPrometheusName();
    if (snapshot instanceof CounterSnapshot) {
      List<DoublePointData> points = new ArrayList<>();
      for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) snapshot).getDataPoints()) {
        points.add(point(p, now, p.getValue()));
      }
      return new Metric(
          meta,
          name,
          MetricDataType.DOUBLE_SUM,
          SumData.createDoubleSumData(true, AggregationTemporality.CUMULATIVE, points));
    }
    if (snapshot instanceof GaugeSnapshot) {
      List<DoublePointData> points = new ArrayList<>();
      for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) snapshot).getDataPoints()) {
        points.add(point(p, now, p.getValue()));
      }
      return gauge(meta, name, points);
    }
    if (snapshot instanceof HistogramSnapshot) {
      return histogram((HistogramSnapshot) snapshot, meta, name, now);
    }
    if (snapshot instanceof SummarySnapshot) {
      List<SummaryPointData> points = new ArrayList<>();
      for (SummarySnapshot.SummaryDataPointSnapshot p : ((SummarySnapshot) snapshot).getDataPoints()) {
        List<ValueAtQuantile> quantiles = new ArrayList<>(p.getQuantiles().size());
        for (Quantile q : p.getQuantiles()) {
          quantiles.add(ValueAtQuantile.create(q.getQuantile(), q.getValue()));
        }
        points.add(
            SummaryPointData.create(
                start(p), now, attributes(p.getLabels()), p.hasCount() ? p.getCount() : 0,
                p.hasSum() ? p.getSum() : 0, quantiles));
      }
      return new Metric(meta, name, MetricDataType.SUMMARY, SummaryData.create(points));
    }
    if (snapshot instanceof InfoSnapshot) {
      if (TARGET_INFO.equals(name)) {
        return null;
      }
      List<DoublePointData> points = new ArrayList<>();
      for (InfoSnapshot.InfoDataPointSnapshot p : ((InfoSnapshot) snapshot).getDataPoints()) {
        points.add(point(p, now, 1));
      }
      return gauge(meta, name + "_info", points);
    }
    if (snapshot instanceof StateSetSnapshot) {
      List<DoublePointData> points = new ArrayList<>();
      for (StateSetSnapshot.StateSetDataPointSnapshot p : ((StateSetSnapshot) snapshot).getDataPoints()) {
        for (int i = 0; i < p.size(); i++) {
          Attributes attributes =
              attributes(p.getLabels()).toBuilder().put(name, p.getName(i)).build();
          points.add(
              DoublePointData.create(
                  start(p), now, attributes, p.isTrue(i) ? 1 : 0, Collections.emptyList()));
        }
      }
      return gauge(meta, name, points);
    }
    if (snapshot instanceof UnknownSnapshot) {
      List<DoublePointData> points = new ArrayList<>();
      for (UnknownSnapshot.UnknownDataPointSnapshot p : ((UnknownSnapshot) snapshot).getDataPoints()) {
        points.add(point(p, now, p.getValue()));
      }
      return gauge(meta, name, points);
    }
    return null; // a snapshot type of a later client_java: not sent rather than guessed at
  }

  private Metric histogram(HistogramSnapshot snapshot, MetricMetadata meta, String name, long now) {
    List<HistogramPointData> points = new ArrayList<>();
    for (HistogramSnapshot.HistogramDataPointSnapshot p : snapshot.getDataPoints()) {
      if (!p.hasClassicHistogramData()) {
        continue; // native-only histograms: Weft registers classic ones only
      }
      ClassicHistogramBuckets buckets = p.getClassicBuckets();
      // client_java keeps per-bucket (not cumulative) counts, the last bucket's bound being +Inf:
      // OTLP's explicit bounds leave that last one out and keep one count more than bounds.
      List<Double> bounds = new ArrayList<>(buckets.size());
      List<Long> counts = new ArrayList<>(buckets.size());
      for (int i = 0; i < buckets.size(); i++) {
        double bound = buckets.getUpperBound(i);
        if (bound != Double.POSITIVE_INFINITY) {
          bounds.add(bound);
        }
        counts.add(buckets.getCount(i));
      }
      if (counts.size() == bounds.size()) {
        counts.add(0L); // no +Inf bucket in the snapshot (client_java always has one)
      }
      points.add(
          HistogramPointData.create(
              start(p),
              now,
              attributes(p.getLabels()),
              p.hasSum() ? p.getSum() : 0,
              false,
              0,
              false,
              0,
              bounds,
              counts));
    }
    return new Metric(
        meta,
        name,
        MetricDataType.HISTOGRAM,
        HistogramData.create(AggregationTemporality.CUMULATIVE, points));
  }

  private Metric gauge(MetricMetadata meta, String name, List<DoublePointData> points) {
    return new Metric(
        meta, name, MetricDataType.DOUBLE_GAUGE, GaugeData.createDoubleGaugeData(points));
  }

  private DoublePointData point(DataPointSnapshot p, long now, double value) {
    return DoublePointData.create(
        start(p), now, attributes(p.getLabels()), value, Collections.emptyList());
  }

  private long start(DataPointSnapshot p) {
    return p.hasCreatedTimestamp()
        ? p.getCreatedTimestampMillis() * 1_000_000L
        : fallbackStartEpochNanos;
  }

  /** The labels as /metrics writes them: one string attribute per label. */
  static Attributes attributes(Labels labels) {
    if (labels.isEmpty()) {
      return Attributes.empty();
    }
    AttributesBuilder b = Attributes.builder();
    for (int i = 0; i < labels.size(); i++) {
      b.put(labels.getPrometheusName(i), labels.getValue(i));
    }
    return b.build();
  }

  /**
   * UCUM units for the units client_java knows by name (OTLP speaks UCUM; a collector's Prometheus
   * exporter turns {@code s} back into {@code _seconds}); any other unit is passed as it is.
   */
  static String unit(MetricMetadata meta) {
    if (!meta.hasUnit()) {
      return "";
    }
    String unit = meta.getUnit().toString();
    switch (unit) {
      case "seconds":
        return "s";
      case "bytes":
        return "By";
      case "ratio":
        return "1";
      case "celsius":
        return "Cel";
      case "joules":
        return "J";
      case "grams":
        return "g";
      case "meters":
        return "m";
      case "volts":
        return "V";
      case "amperes":
        return "A";
      default:
        return unit;
    }
  }

  /** One converted metric: OpenTelemetry's data interface over client_java's metadata. */
  private final class Metric implements MetricData {
    private final String name;
    private final String description;
    private final String unit;
    private final MetricDataType type;
    private final Data<?> data;

    Metric(MetricMetadata meta, String name, MetricDataType type, Data<?> data) {
      this.name = name;
      this.description = meta.getHelp() == null ? "" : meta.getHelp();
      this.unit = unit(meta);
      this.type = type;
      this.data = data;
    }

    @Override
    public Resource getResource() {
      return resource;
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
      return scope;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public String getDescription() {
      return description;
    }

    @Override
    public String getUnit() {
      return unit;
    }

    @Override
    public MetricDataType getType() {
      return type;
    }

    @Override
    public Data<?> getData() {
      return data;
    }

    @Override
    public String toString() {
      return "MetricData{" + name + " " + type + " " + data.getPoints().size() + " point(s)}";
    }
  }
}
