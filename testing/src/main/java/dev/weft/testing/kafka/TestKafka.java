package dev.weft.testing.kafka;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;

/**
 * A {@link KafkaBroker} for Kafka tests, with topic auto-creation off (a topic exists only if the
 * test, or Weft, created it), and an admin client on it. Shared by the modules' in-process tests
 * and the smoke tests.
 *
 * <pre>{@code
 * static TestKafka kafka;
 *
 * @BeforeAll static void broker(@TempDir Path dir) { kafka = TestKafka.start(dir.resolve("kafka")); }
 * @AfterAll static void stop() { kafka.close(); }
 * ...
 * kafka.createTopic("orders");                       // 3 partitions
 * props.put("bootstrap.servers", kafka.bootstrap());
 * }</pre>
 *
 * <p>It calls only the admin client (never a producer or a consumer), so in a JVM where Weft
 * records Kafka clients it moves none of their metrics.
 */
public final class TestKafka implements AutoCloseable {

  /** The partitions of a topic made by {@link #createTopic(String)}. */
  public static final int PARTITIONS = 3;

  private static final long TIMEOUT_SECONDS = 30;

  public final KafkaBroker broker;
  public final Admin admin;

  private TestKafka(KafkaBroker broker) {
    this.broker = broker;
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers());
    this.admin = Admin.create(p);
  }

  /** Starts the broker (about 10 s) with its work directory {@code dir}, deleted on close. */
  public static TestKafka start(Path dir) {
    return new TestKafka(
        KafkaBroker.start(dir, Collections.singletonMap("auto.create.topics.enable", "false")));
  }

  /** For {@code bootstrap.servers}. */
  public String bootstrap() {
    return broker.bootstrapServers();
  }

  /** Creates {@code topic} with {@value #PARTITIONS} partitions. */
  public void createTopic(String topic) throws Exception {
    createTopic(topic, PARTITIONS, Collections.emptyMap());
  }

  /** Creates {@code topic} with {@code partitions} partitions and these topic settings. */
  public void createTopic(String topic, int partitions, Map<String, String> config)
      throws Exception {
    NewTopic t = new NewTopic(topic, partitions, (short) 1).configs(config);
    admin.createTopics(Collections.singletonList(t)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    awaitLeaders(topic, partitions);
  }

  /**
   * Returns once every partition of a topic just created answers a list-offsets request from its
   * leader, so a producer started next finds them all ready. The broker knows a new topic a moment
   * after creating it (until then: unknown topic, no leader, both retriable). Seen once in CI: a
   * topic created right after another was deleted had a partition that took a producer's records
   * for 300 s without acknowledging one.
   */
  private void awaitLeaders(String topic, int partitions) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      try {
        endOffsets(topic, partitions);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "topic " + topic + ": not every partition has a leader after " + TIMEOUT_SECONDS
                  + " s", e);
        }
        Thread.sleep(20); // polled, with the deadline above
      }
    }
  }

  /** The names of the topics on the broker (internal ones left out). */
  public Set<String> topics() throws Exception {
    return admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /** The end offset of each partition {@code 0..partitions-1} of {@code topic}. */
  public long[] endOffsets(String topic, int partitions) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        admin.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    long[] offsets = new long[partitions];
    for (int p = 0; p < partitions; p++) {
      offsets[p] = ends.get(new TopicPartition(topic, p)).offset();
    }
    return offsets;
  }

  /**
   * The group's lag on a {@value #PARTITIONS}-partition topic as the broker sees it: end offsets
   * minus commits.
   */
  public long groupLag(String topic, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    long[] ends = endOffsets(topic, PARTITIONS);
    long lag = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      OffsetAndMetadata c = committed.get(new TopicPartition(topic, p));
      lag += ends[p] - (c == null ? 0 : c.offset());
    }
    return lag;
  }

  @Override
  public void close() {
    admin.close();
    broker.close();
  }
}
