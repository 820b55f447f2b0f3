package dev.weft.bench.macro;

import dev.weft.testing.kafka.KafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** The Kafka broker of a benchmark: the one given with {@code --kafka}, or one started here. */
final class KafkaSupport implements AutoCloseable {

    /** The service's topic (see {@code MacroServiceApplication.OWNER_EVENTS_TOPIC}). */
    static final String TOPIC = "bench-owner-events";

    private final String bootstrapServers;
    private final KafkaBroker broker;

    private KafkaSupport(String bootstrapServers, KafkaBroker broker) {
        this.bootstrapServers = bootstrapServers;
        this.broker = broker;
    }

    /** Uses {@code bootstrap} if given, else starts a broker with its files under {@code workDir}. */
    static KafkaSupport open(String bootstrap, Path workDir) {
        if (bootstrap != null && !bootstrap.isBlank()) {
            return new KafkaSupport(bootstrap, null);
        }
        KafkaBroker broker = KafkaBroker.start(workDir);
        return new KafkaSupport(broker.bootstrapServers(), broker);
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** "--kafka" or "weft-kafka-broker". */
    String source() {
        return broker == null ? "--kafka" : "weft-kafka-broker";
    }

    /**
     * Creates the service's topic before the first run, so that no run pays for its creation, and
     * proves on the way that the broker answers.
     */
    void createTopic() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(p)) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPIC)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Kafka at " + bootstrapServers + ": cannot create topic " + TOPIC + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within 30 s (is a broker running there?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }
}
