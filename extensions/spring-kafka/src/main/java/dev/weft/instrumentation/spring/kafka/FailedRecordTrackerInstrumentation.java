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
 * {@code FailedRecordTracker.attemptRecovery(record, exception, partition, consumer)}: the one
 * place where Spring's retrying error handlers ({@code DefaultErrorHandler}, its batch side for
 * {@code BatchListenerFailedException}, and their relatives) give a record up: retries exhausted,
 * or an exception they do not retry. It runs the recoverer; when that returns, the record is
 * skipped for good (when it throws, Spring seeks back and the record is tried again). Present
 * with this shape in Spring Kafka 3.0 to 4.0; the runtime relies on it only where it finds it.
 */
public final class FailedRecordTrackerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.kafka.listener.FailedRecordTracker");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("attemptRecovery")
            .and(takesArguments(4))
            .and(takesArgument(0, named("org.apache.kafka.clients.consumer.ConsumerRecord"))),
        FailedRecordTrackerInstrumentation.class.getName() + "$RecoveryAdvice");
  }

  @SuppressWarnings("unused")
  public static final class RecoveryAdvice {
    private RecoveryAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Thrown Throwable thrown,
        @Advice.Argument(0) Object record,
        @Advice.Argument(3) Object consumer) {
      if (thrown == null) {
        WeftBridge.failures().recordRecovered(consumer, record);
      }
    }
  }
}
