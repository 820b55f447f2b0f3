package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.nio.charset.StandardCharsets;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * {@code KafkaProducer.send(record, callback)}, which {@code send(record)} calls: the send is
 * timed until Kafka calls the callback (acknowledged, or failed, including a send that fails
 * before it is queued), or until {@code send} throws. The record gets the producer span's
 * {@code traceparent} (and {@code tracestate}) unless it already carries a {@code traceparent}.
 */
public final class KafkaProducerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.kafka.clients.producer.KafkaProducer");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("send")
            .and(takesArguments(2))
            .and(takesArgument(0, named("org.apache.kafka.clients.producer.ProducerRecord")))
            .and(takesArgument(1, named("org.apache.kafka.clients.producer.Callback"))),
        KafkaProducerInstrumentation.class.getName() + "$SendAdvice");
  }

  @SuppressWarnings("unused")
  public static final class SendAdvice {

    private SendAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.Argument(0) ProducerRecord<?, ?> record,
        @Advice.Argument(value = 1, readOnly = false) Callback callback) {
      Operations operations = WeftBridge.operations();
      Object send = operations.startSend(OperationKind.named("kafka"), record.topic());
      if (send == null) {
        return null;
      }
      // First the callback: from here on, Kafka's acknowledgement ends the send.
      callback = new SendCallback(send, callback);
      Headers headers = record.headers();
      if (headers.lastHeader("traceparent") == null) {
        String[] inject = operations.propagationHeaders(send);
        try {
          for (int i = 0; i + 1 < inject.length; i += 2) {
            headers.add(inject[i], inject[i + 1].getBytes(StandardCharsets.UTF_8));
          }
        } catch (IllegalStateException readOnly) {
          // a record sent before: its headers are frozen, it goes as it is
        }
      }
      return send;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Object send, @Advice.Thrown Throwable thrown) {
      if (send != null && thrown != null) {
        WeftBridge.operations().end(send, thrown);
      }
    }
  }
}
