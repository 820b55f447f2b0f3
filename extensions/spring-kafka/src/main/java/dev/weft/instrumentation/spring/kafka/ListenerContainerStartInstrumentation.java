package dev.weft.instrumentation.spring.kafka;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code KafkaMessageListenerContainer.ListenerConsumer}'s constructor: a container starts with
 * its {@code KafkaConsumer} and its {@code CommonErrorHandler}. The runtime learns from the
 * error handler who decides that a failed record is final (Spring's retrying error handler, or
 * the application's own dead-letter publishing). The three fields are read where the constructor
 * set them; a Spring Kafka without them is left alone (the type does not match).
 */
public final class ListenerContainerStartInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer")
        .and(declaresField(named("consumer")))
        .and(declaresField(named("commonErrorHandler")))
        .and(declaresField(named("consumerGroupId")));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isConstructor(), ListenerContainerStartInstrumentation.class.getName() + "$StartAdvice");
  }

  @SuppressWarnings("unused")
  public static final class StartAdvice {
    private StartAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.FieldValue("consumer") Object consumer,
        @Advice.FieldValue("commonErrorHandler") Object errorHandler,
        @Advice.FieldValue("consumerGroupId") String group) {
      WeftBridge.failures().errorHandler(consumer, errorHandler, group);
    }
  }
}
