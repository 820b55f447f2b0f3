package dev.weft.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.DlqSettings;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.kafka.SpringErrorHandlers.Decider;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.trace.Tracing;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonLoggingErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;

/**
 * The consumer side's failure detection, driven the way the advice drives it: processing frames
 * entered and left on one thread around records taken from an iteration, polls reporting the
 * consumer's positions, Spring's error handler giving records up. Only the outermost frame's
 * exception is a failure, and only a final failure is written to the spool, once.
 */
class FailedRecordsTest {

  /**
   * The spool's directory. A dead-letter sender's thread, started once a consumer's cluster is
   * known, may still write there as a test ends; it is removed after each test as far as it can.
   */
  @TempDir(cleanup = CleanupMode.NEVER)
  Path dir;

  @AfterEach
  void removeSpool() throws IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private final Object consumer = new Object();
  private final Object iterator = new Object();
  private DeadLetters deadLetters;

  private DlqSettings settings() {
    return new DlqSettings(true, ".dlq", Map.of(), List.of(), dir.resolve("spool").toFile(), 1 << 20, 5000, 5000, true, 5000);
  }

  /** What the kafka-clients module reports of the consumer's polls. */
  private final PollReport report = new PollReport();

  private KafkaAdvice instrumenter(MetricsRuntime rt) {
    deadLetters = new DeadLetters(settings(), rt.dlq(), new AgentErrors());
    KafkaAdvice k = new KafkaAdvice(rt, Tracing.disabled(), new AgentErrors(), deadLetters);
    // The bootstrap servers point nowhere: dead letters stay in the spool, where the test counts them.
    k.consumerConfigured(consumer, Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "billing"));
    polled(k, "billing");
    return k;
  }

  /** A poll's exit, which returned records of its consumer, in group {@code group}. */
  private void polled(KafkaAdvice k, String group) {
    report.clear();
    report.consumer = consumer;
    report.group = group;
    report.records = new Object();
    k.polled(report);
    report.consumer = null;
    report.records = null;
  }

  private static MetricsRuntime runtime() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    return new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
  }

  private void take(KafkaAdvice k, ConsumerRecord<String, String> r) {
    k.processStarted(iterator, r, r.topic(), r.partition(), r.offset(), null, null);
  }

  /**
   * A poll called while the consumer stands at {@code positions[p]} of partition p of orders
   * (what the poll advice reports at entry, when failures wait).
   */
  private void poll(KafkaAdvice k, long... positions) {
    report.clear();
    report.consumer = consumer;
    if (report.failuresWaiting) {
      report.partitionsRead();
      for (int p = 0; p < positions.length; p++) {
        report.addPartition("orders", p, -1, positions[p]);
      }
    }
    k.pollStarting(report);
    report.consumer = null;
  }

  private void fail(KafkaAdvice k, ConsumerRecord<String, String> r, String message) {
    take(k, r);
    k.handlerEntered();
    k.handlerExited(new IllegalStateException(message), r);
  }

  private void succeed(KafkaAdvice k, ConsumerRecord<String, String> r) {
    take(k, r);
    k.handlerEntered();
    k.handlerExited(null, r);
  }

  private long spooled() throws IOException {
    deadLetters.awaitWritten(); // as the consumer's next poll does
    Path spool = dir.resolve("spool");
    return Files.isDirectory(spool) ? DeadLetters.waitingIn(spool) : 0;
  }

  @Test
  void onlyTheOutermostFramesExceptionIsAFailure() throws Exception {
    MetricsRuntime rt = runtime();
    KafkaAdvice k = instrumenter(rt);
    ConsumerRecord<String, String> recovered = new ConsumerRecord<>("orders", 0, 1, "k", "v");
    take(k, recovered);
    k.handlerEntered(); // process(record)
    k.handlerEntered(); // parse(record), which throws; process catches it and goes on
    k.handlerExited(new IllegalArgumentException("bad field"), recovered);
    k.handlerExited(null, recovered);
    ConsumerRecord<String, String> failed = new ConsumerRecord<>("orders", 0, 2, "k", "v");
    take(k, failed);
    k.handlerEntered();
    k.handlerEntered();
    IllegalStateException error = new IllegalStateException("rejected");
    k.handlerExited(error, failed);
    k.handlerExited(new RuntimeException("wrapped", error), failed);
    k.processEnded();
    k.closed(consumer);

    assertEquals(1, spooled(), "one dead letter: the record whose outermost frame threw");
    assertEquals(1, processed(rt, "orders", "ok"));
    assertEquals(1, processed(rt, "orders", "error"));
  }

  @Test
  void aRetriedRecordAndARecordOfADeadLetterTopicAreNotDeadLetteredAgain() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    for (int attempt = 0; attempt < 10; attempt++) {
      fail(k, new ConsumerRecord<>("orders", 1, 7, "k", "v"), "attempt " + attempt);
    }
    fail(k, new ConsumerRecord<>("orders.dlq", 0, 0, "k", "v"), "again");
    k.processEnded();
    k.closed(consumer);
    assertEquals(1, spooled(), "the same offset of the same group once; the dead letter never");
  }

  @Test
  void aRecordThatSucceedsOnARetryIsNoDeadLetter() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    fail(k, new ConsumerRecord<>("orders", 0, 7, "k", "v"), "attempt 1");
    fail(k, new ConsumerRecord<>("orders", 0, 7, "k", "v"), "attempt 2");
    succeed(k, new ConsumerRecord<>("orders", 0, 7, "k", "v"));
    k.processEnded();
    poll(k, 8);
    k.closed(consumer);
    assertEquals(0, spooled());
  }

  @Test
  void aPlainConsumersFailureIsFinalWhenAPollFindsItMovedPast() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    assertFalse(report.failuresWaiting, "nothing to decide: the poll reads no positions");
    fail(k, new ConsumerRecord<>("orders", 0, 7, "k", "v"), "attempt 1");
    assertTrue(report.failuresWaiting, "the next poll reads the positions");
    poll(k, 7, 0); // sought back to it
    fail(k, new ConsumerRecord<>("orders", 0, 7, "k", "v"), "attempt 2");
    poll(k, 7, 0); // and again
    assertEquals(0, spooled(), "retried: not final yet");
    poll(k, 8, 0); // the application went on with the next record
    assertEquals(1, spooled());
    assertFalse(report.failuresWaiting);
  }

  @Test
  void aNormalExitMakesAnOpenPlainConsumersFailuresFinal() throws Exception {
    deadLetters = new DeadLetters(settings(), runtime().dlq(), new AgentErrors());
    KafkaAdvice k = new KafkaAdvice(null, Tracing.disabled(), new AgentErrors(), deadLetters);
    k.consumerConfigured(consumer, Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "billing"));
    polled(k, "billing");
    fail(k, new ConsumerRecord<>("orders", 0, 7, "k", "v"), "rejected");
    assertEquals(0, spooled());
    k.finalFailures().exiting(); // what the JVM's shutdown hook runs first
    assertEquals(1, spooled());
  }

  @Test
  void aPartitionNoLongerAssignedMakesItsFailureFinal() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    fail(k, new ConsumerRecord<>("orders", 1, 3, "k", "v"), "rejected");
    poll(k, 0); // only partition 0 assigned now
    assertEquals(1, spooled());
  }

  @Test
  void springsErrorHandlerDecides() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    k.errorHandler(consumer, new DefaultErrorHandler(), "billing");
    ConsumerRecord<String, String> never = new ConsumerRecord<>("orders", 0, 7, "k", "v");
    for (int attempt = 1; attempt <= 3; attempt++) {
      fail(k, never, "attempt " + attempt);
      poll(k, 100); // positions decide nothing for Spring's error handler (it may retry in memory)
    }
    assertEquals(0, spooled());
    k.recordRecovered(consumer, never);
    assertEquals(1, spooled(), "given up: final");

    ConsumerRecord<String, String> recovers = new ConsumerRecord<>("orders", 0, 8, "k", "v");
    fail(k, recovers, "attempt 1");
    succeed(k, recovers);
    k.recordRecovered(consumer, new ConsumerRecord<>("orders", 0, 9, "k", "v")); // not a failure seen
    ConsumerRecord<String, String> revoked = new ConsumerRecord<>("orders", 0, 10, "k", "v");
    fail(k, revoked, "attempt 1");
    k.closed(consumer);
    assertEquals(1, spooled(), "a retry succeeded; a record not given up before the close will come again");
  }

  @Test
  void aBatchThatSpringRetriedWholeAndGaveUpIsFinalButNotOneARetryGotThrough() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    k.errorHandler(consumer, new DefaultErrorHandler(), "billing");
    ConsumerRecord<String, String> a = new ConsumerRecord<>("orders", 0, 10, "k", "a");
    ConsumerRecord<String, String> b = new ConsumerRecord<>("orders", 0, 11, "k", "b");
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("rejected"), Collections.unmodifiableList(List.of(a, b)));
    k.handlerEntered(); // a retry of the whole batch that got through
    k.handlerExited(null, Collections.unmodifiableList(List.of(a, b)));
    k.recordRecovered(consumer, List.of(a, b));
    assertEquals(0, spooled());
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("rejected"), Collections.unmodifiableList(List.of(a, b)));
    k.recordRecovered(consumer, List.of(a, b)); // retries exhausted, the recoverer had the batch
    assertEquals(2, spooled());
  }

  @Test
  void anApplicationWithItsOwnDeadLetterPublisherKeepsWeftOut() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    k.errorHandler(consumer, new DefaultErrorHandler(ownPublisher()), "billing");
    ConsumerRecord<String, String> r = new ConsumerRecord<>("orders", 0, 7, "k", "v");
    fail(k, r, "rejected");
    k.recordRecovered(consumer, r);
    poll(k, 100);
    k.closed(consumer);
    assertEquals(0, spooled());
  }

  /** Spring's own recoverer, on a template that never connects (nothing is sent here). */
  private static DeadLetterPublishingRecoverer ownPublisher() {
    return new DeadLetterPublishingRecoverer(
        new KafkaTemplate<Object, Object>(
            new DefaultKafkaProducerFactory<>(Map.<String, Object>of("bootstrap.servers", "127.0.0.1:1"))));
  }

  @Test
  void theApplicationsDeadLetterPublisherIsFoundBehindALambdaAndOtherHandlersLeavePositionsToDecide() {
    DeadLetterPublishingRecoverer own = ownPublisher();
    // A recoverer given as a plain BiConsumer: Spring wraps it in a lambda of its own.
    assertEquals(Decider.APPLICATION,
        SpringErrorHandlers.of(new DefaultErrorHandler((record, error) -> own.accept(record, error))).decider);
    assertEquals(Decider.ERROR_HANDLER, SpringErrorHandlers.of(new DefaultErrorHandler((record, error) -> {})).decider);
    assertEquals(Decider.POSITIONS, SpringErrorHandlers.of(new CommonLoggingErrorHandler()).decider);
    assertEquals(Decider.POSITIONS, SpringErrorHandlers.of(null).decider);
  }

  @Test
  void aConfiguredHandlerFailsTheRecordItsThreadIsProcessing() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    ConsumerRecord<String, String> r = new ConsumerRecord<>("orders", 2, 3, "k", "v");
    take(k, r);
    k.handlerEntered(); // Orders.handle(value, key)
    k.handlerExited(new IllegalStateException("rejected"), null);
    k.processEnded();
    k.handlerEntered(); // the same handler called with no record being processed
    k.handlerExited(new IllegalStateException("outside"), null);
    k.closed(consumer);
    assertEquals(1, spooled());
  }

  @Test
  void aBatchFailureWithoutANamedRecordFailsTheRecordBeingIterated() throws Exception {
    KafkaAdvice k = instrumenter(runtime());
    ConsumerRecord<String, String> a = new ConsumerRecord<>("orders", 0, 10, "k", "a");
    ConsumerRecord<String, String> b = new ConsumerRecord<>("orders", 0, 11, "k", "b");
    ConsumerRecord<String, String> c = new ConsumerRecord<>("orders", 0, 12, "k", "c");
    take(k, b);
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("rejected"), List.of(a, b, c));
    k.processEnded();
    poll(k, 13);
    assertEquals(1, spooled(), "only b, the record the thread had taken");
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("rejected"), Collections.unmodifiableList(List.of(a, c)));
    poll(k, 13);
    assertEquals(3, spooled(), "no record taken from that batch: every record of it");
  }

  private static long processed(MetricsRuntime rt, String topic, String status) {
    for (MetricSnapshot s : rt.registry().scrape()) {
      if (s.getMetadata().getName().equals("kafka_consumer_process_duration_seconds")) {
        long n = 0;
        for (HistogramSnapshot.HistogramDataPointSnapshot p : ((HistogramSnapshot) s).getDataPoints()) {
          if (topic.equals(p.getLabels().get("topic")) && status.equals(p.getLabels().get("status"))) {
            n += p.getCount();
          }
        }
        return n;
      }
    }
    return 0;
  }
}
