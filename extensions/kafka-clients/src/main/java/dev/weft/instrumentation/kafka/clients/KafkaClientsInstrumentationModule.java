package dev.weft.instrumentation.kafka.clients;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Kafka producer and consumer RED metrics, consumer lag and traces carried in record headers, for
 * kafka-clients 3.x and 4.x: {@code KafkaProducer.send}, {@code KafkaConsumer.poll} and
 * {@code close}, and the iteration over a poll's {@code ConsumerRecords}; for dead letters, the
 * application's methods that process records and the handlers named in {@code weft.dlq.handlers}.
 */
public final class KafkaClientsInstrumentationModule extends InstrumentationModule {

  public KafkaClientsInstrumentationModule() {
    super("kafka-clients");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new KafkaProducerInstrumentation(),
        new KafkaConsumerInstrumentation(),
        ConsumerPollInstrumentation.ownFields(),
        ConsumerPollInstrumentation.delegate(),
        ConsumerPollInstrumentation.otherLayout(),
        new ConsumerDelegateInstrumentation(),
        new ConsumerRecordsInstrumentation(),
        new ConsumerRecordsIteratorInstrumentation(),
        new RecordHandlerInstrumentation(),
        new ConfiguredHandlerInstrumentation());
  }

  /**
   * Typed against Kafka's {@code Callback} and a consumer's internals: defined next to
   * kafka-clients. Named as text, since a class literal would load them here, where Kafka is not.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = KafkaClientsInstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(pkg + "SendCallback", pkg + "ConsumerPoll");
  }
}
