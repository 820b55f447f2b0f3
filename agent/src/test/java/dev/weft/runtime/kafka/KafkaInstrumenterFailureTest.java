package dev.weft.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.runtime.config.DlqSettings;
import dev.weft.runtime.config.WeftConfig;
import dev.weft.runtime.kafka.dlq.DeadLetters;
import dev.weft.runtime.metrics.AgentErrors;
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
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer side's failure detection, driven the way the advice drives it: processing frames
 * entered and left on one thread around records taken from an iteration. Only the outermost
 * frame's exception is a failure; each failed record is written to the spool once.
 */
class KafkaInstrumenterFailureTest {

  @TempDir Path dir;

  private final Object consumer = new Object();
  private final Object iterator = new Object();
  private DeadLetters deadLetters;

  private KafkaInstrumenter instrumenter(MetricsRuntime rt) {
    DlqSettings settings =
        new DlqSettings(true, ".dlq", Map.of(), List.of(), dir.resolve("spool").toFile(), 1 << 20, 5000, 5000, true);
    deadLetters = new DeadLetters(settings, rt.dlq(), new AgentErrors());
    KafkaInstrumenter k = new KafkaInstrumenter(rt.kafka(), Tracing.disabled(), new AgentErrors(), deadLetters);
    // The bootstrap servers point nowhere: dead letters stay in the spool, where the test counts them.
    k.consumerConfigured(consumer, Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "billing"));
    Object state = k.consumerState(consumer);
    k.group(state, "billing");
    k.polled(state, new Object());
    return k;
  }

  private static MetricsRuntime runtime() throws Exception {
    Properties p = new Properties();
    p.setProperty("weft.metrics.jvm.enabled", "false");
    return new MetricsRuntime(WeftConfig.load(null, p, new HashMap<>()), "test", new AgentErrors());
  }

  private void take(KafkaInstrumenter k, ConsumerRecord<String, String> r) {
    k.processStarted(iterator, r, r.topic(), r.partition(), r.offset(), null, null);
  }

  private long spooled() throws IOException {
    deadLetters.awaitWritten(); // as the consumer's next poll does
    Path spool = dir.resolve("spool");
    return Files.isDirectory(spool) ? DeadLetters.waitingIn(spool) : 0;
  }

  @Test
  void onlyTheOutermostFramesExceptionIsAFailure() throws Exception {
    MetricsRuntime rt = runtime();
    KafkaInstrumenter k = instrumenter(rt);
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

    assertEquals(1, spooled(), "one dead letter: the record whose outermost frame threw");
    assertEquals(1, processed(rt, "orders", "ok"));
    assertEquals(1, processed(rt, "orders", "error"));
  }

  @Test
  void aRetriedRecordAndARecordOfADeadLetterTopicAreNotDeadLetteredAgain() throws Exception {
    KafkaInstrumenter k = instrumenter(runtime());
    for (int attempt = 0; attempt < 10; attempt++) {
      ConsumerRecord<String, String> r = new ConsumerRecord<>("orders", 1, 7, "k", "v");
      take(k, r);
      k.handlerEntered();
      k.handlerExited(new IllegalStateException("attempt " + attempt), r);
    }
    ConsumerRecord<String, String> deadLetter = new ConsumerRecord<>("orders.dlq", 0, 0, "k", "v");
    take(k, deadLetter);
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("again"), deadLetter);
    k.processEnded();
    assertEquals(1, spooled(), "the same offset of the same group once; the dead letter never");
  }

  @Test
  void aConfiguredHandlerFailsTheRecordItsThreadIsProcessing() throws Exception {
    KafkaInstrumenter k = instrumenter(runtime());
    ConsumerRecord<String, String> r = new ConsumerRecord<>("orders", 2, 3, "k", "v");
    take(k, r);
    k.handlerEntered(); // Orders.handle(value, key)
    k.handlerExited(new IllegalStateException("rejected"), null);
    k.processEnded();
    k.handlerEntered(); // the same handler called with no record being processed
    k.handlerExited(new IllegalStateException("outside"), null);
    assertEquals(1, spooled());
  }

  @Test
  void aBatchFailureWithoutANamedRecordFailsTheRecordBeingIterated() throws Exception {
    KafkaInstrumenter k = instrumenter(runtime());
    ConsumerRecord<String, String> a = new ConsumerRecord<>("orders", 0, 10, "k", "a");
    ConsumerRecord<String, String> b = new ConsumerRecord<>("orders", 0, 11, "k", "b");
    ConsumerRecord<String, String> c = new ConsumerRecord<>("orders", 0, 12, "k", "c");
    take(k, b);
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("rejected"), List.of(a, b, c));
    k.processEnded();
    assertEquals(1, spooled(), "only b, the record the thread had taken");
    k.handlerEntered();
    k.handlerExited(new IllegalStateException("rejected"), Collections.unmodifiableList(List.of(a, c)));
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
