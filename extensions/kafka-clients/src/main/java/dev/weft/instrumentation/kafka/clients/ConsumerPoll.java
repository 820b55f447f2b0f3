package dev.weft.instrumentation.kafka.clients;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.PollReport;
import dev.weft.bootstrap.WeakIdentityMap;
import dev.weft.bootstrap.WeftBridge;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.internals.SubscriptionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidGroupIdException;

/**
 * What the module keeps of one {@code KafkaConsumer} between its polls, and the two calls a poll
 * makes into the runtime: {@link #starting} at its entry, {@link #returned} at its exit, each with
 * the consumer's {@link PollReport}, filled in here with Kafka's own types. A helper class of the
 * module, defined next to kafka-clients.
 *
 * <p>Lag and the positions that decide dead letters come from the consumer's own
 * {@code SubscriptionState} (end offset of its last fetch and position of each assigned
 * partition: no request to the broker), read with the consumer's {@code IsolationLevel}. Both are
 * private fields, of {@code KafkaConsumer} itself up to 3.6 (its poll advice reads them,
 * {@link ConsumerPollInstrumentation}), of the implementation it delegates to from 3.7
 * ({@code LegacyKafkaConsumer}, {@code ClassicKafkaConsumer}, {@code AsyncKafkaConsumer}), whose
 * own poll advice hands them over at the consumer's first poll
 * ({@link ConsumerDelegateInstrumentation}). Kept here, typed, for the consumer's life: no
 * reflection, and after the first poll no lookup but the consumer's own entry.
 */
public final class ConsumerPoll {

  private static final String MODULE = "kafka-clients";

  /** Per consumer, weakly: nothing here refers to the consumer itself. */
  private static final WeakIdentityMap<ConsumerPoll> CONSUMERS = new WeakIdentityMap<>();

  /**
   * From 3.7, the consumer whose delegate is about to poll on this thread while its
   * {@code SubscriptionState} is not known yet (its first poll), and how many threads have one:
   * once every consumer's is known, a delegate's poll reads one volatile int.
   */
  private static final ThreadLocal<ConsumerPoll> AWAITING_DELEGATE = new ThreadLocal<>();

  private static final AtomicInteger AWAITING = new AtomicInteger();

  private final PollReport report = new PollReport();
  /**
   * Weakly: it may reach the consumer (through a rebalance listener that holds it), which would
   * keep this entry of the weak map alive. The consumer holds it strongly while it lives.
   */
  private WeakReference<SubscriptionState> subscriptions;
  private IsolationLevel isolationLevel = IsolationLevel.READ_UNCOMMITTED;
  private String group;
  private boolean awaitingDelegate;

  private ConsumerPoll() {}

