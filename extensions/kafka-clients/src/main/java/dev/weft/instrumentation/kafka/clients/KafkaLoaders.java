package dev.weft.instrumentation.kafka.clients;

import net.bytebuddy.matcher.ElementMatcher;

/** Which class loaders can see kafka-clients. */
final class KafkaLoaders {

  static final ElementMatcher<ClassLoader> HAS_KAFKA_CLIENTS =
      loader ->
          loader != null
              && loader.getResource("org/apache/kafka/clients/consumer/ConsumerRecords.class") != null;

  private KafkaLoaders() {}
}
