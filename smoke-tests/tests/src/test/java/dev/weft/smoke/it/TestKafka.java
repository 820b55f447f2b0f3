package dev.weft.smoke.it;

import dev.weft.testing.kafka.KafkaBroker;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A KRaft broker for the Kafka tests, with topic auto-creation off (a topic exists only if the
 * test, or Weft, created it), and an admin client on it.
 */
final class TestKafka implements AutoCloseable {

  static final int PARTITIONS = 3;

  final KafkaBroker broker;
  final Admin admin;

  private TestKafka(KafkaBroker broker) {
    this.broker = broker;
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    this.admin = Admin.create(p);
  }

  static TestKafka start(Path dir) {
    return new TestKafka(KafkaBroker.start(dir, Map.of("auto.create.topics.enable", "false")));
  }

  String bootstrap() {
    return broker.bootstrapServers();
  }

  /** Creates {@code topic} with 3 partitions. */
  void createTopic(String topic) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
  }

  /** The group's lag on a 3-partition topic as the broker sees it: end offsets minus commits. */
  long groupLag(String topic, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
    long lag = 0;
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      lag += e.getValue().offset() - (c == null ? 0 : c.offset());
    }
    return lag;
  }

  @Override
  public void close() {
    admin.close();
    broker.close();
  }
}
