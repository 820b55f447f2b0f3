package dev.weft.instrumentation.spring.kafka;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ErrorHandlingUtils.retryBatch(exception, records, consumer, ...)}: Spring's retrying
 * error handlers retry a whole batch here when the batch listener did not name the failed record
 * ({@code BatchListenerFailedException}); when the retries are exhausted the recoverer gets the
 * batch, and the method returns. A retry that succeeds returns too, but it ended a listener frame
 * normally first, which took the batch's failures back; what is still pending at the return was
 * given up. (When the recoverer throws, Spring seeks back and returns normally as well: the batch
 * comes again, and its second verdict is de-duplicated by the dead-letter engine.) Spring Kafka
 * 3.0 to 4.0; 4.0.6 added an overload that the other calls, so the verdict comes at the inner one.
 */
public final class BatchRetryInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.kafka.listener.ErrorHandlingUtils");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("retryBatch")
            .and(isStatic())
            .and(takesArgument(1, named("org.apache.kafka.clients.consumer.ConsumerRecords")))
            .and(takesArgument(2, named("org.apache.kafka.clients.consumer.Consumer"))),
        BatchRetryInstrumentation.class.getName() + "$RetryBatchAdvice");
  }

  @SuppressWarnings("unused")
  public static final class RetryBatchAdvice {
    private RetryBatchAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Thrown Throwable thrown,
        @Advice.Argument(1) Object records,
        @Advice.Argument(2) Object consumer) {
      if (thrown == null) {
        WeftBridge.failures().recordRecovered(consumer, records);
      }
    }
  }
}
