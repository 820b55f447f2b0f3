package dev.weft.instrumentation.spring.kafka;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Spring Kafka listener containers: the exception of a {@code @KafkaListener} method or of a
 * {@code MessageListener}/{@code BatchMessageListener} that reaches the container is a
 * processing failure of its record (dead letters); the container's error handler says when that
 * failure is final (its recoverer ran), or, with the application's own
 * {@code DeadLetterPublishingRecoverer}, that Weft stays out. Records are counted, timed and
 * traced by the kafka-clients module, under the container's poll loop.
 */
public final class SpringKafkaInstrumentationModule extends InstrumentationModule {

  public SpringKafkaInstrumentationModule() {
    super("spring-kafka");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new ListenerConsumerInstrumentation(),
        new ListenerContainerStartInstrumentation(),
        new FailedRecordTrackerInstrumentation(),
        new BatchRetryInstrumentation());
  }
}
