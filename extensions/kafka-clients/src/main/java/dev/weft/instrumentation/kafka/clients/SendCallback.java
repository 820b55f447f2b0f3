package dev.weft.instrumentation.kafka.clients;

import dev.weft.bootstrap.WeftBridge;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The callback Kafka gets for a timed {@code send}: it reports the send's end (acknowledged or
 * failed), then calls the application's callback, if any, once, with the same arguments; the
 * application's own exception goes to Kafka as it would have without Weft. A helper class of the
 * module, defined next to kafka-clients.
 */
public final class SendCallback implements Callback {

  private final Object send;
  private final Callback application;

  public SendCallback(Object send, Callback application) {
    this.send = send;
    this.application = application;
  }

  @Override
  public void onCompletion(RecordMetadata metadata, Exception exception) {
    try {
      WeftBridge.operations().end(send, exception);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, "kafka-clients");
    }
    if (application != null) {
      application.onCompletion(metadata, exception);
    }
  }

  @Override
  public String toString() {
    return application == null ? "Weft send callback" : application.toString();
  }
}
