package dev.weft.runtime.metrics.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.DoublePointData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SummaryPointData;
import io.opentelemetry.sdk.resources.Resource;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.core.metrics.StateSet;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A scrape of a real registry, converted to what the OTLP exporter sends. */
class OtlpMetricsConversionTest {

  private static final long AGENT_START = 1_700_000_000_000_000_000L;
  private static final long NOW = 1_800_000_000_000_000_000L;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Resource resource =
      Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "checkout"));
  private final OtlpMetricsConversion conversion =
      new OtlpMetricsConversion(resource, InstrumentationScopeInfo.create("dev.weft"), AGENT_START);

  private Map<String, MetricData> convert() {
    Map<String, MetricData> byName = new LinkedHashMap<>();
    for (MetricData m : conversion.convert(registry.scrape(), NOW)) {
      byName.put(m.getName(), m);
    }
    return byName;
  }

  private static Attributes attrs(String... kv) {
    io.opentelemetry.api.common.AttributesBuilder b = Attributes.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.put(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  @Test
  void aCounterIsAMonotonicCumulativeSumUnderItsBaseNameWithLabelsAsAttributes() {
    Counter requests =
        Counter.builder()
            .name("http_requests_total")
            .help("HTTP requests.")
            .labelNames("method", "status")
            .constLabels(io.prometheus.metrics.model.snapshots.Labels.of("region", "eu-west-1"))
            .withoutExemplars()
            .register(registry);
    requests.labelValues("GET", "200").inc(7);
    requests.labelValues("GET", "500").inc(2);

    MetricData m = convert().get("http_requests");
    assertEquals(MetricDataType.DOUBLE_SUM, m.getType());
    assertTrue(m.getDoubleSumData().isMonotonic());
    assertEquals(AggregationTemporality.CUMULATIVE, m.getDoubleSumData().getAggregationTemporality());
    assertEquals("HTTP requests.", m.getDescription());
    assertSame(resource, m.getResource());
    assertEquals("dev.weft", m.getInstrumentationScopeInfo().getName());
    Map<Attributes, Double> values = new LinkedHashMap<>();
    for (DoublePointData p : m.getDoubleSumData().getPoints()) {
      values.put(p.getAttributes(), p.getValue());
      assertEquals(NOW, p.getEpochNanos());
      assertTrue(p.getStartEpochNanos() > 0 && p.getStartEpochNanos() < NOW, "the created time");
      assertTrue(p.getStartEpochNanos() != AGENT_START, "a counter has a created time");
    }
    assertEquals(
        Map.of(
            attrs("region", "eu-west-1", "method", "GET", "status", "200"), 7.0,
            attrs("region", "eu-west-1", "method", "GET", "status", "500"), 2.0),
        values);
  }

  @Test
  void aClassicHistogramKeepsItsBoundsPerBucketCountsSumAndCount() {
    Histogram duration =
        Histogram.builder()
            .name("http_request_duration_seconds")
            .help("Request time.")
            .unit(Unit.SECONDS)
            .classicUpperBounds(0.005, 0.1, 1, 5)
            .labelNames("method")
            .withoutExemplars()
            .register(registry);
    for (double v : new double[] {0.003, 0.2, 0.2, 7, 0.1}) {
      duration.labelValues("GET").observe(v);
    }
    duration.labelValues("POST").observe(1);

    MetricData m = convert().get("http_request_duration_seconds");
    assertEquals(MetricDataType.HISTOGRAM, m.getType());
    assertEquals("s", m.getUnit());
    assertEquals(AggregationTemporality.CUMULATIVE, m.getHistogramData().getAggregationTemporality());
    Map<Attributes, HistogramPointData> points = new LinkedHashMap<>();
    for (HistogramPointData p : m.getHistogramData().getPoints()) {
      points.put(p.getAttributes(), p);
    }
    HistogramPointData get = points.get(attrs("method", "GET"));
    assertEquals(Arrays.asList(0.005, 0.1, 1.0, 5.0), get.getBoundaries());
    // (-inf,0.005]: 0.003; (0.005,0.1]: 0.1; (0.1,1]: 0.2 twice; (1,5]: none; (5,+inf): 7
    assertEquals(Arrays.asList(1L, 1L, 2L, 0L, 1L), get.getCounts());
    assertEquals(5, get.getCount());
    assertEquals(0.003 + 0.2 + 0.2 + 7 + 0.1, get.getSum(), 1e-12);
    assertFalse(get.hasMin());
    assertFalse(get.hasMax());
    HistogramPointData post = points.get(attrs("method", "POST"));
    assertEquals(Arrays.asList(0L, 0L, 1L, 0L, 0L), post.getCounts());
    assertEquals(1, post.getCount());
    assertEquals(1.0, post.getSum());
  }

  @Test
  void gaugesInfoAndStateSetsAreGauges() {
    Gauge heap =
        Gauge.builder().name("heap_used_bytes").help("Heap.").unit(Unit.BYTES).register(registry);
    heap.set(4096);
    Info.builder()
        .name("weft_agent_info")
        .help("The agent.")
        .labelNames("version")
        .register(registry)
        .setLabelValues("1.2.3");
    StateSet.builder()
        .name("feature")
        .help("Flags.")
        .states("a", "b")
        .register(registry)
        .setTrue("b");

    Map<String, MetricData> all = convert();
    MetricData g = all.get("heap_used_bytes");
    assertEquals(MetricDataType.DOUBLE_GAUGE, g.getType());
    assertEquals("By", g.getUnit());
    assertEquals(4096.0, only(g.getDoubleGaugeData().getPoints()).getValue());
    assertEquals(AGENT_START, only(g.getDoubleGaugeData().getPoints()).getStartEpochNanos(),
        "a gauge has no created time: the agent's start");

    MetricData info = all.get("weft_agent_info");
    assertEquals(MetricDataType.DOUBLE_GAUGE, info.getType());
    DoublePointData infoPoint = only(info.getDoubleGaugeData().getPoints());
    assertEquals(1.0, infoPoint.getValue());
    assertEquals(attrs("version", "1.2.3"), infoPoint.getAttributes());

    Map<Attributes, Double> states = new LinkedHashMap<>();
    for (DoublePointData p : all.get("feature").getDoubleGaugeData().getPoints()) {
      states.put(p.getAttributes(), p.getValue());
    }
    assertEquals(Map.of(attrs("feature", "a"), 0.0, attrs("feature", "b"), 1.0), states);
  }

  @Test
  void aSummaryKeepsCountSumAndQuantiles() {
    Summary sizes =
        Summary.builder().name("batch_size").help("Sizes.").quantile(0.5).withoutExemplars()
            .register(registry);
    sizes.observe(1);
    sizes.observe(2);
    sizes.observe(3);

    MetricData m = convert().get("batch_size");
    assertEquals(MetricDataType.SUMMARY, m.getType());
    SummaryPointData p = only(m.getSummaryData().getPoints());
    assertEquals(3, p.getCount());
    assertEquals(6.0, p.getSum());
    assertEquals(1, p.getValues().size());
    assertEquals(0.5, p.getValues().get(0).getQuantile());
    assertEquals(2.0, p.getValues().get(0).getValue());
  }

  @Test
  void targetInfoIsTheResourceNotAMetric() {
    Info.builder()
        .name("target_info")
        .help("The service.")
        .labelNames("service_name")
        .register(registry)
        .setLabelValues("checkout");
    Counter.builder().name("jobs_total").help("Jobs.").withoutExemplars().register(registry).inc();

    Map<String, MetricData> all = convert();
    assertEquals(List.of("jobs"), List.copyOf(all.keySet()));
  }

  private static <T> T only(java.util.Collection<T> points) {
    assertEquals(1, points.size(), points.toString());
    return points.iterator().next();
  }
}
