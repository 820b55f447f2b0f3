package dev.weft.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A poll's exit as the kafka-clients module reports it, one {@link PollReport} per call: records
 * counted per topic, and the lag of every assigned partition from the consumer's own view, as
 * {@code /metrics} shows it.
 */
class KafkaPollTest {

  private final Object consumer = new Object();
  private final PollReport report = new PollReport();
  private MetricsRuntime rt;
  private KafkaAdvice k;

  @BeforeEach
  void runtime() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    rt = new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
    k = new KafkaAdvice(rt, Tracing.disabled(), new AgentErrors(), null);
  }

  /** One poll's exit: {@code partitions} as topic, partition, end offset, position. */
  private void polled(Object... partitions) {
    report.clear();
    report.consumer = consumer;
    report.group = "billing";
    report.partitionsRead();
    for (int i = 0; i < partitions.length; i += 4) {
      report.addPartition((String) partitions[i], (Integer) partitions[i + 1],
          ((Number) partitions[i + 2]).longValue(), ((Number) partitions[i + 3]).longValue());
    }
    k.polled(report);
    report.consumer = null;
  }

  @Test
  void recordsAreCountedPerTopic() {
    report.clear();
    report.consumer = consumer;
    report.group = "billing";
    report.addRecords("orders", 3);
    report.addRecords("payments", 2);
    report.addRecords(new String("orders"), 4); // another String of the same topic
    report.records = new Object();
    k.polled(report);
    assertEquals(7, counter("kafka_consumer_records_total", "orders"));
    assertEquals(2, counter("kafka_consumer_records_total", "payments"));
    assertEquals(2, report.topicCount);
  }

  @Test
  void lagIsEndMinusPositionWhereBothAreKnownAndGoesWithTheAssignment() {
    polled("orders", 0, 10, 4, "orders", 1, -1, 0, "orders", 2, 5, -1);
    assertEquals(Map.of("0", 6.0), lag(), "no series before a partition's end and position are known");

    polled("orders", 0, -1, 6, "orders", 1, 7, 2, "orders", 2, 5, -1);
    assertEquals(Map.of("0", 4.0, "1", 5.0), lag(), "not fetched since: the end it saw last");

    polled("orders", 1, 7, 9);
    assertEquals(Map.of("1", 0.0), lag(), "no longer assigned: no series; never below 0");

    polled("orders", 1, 8, 7, "orders", 0, -1, 8);
    assertEquals(Map.of("0", 2.0, "1", 1.0), lag(), "assigned again: the end it saw before");

    report.clear();
    report.consumer = consumer; // the consumer's view could not be read: the series stay
    k.polled(report);
    assertEquals(Map.of("0", 2.0, "1", 1.0), lag());

    k.closed(consumer);
    assertEquals(Map.of(), lag(), "closed: every series goes");
  }

  @Test
  void nothingIsRecordedWithoutAConsumer() {
    report.clear();
    report.addRecords("orders", 3);
    report.partitionsRead();
    report.addPartition("orders", 0, 10, 4);
    k.polled(report);
    assertEquals(0, counter("kafka_consumer_records_total", "orders"));
    assertEquals(Map.of(), lag());
  }

  /** kafka_consumer_lag of group billing, by partition. */
  private Map<String, Double> lag() {
    Map<String, Double> lag = new TreeMap<>();
    for (MetricSnapshot s : rt.registry().scrape()) {
      if (s.getMetadata().getPrometheusName().equals("kafka_consumer_lag")) {
        for (GaugeSnapshot.GaugeDataPointSnapshot p : ((GaugeSnapshot) s).getDataPoints()) {
          assertEquals("orders", p.getLabels().get("topic"));
          assertEquals("billing", p.getLabels().get("group"));
          lag.put(p.getLabels().get("partition"), p.getValue());
        }
      }
    }
    return lag;
  }

  private double counter(String name, String topic) {
    for (MetricSnapshot s : rt.registry().scrape()) {
      if ((s.getMetadata().getPrometheusName() + "_total").equals(name)) {
        for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
          if (topic.equals(p.getLabels().get("topic"))) {
            assertEquals("billing", p.getLabels().get("group"));
            assertEquals("ok", p.getLabels().get("status"));
            return p.getValue();
          }
        }
      }
    }
    return 0;
  }
}
