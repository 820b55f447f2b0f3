package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The iterator over a {@code ConsumerRecords} (and over {@code records(topic)}): Kafka's
 * {@code AbstractIterator} calls {@code makeNext()} when the application asks for the next record
 * ({@code hasNext}), that is when it is done with the previous one. Its result starts the next
 * record's processing; null (the end) ends the last one's.
 */
public final class ConsumerRecordsIteratorInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.kafka.clients.consumer.ConsumerRecords$ConcatenatedIterable$1");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("makeNext")
            .and(takesArguments(0))
            .and(returns(named("org.apache.kafka.clients.consumer.ConsumerRecord"))),
        ConsumerRecordsIteratorInstrumentation.class.getName() + "$MakeNextAdvice");
  }

  @SuppressWarnings("unused")
  public static final class MakeNextAdvice {

    private MakeNextAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object iterator, @Advice.Return ConsumerRecord<?, ?> record) {
      Operations operations = WeftBridge.operations();
      if (record == null) {
        operations.processEnded(OperationKind.named("kafka"));
        return;
      }
      Headers headers = record.headers();
      Header traceparent = headers.lastHeader("traceparent");
      Header tracestate = traceparent == null ? null : headers.lastHeader("tracestate");
      operations.startProcess(
          OperationKind.named("kafka"),
          iterator,
          record,
          record.topic(),
          record.partition(),
          record.offset(),
          traceparent == null ? null : traceparent.value(),
          tracestate == null ? null : tracestate.value());
    }
  }
}
