package dev.weft.bench.macroservice;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The subject of the macro benchmark: a small owners service in the style of PetClinic.
 *
 * <ul>
 *   <li>{@code GET /owners/{id}}: one owner, read through a Redis cache, JPA on a miss;</li>
 *   <li>{@code GET /owners?city=X}: a JPA query, never cached;</li>
 *   <li>{@code POST /owners}: a JPA insert, then one Kafka event ({@code acks=all});</li>
 *   <li>{@code GET /bench/jvm}: heap after a GC, loaded classes and uptime, for the driver.</li>
 * </ul>
 *
 * PostgreSQL, Redis and Kafka addresses come from {@code application.properties} and can be
 * overridden with the usual Spring properties or environment variables
 * ({@code KAFKA_BOOTSTRAP_SERVERS} for Kafka).
 */
@SpringBootApplication
public class MacroServiceApplication {

    /** Topic that receives one event per created owner. */
    public static final String OWNER_EVENTS_TOPIC = "bench-owner-events";

    public static void main(String[] args) {
        SpringApplication.run(MacroServiceApplication.class, args);
    }

    /** Created at start-up by Spring's KafkaAdmin when missing (single partition, one replica). */
    @Bean
    NewTopic ownerEventsTopic() {
        return new NewTopic(OWNER_EVENTS_TOPIC, 1, (short) 1);
    }
}
