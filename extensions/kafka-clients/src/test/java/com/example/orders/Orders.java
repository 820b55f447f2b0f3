package com.example.orders;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * An application's record handler, for KafkaClientsModuleTest: a method taking the record, which
 * the kafka-clients module weaves as a processing frame (outside dev.weft.*, as an application's
 * class is). It rejects orders whose key starts with {@code bad}.
 */
public final class Orders {

  public void handle(ConsumerRecord<String, byte[]> record) {
    if (record.key().startsWith("bad")) {
      throw new IllegalStateException("order " + record.key() + " rejected");
    }
  }
}
