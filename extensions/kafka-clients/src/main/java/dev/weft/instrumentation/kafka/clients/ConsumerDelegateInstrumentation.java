package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.kafka.clients.consumer.internals.SubscriptionState;
import org.apache.kafka.common.IsolationLevel;

/**
 * From kafka-clients 3.7, the implementations a {@code KafkaConsumer} delegates to, each with its
 * own private {@code subscriptions} and {@code isolationLevel}: {@code LegacyKafkaConsumer} (3.7,
 * 3.8) and {@code ClassicKafkaConsumer} (3.9 and later) for the classic group protocol,
 * {@code AsyncKafkaConsumer} for the consumer protocol. Their {@code poll}, which runs inside
 * {@code KafkaConsumer.poll}, hands the two over to the consumer's {@link ConsumerPoll} at its
 * first poll (a consumer made before Weft was attached included); after that it reads one
 * volatile int.
 */
public final class ConsumerDelegateInstrumentation implements TypeInstrumentation {

  private static final String INTERNALS = "org.apache.kafka.clients.consumer.internals.";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
            INTERNALS + "LegacyKafkaConsumer",
            INTERNALS + "ClassicKafkaConsumer",
            INTERNALS + "AsyncKafkaConsumer")
        .and(ConsumerPollInstrumentation.ownsSubscriptionState());
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("poll").and(isPublic()).and(takesArguments(1)),
        ConsumerDelegateInstrumentation.class.getName() + "$PollAdvice");
  }

  @SuppressWarnings("unused")
  public static final class PollAdvice {
    private PollAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.FieldValue("subscriptions") SubscriptionState subscriptions,
        @Advice.FieldValue("isolationLevel") IsolationLevel isolationLevel) {
      ConsumerPoll.delegatePolling(subscriptions, isolationLevel);
    }
  }
}
