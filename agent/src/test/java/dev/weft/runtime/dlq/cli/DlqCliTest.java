package dev.weft.runtime.dlq.cli;

import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.deadLetter;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.plain;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.dlq.KafkaIo;
import dev.weft.runtime.dlq.PartitionFetch;
import dev.weft.runtime.dlq.RawRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The replay and inspect loops, on a {@link KafkaIo} that keeps everything in memory. */
class DlqCliTest {

  /** A topic to scan, the partition counts of the others, and what was sent. */
  static final class FakeIo implements KafkaIo {
    final List<RawRecord> dlq = new ArrayList<>();
    final Map<String, Integer> partitions = new HashMap<>();
    final List<Object[]> sent = new ArrayList<>();
    String refusedTopic;

    @Override
    public RawRecord fetch(String topic, int partition, long offset, String isolationLevel, long timeoutMs) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void fetch(List<PartitionFetch> fetches, String isolationLevel, long timeoutMs) {
      throw new UnsupportedOperationException("the dlq command never reads records back");
    }

    @Override
    public String clusterId(long timeoutMs) {
      throw new UnsupportedOperationException("the dlq command never asks");
    }

    @Override
    public int partitions(String topic, long timeoutMs) {
      return partitions.getOrDefault(topic, 0);
    }

    @Override
    public void createTopic(String topic, int partitions, long timeoutMs) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<?> send(
        String topic, Integer partition, Long timestamp, byte[] key, byte[] value,
        List<String> headerKeys, List<byte[]> headerValues) {
      sent.add(new Object[] {topic, partition, timestamp, key, value, new ArrayList<>(headerKeys), new ArrayList<>(headerValues)});
      CompletableFuture<Object> ack = new CompletableFuture<>();
      if (topic.equals(refusedTopic)) {
        ack.completeExceptionally(new IllegalStateException("RecordTooLargeException: too big"));
      } else {
        ack.complete("acknowledged");
      }
      return ack;
    }

    @Override
    public void resetProducer() {}

    @Override
    public long scan(String topic, Consumer<RawRecord> sink, long timeoutMs) {
      if (!partitions.containsKey(topic)) {
        throw new IllegalArgumentException("topic '" + topic + "' does not exist");
      }
      for (RawRecord r : dlq) {
        sink.accept(r);
      }
      return dlq.size();
    }

    @Override
    public String fatalSendError(Throwable error) {
      return null;
    }

    @Override
    public void close() {}
  }

  private final FakeIo io = new FakeIo();
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  DlqCliTest() {
    io.partitions.put("orders.dlq", 1);
    io.partitions.put("orders", 3);
    io.partitions.put("payments", 1);
    io.dlq.add(
        deadLetter(0, "orders", 2, 10, new IllegalStateException("a"), "00-aa-bb-01",
            utf8("k0"), utf8("v0"), "h", utf8("1"), "h", null, "traceparent", utf8("00-orig-01")));
    io.dlq.add(
        deadLetter(1, "payments", 4, 11, new java.io.UncheckedIOException(new java.io.IOException("x")),
            null, null, null));
    io.dlq.add(deadLetter(2, "orders", 0, 12, new IllegalArgumentException("c"), null, utf8("k2"), new byte[] {1, 2}));
  }

  private String out() {
    return new String(outBytes.toByteArray(), StandardCharsets.UTF_8);
  }

  private String err() {
    return new String(errBytes.toByteArray(), StandardCharsets.UTF_8);
  }

  private int replay(String... more) throws Exception {
    List<String> args = new ArrayList<>(Arrays.asList("replay", "--bootstrap", "h:9092", "--from", "orders.dlq"));
    args.addAll(Arrays.asList(more));
    return new DlqCli.Replay(io, DlqArgs.parse(args.toArray(new String[0])), out, err).run();
  }

  private int inspect(String... more) throws Exception {
    List<String> args = new ArrayList<>(Arrays.asList("inspect", "--bootstrap", "h:9092", "--from", "orders.dlq"));
    args.addAll(Arrays.asList(more));
    return DlqCli.inspect(io, DlqArgs.parse(args.toArray(new String[0])), out, err);
  }