  /**
   * A poll starts, up to 3.6: the consumer's own {@code subscriptions} and
   * {@code isolationLevel} fields come with it. Returns what the exit advice hands back, or null.
   */
  public static ConsumerPoll starting(
      KafkaConsumer<?, ?> consumer, SubscriptionState subscriptions, IsolationLevel isolationLevel) {
    ConsumerPoll p;
    try {
      p = of(consumer);
      if (p.subscriptions == null && subscriptions != null) {
        p.internals(subscriptions, isolationLevel);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
      return null;
    }
    p.enter(consumer);
    return p;
  }

  /**
   * A poll starts, from 3.7: until the consumer's delegate handed over its fields, it is asked
   * to, as it polls inside this call ({@link #delegatePolling}). Also for a consumer of a layout
   * the module does not know ({@code awaitDelegate} false): counted, without lag.
   */
  public static ConsumerPoll starting(KafkaConsumer<?, ?> consumer, boolean awaitDelegate) {
    ConsumerPoll p;
    try {
      p = of(consumer);
      if (awaitDelegate && p.subscriptions == null && !p.awaitingDelegate) {
        p.awaitingDelegate = true;
        AWAITING_DELEGATE.set(p);
        AWAITING.incrementAndGet();
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
      return null;
    }
    p.enter(consumer); // the exit gets p whatever happens here: it ends what was started
    return p;
  }

  /**
   * The delegate of a consumer polls (3.7 and later) with its own {@code subscriptions} and
   * {@code isolationLevel}: taken by the consumer whose poll on this thread waits for them.
   */
  public static void delegatePolling(SubscriptionState subscriptions, IsolationLevel isolationLevel) {
    if (AWAITING.get() == 0) {
      return; // the happy path: every consumer's state is known
    }
    try {
      ConsumerPoll p = AWAITING_DELEGATE.get();
      if (p != null) {
        p.stopAwaiting();
        if (subscriptions != null) {
          p.internals(subscriptions, isolationLevel);
        }
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  /**
   * The poll returned {@code records} (null when it threw): the one call at its exit, with the
   * records per topic, the group, and every assigned partition's end offset and position.
   */
  public static void returned(
      ConsumerPoll p, KafkaConsumer<?, ?> consumer, ConsumerRecords<?, ?> records) {
    if (p == null) {
      return;
    }
    PollReport r = p.report;
    try {
      if (p.awaitingDelegate) {
        p.stopAwaiting(); // the delegate did not poll (the call failed first): asked again next time
      }
      r.clear();
      r.consumer = consumer;
      r.group = p.group(consumer);
      if (records != null && !records.isEmpty()) {
        for (TopicPartition tp : records.partitions()) {
          r.addRecords(tp.topic(), records.records(tp).size());
        }
        r.records = records;
      }
      if (r.partitionsWanted) {
        p.readPartitions(r, true);
      }
      WeftBridge.operations().polled(OperationKind.named("kafka"), r);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    } finally {
      r.consumer = null;
      r.records = null;
    }
  }

  /** The consumer was closed: a poll after that starts afresh. */
  public static void closed(Object consumer) {
    try {
      CONSUMERS.remove(consumer);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }

  private static ConsumerPoll of(Object consumer) {
    ConsumerPoll p = CONSUMERS.get(consumer);
    if (p == null) {
      p = new ConsumerPoll();
      CONSUMERS.put(consumer, p);
    }
    return p;
  }

  private void internals(SubscriptionState subscriptions, IsolationLevel isolationLevel) {
    this.subscriptions = new WeakReference<>(subscriptions);
    if (isolationLevel != null) {
      this.isolationLevel = isolationLevel;
    }
  }

  private void stopAwaiting() {
    awaitingDelegate = false;
    AWAITING_DELEGATE.remove();
    AWAITING.decrementAndGet();
  }

  /** The call at the poll's entry; while failed records wait, with the positions they need. */
  private void enter(KafkaConsumer<?, ?> consumer) {
    PollReport r = report;
    try {
      r.clear();
      r.consumer = consumer;
      if (r.failuresWaiting) {
        readPartitions(r, false);
      }
      WeftBridge.operations().pollStarting(OperationKind.named("kafka"), r);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    } finally {
      r.consumer = null;
    }
  }

  /**
   * Every assigned partition, with the end offset of the consumer's last fetch of it (when
   * {@code ends}) and its position, -1 where the consumer does not know them. Nothing when the
   * consumer's state is not known.
   */
  private void readPartitions(PollReport r, boolean ends) {
    SubscriptionState s = subscriptions == null ? null : subscriptions.get();
    if (s == null) {
      return;
    }
    try {
      readPartitions(s, r, ends);
    } catch (RuntimeException e) {
      r.partitionCount = -1; // not read: the runtime leaves the lag and the failures as they are
      WeftBridge.adviceFailed(e, MODULE);
    }
  }

  private void readPartitions(SubscriptionState s, PollReport r, boolean ends) {
    r.partitionsRead();
    for (TopicPartition tp : s.assignedPartitions()) {
      long end = -1;
      long position;
      try {
        if (ends) {
          Long e = s.partitionEndOffset(tp, isolationLevel);
          end = e == null ? -1 : e.longValue();
        }
        SubscriptionState.FetchPosition p = s.position(tp);
        position = p == null ? -1 : p.offset;
      } catch (IllegalStateException noLongerAssigned) {
        continue; // the new consumer's background thread took it away meanwhile
      }
      r.addPartition(tp.topic(), tp.partition(), end, position);
    }
  }

  /** The consumer's group id ("" without a group), read once; null while it cannot be read. */
  private String group(KafkaConsumer<?, ?> consumer) {
    String g = group;
    if (g != null) {
      return g;
    }
    try {
      g = consumer.groupMetadata().groupId();
      if (g == null) {
        g = "";
      }
    } catch (InvalidGroupIdException noGroup) {
      g = ""; // assigned partitions, no consumer group
    } catch (RuntimeException notYet) {
      return null; // asked again at the next poll
    }
    group = g;
    return g;
  }
}
