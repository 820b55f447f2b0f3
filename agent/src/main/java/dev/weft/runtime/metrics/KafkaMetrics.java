package dev.weft.runtime.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Kafka client families:
 *
 * <ul>
 *   <li>{@code kafka_producer_records_total} and {@code kafka_producer_send_duration_seconds}
 *       ({@code topic}, {@code status}, {@code error_type}): one per record sent, from
 *       {@code send} to its acknowledgement or failure;
 *   <li>{@code kafka_consumer_records_total} ({@code topic}, {@code group}, {@code status},
 *       {@code error_type}): records {@code poll} handed to the application;
 *   <li>{@code kafka_consumer_process_duration_seconds} (same labels): the application's time on
 *       each record it took from the iteration;
 *   <li>gauge {@code kafka_consumer_lag} ({@code topic}, {@code partition}, {@code group}).
 * </ul>
 *
 * Topics (and topic, group pairs) go through the cardinality guard; lag series exist only while
 * their partition is assigned.
 */
public final class KafkaMetrics {

  /** A send to a local broker acknowledges in a few milliseconds; a blocked one takes seconds. */
  static final double[] SEND_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
  };

  /** Processing a record ranges from microseconds (a counter) to seconds (a remote call). */
  static final double[] PROCESS_BUCKETS = {
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
  };

  private final Counter producerRecords;
  private final Histogram sendDuration;
  private final Counter consumerRecords;
  private final Histogram processDuration;
  private final Gauge lag;
  private final BoundedLabelMap<OutcomeSeries> producerTopics;
  private final BoundedLabelMap<ConsumerTopic> consumerTopics;

  KafkaMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint producerOverflow,
      CounterDataPoint consumerOverflow) {
    producerRecords =
        Counter.builder()
            .name("kafka_producer_records_total")
            .help("Records sent by Kafka producers, by topic and outcome (acknowledged or failed).")
            .labelNames("topic", "status", "error_type")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    sendDuration =
        Histogram.builder()
            .name("kafka_producer_send_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time from KafkaProducer.send to the record's acknowledgement or failure.")
            .labelNames("topic", "status", "error_type")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(SEND_BUCKETS)
            .register(registry);
    consumerRecords =
        Counter.builder()
            .name("kafka_consumer_records_total")
            .help("Records handed to the application by KafkaConsumer.poll, by topic and group.")
            .labelNames("topic", "group", "status", "error_type")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    processDuration =
        Histogram.builder()
            .name("kafka_consumer_process_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time the application spent on each consumed record, from taking it from the"
                + " iteration to taking the next one or ending the iteration.")
            .labelNames("topic", "group", "status", "error_type")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(PROCESS_BUCKETS)
            .register(registry);
    lag =
        Gauge.builder()
            .name("kafka_consumer_lag")
            .help("Records between the consumer's position and the partition's end, as the"
                + " consumer last saw it (high watermark of its last fetch minus its position).")
            .labelNames("topic", "partition", "group")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    producerTopics =
        new BoundedLabelMap<>(
            cardinalityLimit,
            topic -> new OutcomeSeries(producerRecords, sendDuration, topic),
            producerOverflow::inc);
    consumerTopics =
        new BoundedLabelMap<>(cardinalityLimit, ConsumerTopic::new, consumerOverflow::inc);
  }

  /** The series of records sent to {@code topic}. */
  public OutcomeSeries producer(String topic) {
    return producerTopics.get(topic);
  }

  /** The series of records of {@code topic} consumed in {@code group}. */
  public ConsumerTopic consumer(String topic, String group) {
    return consumerTopics.get(topic + '\u0000' + group);
  }

  /** The lag data point of one partition. */
  public GaugeDataPoint lag(String topic, int partition, String group) {
    return lag.labelValues(topic, Integer.toString(partition), group);
  }

  /** Forgets the lag series of a partition no longer assigned. */
  public void removeLag(String topic, int partition, String group) {
    lag.remove(topic, Integer.toString(partition), group);
  }

  /** One (topic, group): records received, and their processing. */
  public final class ConsumerTopic {
    private final CounterDataPoint received;
    private final OutcomeSeries processed;

    ConsumerTopic(String key) {
      int cut = key.indexOf('\u0000');
      String topic = cut < 0 ? key : key.substring(0, cut);
      String group = cut < 0 ? "" : key.substring(cut + 1);
      received = consumerRecords.labelValues(topic, group, "ok", "");
      processed = new OutcomeSeries(null, processDuration, topic, group);
    }

    public void received(int count) {
      received.inc(count);
    }

    public OutcomeSeries processed() {
      return processed;
    }
  }
}