  @Test
  void replaySendsTheOriginalRecordsToTheirTopics() throws Exception {
    assertEquals(0, replay());

    assertEquals(3, io.sent.size());
    Object[] first = io.sent.get(0);
    assertEquals("orders", first[0]);
    assertEquals(2, first[1]); // orders has 3 partitions
    assertEquals(1_700_000_000_123L, first[2]);
    assertArrayEquals(utf8("k0"), (byte[]) first[3]);
    assertArrayEquals(utf8("v0"), (byte[]) first[4]);
    assertEquals(Arrays.asList("h", "h", "traceparent"), first[5]);
    @SuppressWarnings("unchecked")
    List<byte[]> values = (List<byte[]>) first[6];
    assertArrayEquals(utf8("1"), values.get(0));
    assertNull(values.get(1));
    assertArrayEquals(utf8("00-orig-01"), values.get(2));

    Object[] second = io.sent.get(1);
    assertEquals("payments", second[0]);
    assertNull(second[1]); // payments has 1 partition: the partitioner chooses
    assertNull(second[3]);
    assertNull(second[4]);
    assertEquals(new ArrayList<>(), second[5]);

    assertEquals("replayed 3 records from orders.dlq to their original topics (0 skipped by filter)\n", out());
  }

  @Test
  void replayFiltersAndSendsToTheGivenTopic() throws Exception {
    io.partitions.put("orders.retry", 1);
    assertEquals(0, replay("--to", "orders.retry", "--filter", "topic=orders", "--filter", "exception=IllegalStateException"));
    assertEquals(1, io.sent.size());
    assertEquals("orders.retry", io.sent.get(0)[0]);
    assertNull(io.sent.get(0)[1]);
    assertEquals("replayed 1 records from orders.dlq to orders.retry (2 skipped by filter)\n", out());
  }

  @Test
  void replayToAMissingTopicFails() throws Exception {
    assertEquals(1, replay("--to", "nowhere"));
    assertTrue(err().contains("topic 'nowhere' (--to) does not exist"), err());
    assertEquals(0, io.sent.size());

    io.partitions.remove("payments");
    assertEquals(1, replay());
    assertTrue(err().contains("topic 'payments', the original topic of orders.dlq-0@1, does not exist"), err());
    assertTrue(err().contains("1 of the 1 records sent were replayed"), err());
  }

  @Test
  void aRefusedSendFailsTheReplay() throws Exception {
    io.refusedTopic = "payments";
    assertEquals(1, replay());
    assertTrue(err().contains("sending orders.dlq-0@1 to payments failed: "), err());
    assertTrue(err().contains("too big"), err());
    assertEquals("", out());
  }

  @Test
  void aRecordWithoutOriginalTopicIsReportedAndNotReplayed() throws Exception {
    io.dlq.add(plain(3, null, utf8("v")));
    assertEquals(1, replay());
    assertEquals(3, io.sent.size());
    assertTrue(out().startsWith("replayed 3 records"), out());
    assertTrue(err().contains("x.dlq-0@3 has no kafka_dlt-original-topic header"), err());
  }

  @Test
  void inspectPrintsOneLineEachUpToTheLimit() throws Exception {
    assertEquals(0, inspect());
    String[] lines = out().split("\n");
    assertEquals(3, lines.length);
    assertTrue(lines[0].startsWith("{\"topic\":\"orders.dlq\",\"partition\":0,\"offset\":0,"), lines[0]);
    assertTrue(lines[2].contains("\"value\":{\"base64\":\"AQI=\"}"), lines[2]);
    assertEquals("inspected 3 dead letters of orders.dlq (0 skipped by filter)\n", err());

    outBytes.reset();
    errBytes.reset();
    assertEquals(0, inspect("--filter", "exception=IOException"));
    assertEquals(1, out().split("\n").length);
    assertTrue(out().contains("\"original_topic\":\"payments\""), out());
    assertEquals("inspected 1 dead letters of orders.dlq (2 skipped by filter)\n", err());

    outBytes.reset();
    errBytes.reset();
    assertEquals(0, inspect("--limit", "2"));
    assertEquals(2, out().split("\n").length);
    assertEquals("inspected 2 dead letters of orders.dlq (0 skipped by filter; stopped at --limit 2)\n", err());
  }

  @Test
  void errorsAreOneLine() {
    assertEquals(
        "topic 'x' does not exist [cluster h:1]",
        DlqCli.describe(new IllegalArgumentException("topic 'x' does not exist"), "h:1"));
    String timeout =
        DlqCli.describe(
            new java.util.concurrent.ExecutionException(
                new RuntimeException("failed", new java.util.concurrent.TimeoutException("metadata"))),
            "h:1");
    assertTrue(timeout.startsWith("no answer from h:1 in time (metadata)"), timeout);
    assertEquals(
        "IllegalStateException: Failed to construct kafka consumer (ConfigException: No resolvable bootstrap urls)",
        DlqCli.describe(
            new IllegalStateException("Failed to construct kafka consumer", new ConfigException("No resolvable bootstrap urls")),
            "h:1"));
  }

  /** Named as Kafka's. */
  static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message) {
      super(message);
    }
  }
}
