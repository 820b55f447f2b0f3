package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ConsumerRecords.iterator()} (for-each, {@code forEach}, streams): the iterator is tied to
 * the consumer whose poll returned these records, so its records carry that consumer's group.
 */
public final class ConsumerRecordsInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.kafka.clients.consumer.ConsumerRecords");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("iterator").and(takesArguments(0)),
        ConsumerRecordsInstrumentation.class.getName() + "$IteratorAdvice");
  }

  @SuppressWarnings("unused")
  public static final class IteratorAdvice {

    private IteratorAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(@Advice.This Object records, @Advice.Return Object iterator) {
      WeftBridge.operations().iterating(OperationKind.named("kafka"), records, iterator);
    }
  }
}
