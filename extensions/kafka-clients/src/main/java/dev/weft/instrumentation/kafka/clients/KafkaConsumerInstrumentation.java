package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * {@code KafkaConsumer}'s constructors: the settings the consumer was made with, for the
 * dead-letter sender (its bootstrap servers and security settings). {@code close}: the consumer's
 * lag series go, its failed records still waiting are decided. Its {@code poll} is
 * {@link ConsumerPollInstrumentation}'s.
 */
public final class KafkaConsumerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.kafka.clients.consumer.KafkaConsumer");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("close").and(isPublic()),
        KafkaConsumerInstrumentation.class.getName() + "$CloseAdvice");
    transformer.applyAdviceToMethod(
        isConstructor(), KafkaConsumerInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    private ConstructorAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object consumer, @Advice.AllArguments Object[] arguments) {
      for (Object argument : arguments) {
        if (argument instanceof ConsumerConfig) {
          WeftBridge.failures().consumerConfigured(consumer, ((ConsumerConfig) argument).originals());
          return;
        }
        if (argument instanceof Map) {
          WeftBridge.failures().consumerConfigured(consumer, (Map<?, ?>) argument);
          return;
        }
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class CloseAdvice {

    private CloseAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Object consumer) {
      ConsumerPoll.closed(consumer);
      WeftBridge.operations().closed(OperationKind.named("kafka"), consumer);
    }
  }
}
