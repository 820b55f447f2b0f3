package dev.weft.instrumentation.kafka.clients;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.weft.bootstrap.KafkaRecorder;
import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.internals.SubscriptionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidGroupIdException;

/**
 * {@code KafkaConsumer.poll} (both public overloads; from 3.7 they hand over to the classic or
 * the new-protocol implementation, which this does not need to know): at entry, the record still
 * being processed on this thread is done; at exit, the records handed over are counted per topic
 * and every assigned partition's end offset and position are read from the consumer's own
 * subscription state. While failed records of the consumer wait for a verdict, the positions are
 * also read at entry: a failed record the application moved past before polling again is final.
 * {@code close}: the consumer's lag series go. Constructors: the settings the consumer was made
 * with, for the dead-letter sender (its bootstrap servers and security settings).
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
        named("poll").and(isPublic()).and(takesArguments(1)),
        KafkaConsumerInstrumentation.class.getName() + "$PollAdvice");
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
          WeftBridge.kafka().consumerConfigured(consumer, ((ConsumerConfig) argument).originals());
          return;
        }
        if (argument instanceof Map) {
          WeftBridge.kafka().consumerConfigured(consumer, (Map<?, ?>) argument);
          return;
        }
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class PollAdvice {

    private PollAdvice() {}

    /**
     * While failed records of this consumer wait for a verdict, its positions as the application
     * left them decide (before this poll can commit past them); then the record still being
     * processed on this thread is done.
     */
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.This Object consumer) {
      KafkaRecorder kafka = WeftBridge.kafka();
      Object waiting = kafka.failuresWaiting(consumer);
      if (waiting != null) {
        Object subscriptions = kafka.subscriptions(waiting);
        if (subscriptions instanceof SubscriptionState) {
          SubscriptionState subscription = (SubscriptionState) subscriptions;
          for (TopicPartition tp : subscription.assignedPartitions()) {
            SubscriptionState.FetchPosition position = subscription.position(tp);
            kafka.positionBeforePoll(waiting, tp.topic(), tp.partition(), position == null ? -1L : position.offset);
          }
          kafka.positionsBeforePollDone(waiting);
        }
      }
      kafka.pollStarted(consumer);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.This KafkaConsumer<?, ?> consumer, @Advice.Return ConsumerRecords<?, ?> records) {
      KafkaRecorder kafka = WeftBridge.kafka();
      Object state = kafka.consumerState(consumer);
      if (state == null) {
        return;
      }
      if (kafka.needsGroup(state)) {
        String group = null;
        try {
          group = consumer.groupMetadata().groupId();
          if (group == null) {
            group = "";
          }
        } catch (InvalidGroupIdException noGroup) {
          group = ""; // assigned partitions, no consumer group
        } catch (RuntimeException notYet) {
          // asked again after the next poll
        }
        kafka.group(state, group);
      }
      if (records != null && !records.isEmpty()) {
        for (TopicPartition tp : records.partitions()) {
          kafka.received(state, tp.topic(), records.records(tp).size());
        }
        kafka.polled(state, records);
      }
      Object subscriptions = kafka.subscriptions(state);
      if (subscriptions instanceof SubscriptionState) {
        Object level = kafka.isolationLevel(state);
        IsolationLevel isolation =
            level instanceof IsolationLevel ? (IsolationLevel) level : IsolationLevel.READ_UNCOMMITTED;
        SubscriptionState subscription = (SubscriptionState) subscriptions;
        for (TopicPartition tp : subscription.assignedPartitions()) {
          Long end = subscription.partitionEndOffset(tp, isolation);
          SubscriptionState.FetchPosition position = subscription.position(tp);
          kafka.lag(
              state,
              tp.topic(),
              tp.partition(),
              end == null ? -1L : end.longValue(),
              position == null ? -1L : position.offset);
        }
        kafka.lagDone(state);
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class CloseAdvice {

    private CloseAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Object consumer) {
      WeftBridge.kafka().closed(consumer);
    }
  }
}
