package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.declaresField;
import static net.bytebuddy.matcher.ElementMatchers.fieldType;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.internals.SubscriptionState;
import org.apache.kafka.common.IsolationLevel;

/**
 * {@code KafkaConsumer.poll} (both public overloads): one call into the runtime at entry (the
 * record still being processed on this thread is done; while failed records of the consumer wait
 * for a verdict, its positions as the application left them decide, before this poll can commit
 * past them) and one at exit (records handed over per topic, the group, every assigned
 * partition's end offset and position). {@link ConsumerPoll} does both.
 *
 * <p>Where the consumer keeps its {@code SubscriptionState} depends on the version, so there is
 * one instance per layout, with disjoint type matchers:
 *
 * <ul>
 *   <li>{@link #ownFields()}, 3.0 to 3.6: {@code KafkaConsumer}'s own {@code subscriptions} and
 *       {@code isolationLevel} fields, read by the advice;
 *   <li>{@link #delegate()}, 3.7 and later: {@code KafkaConsumer} hands every call to a
 *       {@code delegate}, whose own poll hands its fields over
 *       ({@link ConsumerDelegateInstrumentation});
 *   <li>{@link #otherLayout()}: neither; records are counted and traced, no lag is read.
 * </ul>
 */
public final class ConsumerPollInstrumentation implements TypeInstrumentation {

  static final String CONSUMER = "org.apache.kafka.clients.consumer.KafkaConsumer";
  static final String SUBSCRIPTION_STATE = "org.apache.kafka.clients.consumer.internals.SubscriptionState";
  static final String ISOLATION_LEVEL = "org.apache.kafka.common.IsolationLevel";

  /** Declares {@code subscriptions} and {@code isolationLevel} of Kafka's types. */
  static ElementMatcher.Junction<TypeDescription> ownsSubscriptionState() {
    return declaresField(named("subscriptions").and(fieldType(named(SUBSCRIPTION_STATE))))
        .and(declaresField(named("isolationLevel").and(fieldType(named(ISOLATION_LEVEL)))));
  }

  private static final ElementMatcher.Junction<TypeDescription> DELEGATES =
      declaresField(named("delegate"));

  private final ElementMatcher<TypeDescription> type;
  private final String advice;

  private ConsumerPollInstrumentation(ElementMatcher<TypeDescription> type, String advice) {
    this.type = type;
    this.advice = ConsumerPollInstrumentation.class.getName() + "$" + advice;
  }

  /** kafka-clients 3.0 to 3.6. */
  static ConsumerPollInstrumentation ownFields() {
    return new ConsumerPollInstrumentation(
        named(CONSUMER).and(ownsSubscriptionState()), "OwnFieldsAdvice");
  }

  /** kafka-clients 3.7 and later. */
  static ConsumerPollInstrumentation delegate() {
    return new ConsumerPollInstrumentation(
        named(CONSUMER).and(not(ownsSubscriptionState())).and(DELEGATES), "DelegateAdvice");
  }

  /** A layout the module does not know. */
  static ConsumerPollInstrumentation otherLayout() {
    return new ConsumerPollInstrumentation(
        named(CONSUMER).and(not(ownsSubscriptionState())).and(not(DELEGATES)), "OtherLayoutAdvice");
  }

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return type;
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(named("poll").and(isPublic()).and(takesArguments(1)), advice);
  }

  @SuppressWarnings("unused")
  public static final class OwnFieldsAdvice {
    private OwnFieldsAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static ConsumerPoll onEnter(
        @Advice.This KafkaConsumer<?, ?> consumer,
        @Advice.FieldValue("subscriptions") SubscriptionState subscriptions,
        @Advice.FieldValue("isolationLevel") IsolationLevel isolationLevel) {
      return ConsumerPoll.starting(consumer, subscriptions, isolationLevel);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter ConsumerPoll poll,
        @Advice.This KafkaConsumer<?, ?> consumer,
        @Advice.Return ConsumerRecords<?, ?> records) {
      ConsumerPoll.returned(poll, consumer, records);
    }
  }

  @SuppressWarnings("unused")
  public static final class DelegateAdvice {
    private DelegateAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static ConsumerPoll onEnter(@Advice.This KafkaConsumer<?, ?> consumer) {
      return ConsumerPoll.starting(consumer, true);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter ConsumerPoll poll,
        @Advice.This KafkaConsumer<?, ?> consumer,
        @Advice.Return ConsumerRecords<?, ?> records) {
      ConsumerPoll.returned(poll, consumer, records);
    }
  }

  @SuppressWarnings("unused")
  public static final class OtherLayoutAdvice {
    private OtherLayoutAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static ConsumerPoll onEnter(@Advice.This KafkaConsumer<?, ?> consumer) {
      return ConsumerPoll.starting(consumer, false);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter ConsumerPoll poll,
        @Advice.This KafkaConsumer<?, ?> consumer,
        @Advice.Return ConsumerRecords<?, ?> records) {
      ConsumerPoll.returned(poll, consumer, records);
    }
  }
}
