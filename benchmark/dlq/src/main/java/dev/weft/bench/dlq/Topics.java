package dev.weft.bench.dlq;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The harness's own view of the broker: topics, the storm's records, and the dead-letter topic's size. */
final class Topics implements AutoCloseable {

    private static final long TIMEOUT_SECONDS = 30;

    private final String bootstrapServers;
    private final Admin admin;

    Topics(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "dlq-bench-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        this.admin = Admin.create(p);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates {@code topic}; {@code config} holds topic settings (empty for the broker's defaults). */
    void create(String topic, int partitions, Map<String, String> config) throws InterruptedException {
        NewTopic t = new NewTopic(topic, partitions, (short) 1).configs(config);
        await(admin.createTopics(List.of(t)).all(), "creating topic " + topic);
        // The creation is acknowledged before every partition has a leader: wait for them, so the
        // storm's producer and the consumer find a ready topic.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            TopicDescription d = described(topic);
            if (d != null && d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("topic " + topic + " has no leader for every partition " + TIMEOUT_SECONDS
                        + " s after its creation: " + d);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** The topic's description, or null while the broker does not know it yet (just created). */
    private TopicDescription described(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return null;
            }
            throw new IllegalStateException("describing " + topic + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw failure("describing " + topic, e);
        }
    }

    /**
     * Produces the storm's records to {@code topic} (acks=all) and returns once every one is
     * acknowledged. Keys decide the partitions, so the failing records spread over all of them.
     */
    void produce(String topic, Storm storm) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "dlq-bench-producer");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        // Not idempotent: on this loaded 2-core machine kafka-clients 4.1.2's idempotent producer
        // twice lost its sequence numbers on a fresh partition (OutOfOrderSequenceException until
        // the delivery timeout). One request in flight keeps the order; the count is checked below.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(storm.records());
            for (int i = 0; i < storm.records(); i++) {
                acks.add(producer.send(new ProducerRecord<>(topic, storm.key(i), storm.value(i))));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                await(ack, "producing the storm to " + topic + " (" + describe(topic) + ")");
            }
        }
        long written = records(topic);
        if (written != storm.records()) {
            throw new IllegalStateException(topic + " holds " + written + " records after producing " + storm.records()
                    + " (a retry wrote some twice?)");
        }
    }

    /**
     * The number of records in {@code topic} (sum of its partitions' end offsets; the dead-letter
     * producer writes no transaction markers), or -1 if the topic does not exist.
     */
    long records(String topic) {
        TopicDescription described = described(topic);
        if (described == null) {
            return -1;
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        described.partitions().forEach(pi -> request.put(new TopicPartition(topic, pi.partition()), OffsetSpec.latest()));
        long total = 0;
        for (var info : await(admin.listOffsets(request).all(), "end offsets of " + topic).values()) {
            total += info.offset();
        }
        return total;
    }

    private String describe(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic).toString();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return "not described: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    Set<String> names() {
        return await(admin.listTopics().names(), "listing topics");
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw failure(what, e);
        }
    }

    private static IllegalStateException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new IllegalStateException(what + ": no answer within " + TIMEOUT_SECONDS + " s (" + e + ")", e);
    }

    @Override
    public void close() {
        admin.close();
    }
}
