package dev.weft.testing;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reading of Weft's registry: every counter's value, histogram's count and gauge's value,
 * by metric name (as exposed: counters with {@code _total}) and exact label set.
 */
final class MetricValues {

  private final Map<String, Map<Map<String, String>, Double>> values = new HashMap<>();

  static MetricValues read(PrometheusRegistry registry) {
    MetricValues read = new MetricValues();
    for (MetricSnapshot snapshot : registry.scrape()) {
      String name = snapshot.getMetadata().getPrometheusName();
      if (snapshot instanceof CounterSnapshot) {
        for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) snapshot).getDataPoints()) {
          read.put(name + "_total", p, p.getValue());
        }
      } else if (snapshot instanceof HistogramSnapshot) {
        for (HistogramSnapshot.HistogramDataPointSnapshot p :
            ((HistogramSnapshot) snapshot).getDataPoints()) {
          read.put(name, p, p.getCount());
        }
      } else if (snapshot instanceof GaugeSnapshot) {
        for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) snapshot).getDataPoints()) {
          read.put(name, p, p.getValue());
        }
      }
    }
    return read;
  }

  private void put(String name, DataPointSnapshot point, double value) {
    values.computeIfAbsent(name, n -> new HashMap<>()).put(labels(point.getLabels()), value);
  }

  static Map<String, String> labels(Labels labels) {
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < labels.size(); i++) {
      map.put(labels.getName(i), labels.getValue(i));
    }
    return map;
  }

  static Map<String, String> labels(String... pairs) {
    if (pairs.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name, value pairs");
    }
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  /** The value of the series with exactly these labels; 0 if there is none. */
  double get(String name, Map<String, String> labels) {
    Map<Map<String, String>, Double> series = values.get(name);
    Double value = series == null ? null : series.get(labels);
    return value == null ? 0 : value;
  }

  boolean has(String name, Map<String, String> labels) {
    Map<Map<String, String>, Double> series = values.get(name);
    return series != null && series.containsKey(labels);
  }

  Map<Map<String, String>, Double> series(String name) {
    Map<Map<String, String>, Double> series = values.get(name);
    return series == null ? new HashMap<>() : series;
  }
}
