package dev.weft.instrumentation.spring.kafka;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code KafkaMessageListenerContainer.ListenerConsumer}: {@code invokeOnMessage(record)} runs a
 * record listener, {@code invokeBatchOnMessage(records, list)} a batch listener (and
 * {@code invokeBatchOnMessageWithRecordsOrList(records, list)}, which it calls, and which Spring's
 * whole-batch retries call directly, so that each retry is a frame of its own); the listener's
 * exception, wrapped by Spring in a {@code ListenerExecutionFailedException}, leaves them on its
 * way to the container's error handler. Each call is a processing frame (the listener's own
 * methods inside it are not the outermost). A failure waits for the error handler's verdict
 * ({@link FailedRecordTrackerInstrumentation}); a retry that returns normally cancels it.
 */
public final class ListenerConsumerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("invokeOnMessage")
            .and(takesArguments(1))
            .and(takesArgument(0, named("org.apache.kafka.clients.consumer.ConsumerRecord"))),
        ListenerConsumerInstrumentation.class.getName() + "$RecordAdvice");
    transformer.applyAdviceToMethod(
        named("invokeBatchOnMessage")
            .or(named("invokeBatchOnMessageWithRecordsOrList"))
            .and(takesArguments(2))
            .and(takesArgument(0, named("org.apache.kafka.clients.consumer.ConsumerRecords"))),
        ListenerConsumerInstrumentation.class.getName() + "$BatchAdvice");
  }

  @SuppressWarnings("unused")
  public static final class RecordAdvice {
    private RecordAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Thrown Throwable thrown, @Advice.Argument(0) Object record) {
      WeftBridge.failures().handlerExited(thrown, record);
    }
  }

  @SuppressWarnings("unused")
  public static final class BatchAdvice {
    private BatchAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Thrown Throwable thrown,
        @Advice.Argument(0) Object records,
        @Advice.Argument(1) Object list) {
      WeftBridge.failures().handlerExited(thrown, list != null ? list : records);
    }
  }
}
